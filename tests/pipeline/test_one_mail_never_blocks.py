"""Whatever one mail's bytes hold, the failure is that mail's: recorded, flagged, retried a bounded number of
times with the count shown, and every other mail is answered. A valid submission is never silently ignored."""

import errno
import os
from datetime import datetime, timezone

import pytest
from click.testing import CliRunner

from mailbot import attempts
from mailbot.cli import main
from mailbot.daemon import build_daemon
from mailbot.models import FlagRecord, MessageRecord
from tests.builders import hostile_mail, pdfs
from tests.builders.campaign import RULES, filled_ledger
from tests.pipeline.conftest import on_time, rows, submission

LEDGER = filled_ledger()
REPORT = pdfs.text_report()
FILES = {"田坪乡整改台账.xlsx": LEDGER, "田坪乡整改报告.pdf": REPORT}
OUT_OF_RANGE = "Fri, 31 Dec 9999 23:59:59 -2359"



def cli(office, monkeypatch, *args):
    monkeypatch.setenv("MAILBOT_VAR_DIR", str(office.settings.var_dir))
    monkeypatch.setenv("MAILBOT_DATABASE_URL", office.settings.db_url)
    return CliRunner().invoke(main, ["--rules", str(RULES), *args], catch_exceptions=False)


def with_received(raw: bytes, stamp: str) -> bytes:
    return f"Received: from mx.example.test by mx.office.test; {stamp}\r\n".encode() + raw


def test_an_out_of_range_received_date_falls_back_to_the_file_time_and_blocks_nothing(office):
    """It raised OverflowError before any mail was read: run --once exited 1, the daemon retried the cycle for ever."""
    bad = office.deliver(with_received(submission(FILES, message_id="<bad@126.com>"), OUT_OF_RANGE))
    stored = datetime(2021, 11, 24, 9, 15, tzinfo=timezone.utc)
    os.utime(bad, (stored.timestamp(), stored.timestamp()))
    office.deliver(submission({"兴隆镇台账.xlsx": filled_ledger()}, sender="xinglong@163.com", subject="兴隆镇台账"))
    outcomes = office.daemon.run_once()
    assert [o.state for o in outcomes] == ["processed", "processed"]
    assert len(office.replies()) == 2
    [first] = [m for m in rows(office, MessageRecord) if bad.name.split(":")[0] in m.key]
    assert first.received_at == stored  # the file's time, the next in the documented order
    [flag] = [f for f in rows(office, FlagRecord) if f.kind == "receive_time"]
    assert "按邮件文件的时间计" in flag.detail and flag.message_id == first.id


def test_a_mail_file_that_cannot_be_read_is_that_mails_failure(office):
    """A file the daemon may not read (here a symlink loop, unreadable even as root) is recorded failed and
    flagged; the mail after it is answered."""
    os.symlink("loop.mx", office.inbox / "new" / "loop.mx")
    office.deliver(submission(FILES))
    outcomes = office.daemon.run_once()
    assert sorted(o.state for o in outcomes) == ["failed", "processed"]
    failed = next(m for m in rows(office, MessageRecord) if m.state == "failed")
    assert failed.key == "loop.mx" and "无法读取邮件文件" in failed.reason
    [flag] = [f for f in rows(office, FlagRecord) if f.kind == "failed"]
    assert flag.message_id == failed.id and "第 1 次尝试（最多 5 次）" in flag.detail


