"""The Maildir outbox writes each reply once, under a name no other reply can take."""

from datetime import datetime, timezone

from mailbot.letters import office_letter
from mailbot.mail_types import Office
from mailbot.maildir import MaildirOutbox
from mailbot.outbox import wire

OFFICE = Office("西吉县人民政府办公室", "xjzfbxx@126.com")
NOW = datetime(2021, 11, 24, 10, 0, tzinfo=timezone.utc)


def reply(to: str, text: str, message_id: str | None = None) -> bytes:
    return wire(office_letter(OFFICE, to, "【已受理】田坪乡整改材料回执", NOW, text, message_id=message_id))


def test_the_same_reply_delivered_again_is_written_once(tmp_path):
    outbox, raw = MaildirOutbox(tmp_path), reply("tianping@126.com", "回执")
    outbox.deliver(7, "xjzfbxx@126.com", "tianping@126.com", raw)
    outbox.deliver(7, "xjzfbxx@126.com", "tianping@126.com", raw)  # a crash before it was marked sent
    [written] = (tmp_path / "new").iterdir()
    assert written.read_bytes() == raw


def test_a_new_reply_with_an_old_row_id_is_written_not_taken_as_delivered(tmp_path):
    """After a database restore the outbox table hands out row ids again: named after the row, the new
    reply found the old one's file and was marked sent without being written."""
    outbox = MaildirOutbox(tmp_path)
    before = reply("tianping@126.com", "恢复前的回执")
    after = reply("xinglong@163.com", "恢复后的回执")
    outbox.deliver(7, "xjzfbxx@126.com", "tianping@126.com", before)
    outbox.deliver(7, "xjzfbxx@126.com", "xinglong@163.com", after)
    assert sorted(p.read_bytes() for p in (tmp_path / "new").iterdir()) == sorted([before, after])


def test_another_mail_under_the_same_name_is_kept_and_the_reply_written_beside_it(tmp_path):
    outbox = MaildirOutbox(tmp_path)
    first = reply("tianping@126.com", "第一封", message_id="<20211124-00001.x@126.com>")
    other = reply("tianping@126.com", "另一封", message_id="<20211124-00001.x@126.com>")
    outbox.deliver(1, "xjzfbxx@126.com", "tianping@126.com", first)
    outbox.deliver(1, "xjzfbxx@126.com", "tianping@126.com", other)
    outbox.deliver(1, "xjzfbxx@126.com", "tianping@126.com", other)  # and again: still once
    assert sorted(p.read_bytes() for p in (tmp_path / "new").iterdir()) == sorted([first, other])


def test_one_letter_to_several_staff_is_one_file_each(tmp_path):
    outbox, raw = MaildirOutbox(tmp_path), reply("a@office.test, b@office.test", "日报")
    for number, to in enumerate(("a@office.test", "b@office.test")):
        outbox.deliver(number, "xjzfbxx@126.com", to, raw)
    names = sorted(p.name for p in (tmp_path / "new").iterdir())
    assert len(names) == 2 and all(name.endswith(".mailbot") and "/" not in name for name in names)
