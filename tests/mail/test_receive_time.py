"""The receive time falls back per mail, in the documented order, with a note for staff; it never raises."""

from datetime import datetime, timezone

import pytest

from mailbot.receive_time import imap_time, maildir_time

NOW = datetime(2021, 11, 26, 12, 0, tzinfo=timezone.utc)
FILE = datetime(2021, 11, 24, 2, 30, tzinfo=timezone.utc)


def mail(received: str | None) -> bytes:
    head = f"Received: from mx.example.test by mx.office.test; {received}\r\n" if received else ""
    return f"{head}From: a@b.cn\r\nDate: Mon, 1 Jan 2001 00:00:00 +0000\r\n\r\nbody".encode()


def test_the_top_received_header_counts():
    assert maildir_time(mail("Wed, 24 Nov 2021 10:30:00 +0800"), FILE, NOW).moment == \
        datetime(2021, 11, 24, 2, 30, tzinfo=timezone.utc)


@pytest.mark.parametrize("received", [
    "Fri, 31 Dec 9999 23:59:59 -2359",  # OverflowError in the conversion to UTC: it stopped the whole inbox
    "Fri, 31 Dec 9999 23:59:59 +0000",  # after the mail was stored
    "Wed, 24 Nov 2021 10:30:00 -0000",  # no time zone
    "sometime last week", None,
])
def test_an_unusable_received_falls_back_to_the_file_time_with_a_note(received):
    stamp = maildir_time(mail(received), FILE, NOW)
    assert stamp.moment == FILE and "按邮件文件的时间计" in stamp.note


def test_without_a_file_time_it_is_now_with_a_note():
    stamp = maildir_time(mail("Fri, 31 Dec 9999 23:59:59 -2359"), None, NOW)
    assert stamp.moment == NOW and "处理时的时间" in stamp.note


@pytest.mark.parametrize("internal", [b"31-Dec-9999 23:59:59 -2359", b"", None, b"32-Foo-2021 99:00:00 +0800"])
def test_imap_internaldate_falls_back_to_received_then_now(internal):
    stamp = imap_time(internal, mail("Wed, 24 Nov 2021 10:30:00 +0800"), NOW)
    assert stamp.moment == datetime(2021, 11, 24, 2, 30, tzinfo=timezone.utc) and "按 Received 头计" in stamp.note
    stamp = imap_time(internal, mail(None), NOW)
    assert stamp.moment == NOW and "处理时的时间" in stamp.note


def test_a_good_internaldate_counts():
    stamp = imap_time(b"24-Nov-2021 10:30:00 +0800", mail(None), NOW)
    assert (stamp.moment, stamp.note) == (datetime(2021, 11, 24, 2, 30, tzinfo=timezone.utc), "")