def test_a_failing_mail_is_retried_a_bounded_number_of_times_with_the_count_shown(office, rules, monkeypatch):
    import mailbot.judge
    import mailbot.pipeline as pipeline

    office.deliver(submission(FILES))
    monkeypatch.setattr(pipeline, "judge", lambda *a, **k: 1 / 0)
    for start in range(1, attempts.MAX_ATTEMPTS + 2):  # every start retries it, until the bound
        daemon = build_daemon(office.settings, rules)
        outcomes = daemon.run_once()
        assert [o.state for o in outcomes] == (["failed"] if start <= attempts.MAX_ATTEMPTS else [])
        assert daemon.run_once() == []  # never again in the same process: no hot loop
    [message] = rows(office, MessageRecord)
    assert message.state == "failed" and message.attempts == attempts.MAX_ATTEMPTS
    [flag] = [f for f in rows(office, FlagRecord) if not f.resolved]  # one flag, kept up to date
    assert "已尝试 5 次，不再自动重试" in flag.detail and "ZeroDivisionError" in flag.detail
    listed = cli(office, monkeypatch, "flags")
    assert "已尝试 5 次，不再自动重试" in listed.output and f"mailbot flags --retry {flag.id} 重新处理" in listed.output

    monkeypatch.setattr(pipeline, "judge", mailbot.judge.judge)  # the cause fixed
    retried = cli(office, monkeypatch, "flags", "--retry", str(flag.id))
    assert retried.exit_code == 0 and "重新处理" in retried.output
    [outcome] = build_daemon(office.settings, rules).run_once()
    assert outcome.state == "processed" and len(office.replies()) == 1
    shown = cli(office, monkeypatch, "show", outcome.receipt)
    assert "处理次数：1" not in shown.output  # its attempts started over when a person asked for the retry


def test_the_attempts_of_a_mail_are_shown_by_mailbot_show(office, rules, monkeypatch):
    import mailbot.judge
    import mailbot.pipeline as pipeline

    office.deliver(submission(FILES))
    monkeypatch.setattr(pipeline, "judge", lambda *a, **k: 1 / 0)
    build_daemon(office.settings, rules).run_once()
    monkeypatch.setattr(pipeline, "judge", mailbot.judge.judge)
    [outcome] = build_daemon(office.settings, rules).run_once()
    assert outcome.state == "processed"
    assert "处理次数：2（此前 1 次出错或中断" in cli(office, monkeypatch, "show", outcome.receipt).output


def test_a_mail_that_keeps_killing_the_process_stops_being_tried(office, rules):
    """Attempts are counted before a mail is read: one that kills the daemon each time (here its attempts are
    begun and never finished, as a SIGKILL leaves them) is parked for a person instead of a crash loop."""
    office.deliver(submission(FILES))
    [raw] = list(office.daemon.inbox.pending(set()))
    for _ in range(attempts.MAX_ATTEMPTS):
        assert attempts.begin(office.daemon.rt.store, raw)
    assert [o.state for o in build_daemon(office.settings, rules).run_once()] == ["skipped"]  # not read again
    [message] = rows(office, MessageRecord)
    assert message.state == "failed" and "程序多次中断" in message.reason
    assert [f.kind for f in rows(office, FlagRecord)] == ["failed"] and office.replies() == []


def test_a_full_disk_costs_no_mail_an_attempt(office, monkeypatch):
    """The cycle's failures (the disk, the database) are not the mail's: its attempts are given back."""
    from mailbot.archive import Archive

    office.deliver(submission(FILES))
    real = Archive.put

    def full(self, data):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(Archive, "put", full)
    for _ in range(attempts.MAX_ATTEMPTS + 2):
        with pytest.raises(OSError):
            office.daemon.run_once()
    monkeypatch.setattr(Archive, "put", real)
    [outcome] = office.daemon.run_once()
    assert outcome.state == "processed" and len(office.replies()) == 1


@pytest.mark.parametrize("charset", ["idna", "undefined", "punycode"])
def test_a_submission_with_one_odd_part_is_answered_not_ignored(office, charset):
    office.deliver(hostile_mail.extra_charset_part(charset, files=FILES, received=on_time()))
    [outcome] = office.daemon.run_once()
    assert outcome.state == "processed" and outcome.unit == "田坪乡" and outcome.verdict == "已受理"
    assert len(office.replies()) == 1


@pytest.mark.parametrize("build, levels", [(hostile_mail.nested_multipart, 5_000), (hostile_mail.nested_rfc822, 1_000)])
def test_nesting_too_deep_is_cut_and_the_unit_told(office, build, levels):
    office.deliver(build(levels, files=FILES, received=on_time()))
    [outcome] = office.daemon.run_once()
    assert outcome.state == "processed" and outcome.unit == "田坪乡"
    assert "嵌套层数过多" in office.reply_text() and "更深层的内容未予读取" in office.reply_text()


