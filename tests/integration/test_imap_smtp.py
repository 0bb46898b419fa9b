"""mailbot against a real Dovecot and a real SMTP server on loopback."""

import email
import threading
import time
from datetime import datetime, timedelta, timezone
from email import policy

import pytest
from sqlmodel import select

from mailbot.imap import ImapError, ImapInbox
from mailbot.models import FlagRecord, OutboxRecord
from mailbot.settings import ImapSettings
from tests.builders import pdfs
from tests.builders.campaign import Filling, filled_ledger
from tests.pipeline.conftest import on_time, submission
from tests.servers import PASSWORD, wait_for

from imap_tools.imap_utf7 import utf7_encode

PROCESSED = b'"' + utf7_encode("已处理") + b'"'  # folder names travel in modified UTF-7
ATTENTION = b'"' + utf7_encode("待人工处理") + b'"'
LEDGER = filled_ledger()
REPORT = pdfs.text_report()


def good(sender="tianping@126.com", received=None, **kw):
    return submission({"台账.xlsx": LEDGER, "报告.pdf": REPORT}, sender=sender, received=received, **kw)


def replies(smtp):
    return [email.message_from_bytes(m["data"], policy=policy.default) for m in smtp.messages]


def test_mail_in_dovecot_is_answered_through_smtp_once(dovecot, smtp, make_mailbot):
    user = dovecot.new_user()
    dovecot.append(user, good(), when=on_time())
    dovecot.append(user, submission({"台账.xlsx": LEDGER}, sender="xinglong@163.com", subject="兴隆镇台账"),
                   when=on_time(1))
    bot = make_mailbot(dovecot, smtp, user)
    outcomes = bot.run_once()
    assert [o.verdict for o in outcomes] == ["已受理", "需补正"]
    sent = replies(smtp)
    assert [m["To"] for m in sent] == ["tianping@126.com", "xinglong@163.com"]
    assert sent[0]["Subject"].startswith("【已受理】田坪乡")
    assert all(m["mail_from"] == smtp.user and m["login"] == smtp.user.encode() for m in smtp.messages)
    assert not any("\\Seen" in line for line in dovecot.flags(user))  # the staff's mailbox is left unread
    assert bot.run_once() == [] and len(smtp.messages) == 2
    bot.inbox.close()


def test_internaldate_is_the_receive_time(dovecot, smtp, make_mailbot):
    user = dovecot.new_user()
    late = datetime(2021, 11, 26, 8, 0, tzinfo=timezone(timedelta(hours=8)))
    dovecot.append(user, good(received=on_time()), when=late)  # Received header says on time; the server says late
    bot = make_mailbot(dovecot, smtp, user)
    bot.run_once()
    assert replies(smtp)[0]["Subject"].startswith("【已受理】（逾期）")
    bot.inbox.close()


def test_polling_path_without_idle_or_move_and_id_sent(dovecot_polling, smtp, make_mailbot):
    user = dovecot_polling.new_user()
    dovecot_polling.append(user, good())
    bot = make_mailbot(dovecot_polling, smtp, user, send_id="always", processed_folder="已处理")
    [outcome] = bot.run_once()
    assert outcome.verdict == "已受理"
    assert "IDLE" not in bot.inbox.capabilities and "MOVE" not in bot.inbox.capabilities
    assert bot.inbox.server_id.get("name") == "Dovecot"
    assert "ID sent: name=mailbot" in (dovecot_polling.root / "dovecot.log").read_text()
    client = dovecot_polling.client(user)
    assert client.select("INBOX")[1] == [b"0"]  # moved by COPY + STORE + UID EXPUNGE
    assert client.select(PROCESSED)[1] == [b"1"]
    client.logout()
    bot.inbox.close()


def test_folders_are_created_and_mail_moved_only_when_asked(dovecot, smtp, make_mailbot):
    user = dovecot.new_user()
    dovecot.append(user, good())
    broken = filled_ledger(Filling(status={12: ""}))
    dovecot.append(user, submission({"台账.xlsx": broken}, subject="田坪乡台账", received=on_time(1)))
    bot = make_mailbot(dovecot, smtp, user, processed_folder="已处理", attention_folder="待人工处理")
    bot.run_once()
    client = dovecot.client(user)
    assert client.select("INBOX")[1] == [b"0"]
    assert client.select(PROCESSED)[1] == [b"1"] and client.select(ATTENTION)[1] == [b"1"]
    client.logout()
    bot.inbox.close()


def test_new_mail_is_answered_within_seconds_while_idling(dovecot, smtp, make_mailbot):
    user = dovecot.new_user()
    bot = make_mailbot(dovecot, smtp, user, poll_interval=120)
    thread = threading.Thread(target=bot.run_forever, daemon=True)  # signal handlers: main thread only
    thread.start()
    try:
        assert wait_for(lambda: bot.inbox.box is not None, 120)
        assert "IDLE" in bot.inbox.capabilities
        assert wait_for(lambda: bot.inbox.box.idle._idle_tag is not None, 120)  # the first cycle done, it idles
        dovecot.append(user, good())  # polling alone would answer in two minutes
        assert wait_for(lambda: len(smtp.messages) == 1, 100), "no reply while idling"  # before the 120 s poll
    finally:
        bot.stopping.set()
        thread.join(15)


