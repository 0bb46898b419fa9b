"""A busy server is never the unit's fault: a parse that gets no CPU is retried, never answered 读取超时."""

import os
import signal


from mailbot.daemon import build_daemon
from mailbot.models import FlagRecord, MessageRecord
from parsers.sandbox import Sandbox
from parsers.types import Limits
from tests.builders import pdfs
from tests.builders.campaign import filled_ledger
from tests.pipeline.conftest import rows, submission



def test_a_parse_stalled_by_the_server_fails_the_mail_for_a_retry_and_tells_the_unit_nothing(office, rules):
    office.deliver(submission({"田坪乡整改台账.xlsx": filled_ledger(), "田坪乡整改报告.pdf": pdfs.text_report()}))
    stalled = Sandbox(Limits(parse_timeout_seconds=1, parse_backstop_seconds=1), workers=1)
    assert stalled.run(len, b"warm") == 4
    [worker] = stalled.pids()
    os.kill(worker, signal.SIGSTOP)  # scheduled no more, as on a machine far too busy
    office.daemon.rt.sandbox = stalled
    try:
        [outcome] = office.daemon.run_once()
    finally:
        stalled.close()
    assert outcome.state == "failed" and "backstop" in outcome.reason
    [message] = rows(office, MessageRecord)
    assert message.state == "failed" and [f.kind for f in rows(office, FlagRecord)] == ["failed"]
    assert office.replies() == []  # no 读取超时, no 需补正
    [retried] = build_daemon(office.settings, rules).run_once()  # the next start, the server idle again
    assert retried.state == "processed" and retried.verdict == "已受理"
    assert len(office.replies()) == 1


def test_library_warnings_reach_the_log_with_the_mail_and_file_they_came_from(office, caplog):
    from tests.builders import workbooks

    path = office.deliver(submission({"田坪乡整改台账.xlsx": workbooks.with_mac_pivot_cache(filled_ledger()),
                                      "田坪乡整改报告.pdf": pdfs.odd_matrix_report()}))
    with caplog.at_level("WARNING", logger="mailbot"):
        [outcome] = office.daemon.run_once()
    assert outcome.state == "processed"
    lines = [r.getMessage() for r in caplog.records if r.name == "mailbot" and "file" in r.getMessage()]
    key = path.name.split(":")[0]
    assert any(key in line and "田坪乡整改台账.xlsx" in line and "calamine" in line for line in lines), lines
    assert any(key in line and "田坪乡整改报告.pdf" in line and "concatenate matrix" in line for line in lines), lines


def test_a_replay_that_cannot_reread_an_earlier_file_on_a_busy_server_says_so_and_changes_nothing(office, rules):
    """The second mail has no file: its verdict is judged with the unit's earlier ledger and report, read
    again from the archive. When that read stalls, the replay names the mail as not replayed, in words."""
    from mailbot.replay import replay

    office.deliver(submission({"田坪乡整改台账.xlsx": filled_ledger(), "田坪乡整改报告.pdf": pdfs.text_report()}))
    office.deliver(submission({}, subject="田坪乡补充说明", received=None))
    assert [o.state for o in office.daemon.run_once()] == ["processed", "processed"]
    stalled = Sandbox(Limits(parse_timeout_seconds=1, parse_backstop_seconds=1), workers=1)
    assert stalled.run(len, b"warm") == 4
    os.kill(stalled.pids()[0], signal.SIGSTOP)
    office.daemon.rt.sandbox = stalled
    try:
        changes = replay(office.daemon.rt, office.daemon.rt.rules.campaign(), apply=True)
    finally:
        stalled.close()
    [change] = [c for c in changes if c.unit == "田坪乡"]
    assert "服务器过于繁忙" in change.missing and not change.applies