def test_a_mail_that_cannot_be_parsed_at_all_is_failed_and_flagged_never_ignored(tmp_path, rules, database_url):
    """8 million two-byte lines: each line costs the parser some 60 bytes, far over the sandbox's 256 MB (in the
    daemon's own process it would have taken the daemon's memory)."""
    from tests.pipeline.conftest import make_office

    office = make_office(tmp_path, rules, database_url=database_url,  # memory runs out long before any timeout
                         limits={"parse_memory_mb": 256, "parse_timeout_seconds": 600})
    office.deliver(b"From: tianping@126.com\r\nSubject: x\r\n\r\n" + b"a\n" * 8_000_000)
    office.deliver(submission(FILES))
    outcomes = office.daemon.run_once()
    office.daemon.close()
    assert [o.state for o in outcomes] == ["failed", "processed"]
    messages = rows(office, MessageRecord)  # numbered as their reading began: two are read at once
    assert sorted(m.state for m in messages) == ["failed", "processed"]
    [failed] = [m for m in messages if m.state == "failed"]
    assert "邮件无法解析" in failed.reason  # where the memory ran out decides the words
    assert [f.kind for f in rows(office, FlagRecord) if f.message_id == failed.id] == ["receive_time", "failed"]


def test_maildir_mail_over_the_size_limit_gets_the_same_answer_as_over_imap(tmp_path, rules, database_url):
    """The limit was IMAP's only: a Maildir mail of any size was read whole (86 MB took 902 MB)."""
    import hashlib

    from mailbot.replay import replay
    from tests.pipeline.conftest import make_office

    office = make_office(tmp_path, rules, database_url=database_url,
                         inbox={"kind": "maildir", "max_message_bytes": 200_000})
    raw = submission({"田坪乡整改台账.xlsx": LEDGER, "扫描件.pdf": pdfs.scanned_report(), "照片.jpg": os.urandom(300_000)})
    office.deliver(raw)
    [outcome] = office.daemon.run_once()
    assert outcome.state == "processed" and outcome.verdict == "需补正"
    assert "超过本邮箱的接收上限" in office.reply_text()
    archived = office.settings.archive_path / hashlib.sha256(raw).hexdigest()[:2] / hashlib.sha256(raw).hexdigest()
    assert archived.read_bytes() == raw  # the whole mail is kept, streamed from its file
    [message] = rows(office, MessageRecord)
    assert message.too_large_bytes == len(raw)
    [change] = replay(office.daemon.rt, rules.campaign())
    assert not change.changed and not change.missing  # re-judged as what it was: too large, not a mail without files
    office.daemon.close()


def test_run_once_exits_1_when_a_mail_failed_and_says_where_to_look(tmp_path, monkeypatch):
    """It exited 0 while every mail failed: a script or a person running it saw success."""
    var = tmp_path / "var"
    monkeypatch.setenv("MAILBOT_VAR_DIR", str(var))
    inbox = var / "mail" / "inbox"
    for sub in ("tmp", "new", "cur"):
        (inbox / sub).mkdir(parents=True)
    os.symlink("loop.mx", inbox / "new" / "loop.mx")
    (inbox / "new" / "1.mx").write_bytes(submission(FILES))
    result = CliRunner().invoke(main, ["--rules", str(RULES), "run", "--once"])
    assert result.exit_code == 1, result.output
    assert "已回执 1，处理出错 1" in result.output and "详见 mailbot flags" in result.output
    again = CliRunner().invoke(main, ["--rules", str(RULES), "run", "--once"])  # the failed one waits for the next start
    assert again.exit_code == 1 and "处理出错 1" in again.output


def test_a_nul_in_the_subject_is_stored_on_either_database(office):
    """PostgreSQL refuses NUL in text: the mail failed there on every retry, while SQLite took it. (A NUL inside
    an encoded word is header injection: the mail is quarantined, and recorded on both databases.)"""
    import base64

    word = base64.b64encode("田坪乡\x00整改材料".encode()).decode()
    raw = submission(FILES, subject="placeholder", client="163")
    start = raw.index(b"Subject: ")
    raw = raw[:start] + f"Subject: =?utf-8?B?{word}?=".encode() + raw[raw.index(b"\r\n", start):]
    office.deliver(raw)
    [outcome] = office.daemon.run_once()
    assert (outcome.state, outcome.reason) == ("held", "hostile")
    assert rows(office, MessageRecord)[0].subject == "田坪乡整改材料"