def test_dovecot_restart_mid_run_is_survived(smtp, make_mailbot):
    from tests.servers import Dovecot

    server = Dovecot()
    server.start()
    try:
        user = server.new_user()
        server.append(user, good())
        bot = make_mailbot(server, smtp, user, poll_interval=0.3)
        thread = threading.Thread(target=bot.run_forever, daemon=True)
        thread.start()
        assert wait_for(lambda: len(smtp.messages) == 1, 120)
        server.stop()
        assert wait_for(lambda: bot.alarm.since is not None, 120)  # the daemon noticed, logged and backs off
        server.start()
        server.append(user, good(sender="xinglong@163.com", subject="兴隆镇整改材料"), when=on_time(2))
        assert wait_for(lambda: len(smtp.messages) == 2, 120), "no reply after the restart"
        bot.stopping.set()
        thread.join(15)
        assert [m["rcpt_tos"] for m in smtp.messages] == [["tianping@126.com"], ["xinglong@163.com"]]
    finally:
        server.cleanup()


def test_uidvalidity_change_rescans_and_duplicates_nothing(dovecot, smtp, make_mailbot):
    user = dovecot.new_user()
    dovecot.append(user, good())
    bot = make_mailbot(dovecot, smtp, user)
    bot.run_once()
    bot.inbox.close()
    dovecot.set_uidvalidity(user, 4242)
    dovecot.append(user, good(sender="xinglong@163.com", subject="兴隆镇整改材料"), when=on_time(3))
    outcomes = bot.run_once()
    assert bot.inbox.uidvalidity == "4242"
    assert sorted(o.state for o in outcomes) == ["duplicate", "processed"]
    assert [m["rcpt_tos"] for m in smtp.messages] == [["tianping@126.com"], ["xinglong@163.com"]]
    bot.inbox.close()


def test_smtp_outage_delays_replies_and_they_go_out_once(dovecot, smtp, make_mailbot):
    user = dovecot.new_user()
    for hour in range(3):
        dovecot.append(user, good(sender=f"unit{hour}@163.com", subject="田坪乡整改材料"), when=on_time(hour))
    bot = make_mailbot(dovecot, smtp, user)
    smtp.stop()
    bot.run_once()
    with bot.rt.store.session() as session:
        assert {o.state for o in session.exec(select(OutboxRecord))} == {"pending"}
    smtp.start()
    # each reply goes out when its own back-off has passed (0.2 s × 2^attempts: more attempts, and so a longer
    # wait, when the machine is slow): drain until the event, never sleep a guessed time
    assert wait_for(lambda: bot.drain() or len(smtp.messages) == 3, 120)
    bot.drain()
    assert sorted(m["rcpt_tos"][0] for m in smtp.messages) == ["unit0@163.com", "unit1@163.com", "unit2@163.com"]
    bot.inbox.close()


def test_temporary_refusal_is_retried_and_permanent_is_flagged(dovecot, smtp, make_mailbot):
    user = dovecot.new_user()
    dovecot.append(user, good())
    bot = make_mailbot(dovecot, smtp, user)
    smtp.refuse_with = "451 4.3.0 try again later"
    bot.run_once()
    smtp.refuse_with = None
    assert wait_for(lambda: bot.drain() or len(smtp.messages) == 1, 120)  # once its back-off has passed
    dovecot.append(user, good(sender="xinglong@163.com", subject="兴隆镇整改材料"), when=on_time(4))
    smtp.refuse_with = "550 5.1.1 no such user"
    outcomes = bot.run_once()
    assert [o.state for o in outcomes] == ["processed"], outcomes
    with bot.rt.store.session() as session:
        states = [o.state for o in session.exec(select(OutboxRecord).order_by(OutboxRecord.id))]
        flags = [f.kind for f in session.exec(select(FlagRecord))]
    assert states == ["sent", "failed"] and "delivery_failed" in flags
    bot.inbox.close()


def test_oversized_mail_is_not_downloaded_and_the_sender_is_told(dovecot, smtp, make_mailbot):
    user = dovecot.new_user()
    dovecot.append(user, submission({"台账.xlsx": LEDGER, "扫描件.pdf": pdfs.scanned_report()}))
    bot = make_mailbot(dovecot, smtp, user, max_message_bytes=20_000)
    [outcome] = bot.run_once()
    assert outcome.verdict == "需补正"
    text = replies(smtp)[0].get_body(("plain",)).get_content()
    assert "超过本邮箱的接收上限" in text
    bot.inbox.close()


@pytest.mark.no_database
def test_wrong_password_is_said_in_plain_words(dovecot):
    settings = ImapSettings(**dovecot.imap_settings("nobody@example.test"))
    with pytest.raises(ImapError) as info:
        ImapInbox(settings, "wrong").connect()
    assert "授权码" in str(info.value)


@pytest.mark.no_database
def test_ssl_and_starttls_with_the_servers_certificate(dovecot):
    for security, port in (("ssl", dovecot.tls_port), ("starttls", dovecot.port)):
        settings = ImapSettings(**{**dovecot.imap_settings(dovecot.new_user()), "security": security, "port": port,
                                   "ca_file": dovecot.cert})
        inbox = ImapInbox(settings, PASSWORD)
        inbox.connect()
        assert list(inbox.pending(set())) == []
        inbox.close()
