"""Scanned reports in the daemon: read by OCR in the scan lane, answered quoting what was read, never
read twice (a resubmission, `rules replay`), and never in the way of other mail."""

from __future__ import annotations

import threading

import pytest
from sqlmodel import select

from mailbot.models import MessageRecord, OcrRecord
from mailbot.replay import replay
from mailbot.scans import ScanReader
from parsers.sandbox import Sandbox
from tests.builders import pdfs
from tests.builders.campaign import Filling, filled_ledger
from tests.builders.scans import scanned_typed_report
from tests.pipeline.conftest import on_time, submission

TITLE = "西吉县田坪乡关于政务公开反馈问题整改落实情况的报告"


@pytest.fixture
def scanning(office, ocr_sandbox):
    """The office with OCR sharing the session's warm OCR worker; counts the scans it reads."""
    rt = office.daemon.rt
    reader = ScanReader(office.settings.ocr, rt.store, sandbox=ocr_sandbox)
    reads = []
    real = reader._ocr
    reader._ocr = lambda report, data: reads.append(report.pages) or real(report, data)
    rt.scans = reader
    office.reads = reads
    yield office
    office.daemon.close()


def matching_ledger(rules) -> bytes:
    last = rules.campaign().problems_for(rules.roster.get("田坪乡"))[-1].seq
    return filled_ledger(Filling(status={last: "未整改"}, remark={last: "需县财政追加预算，计划明年完成"}))


def test_a_scan_is_read_answered_with_what_was_read_and_never_read_again(scanning, rules):
    office = scanning
    scan = scanned_typed_report(tilt=0.6, noise=20)
    office.deliver(submission({"田坪乡台账.xlsx": matching_ledger(rules), "田坪乡整改报告.pdf": scan}))
    [first] = office.daemon.run_once()
    assert first.state == "processed" and first.verdict == "已受理", office.reply_text()
    text = office.reply_text()
    assert f"识别出标题“{TITLE[:39]}" in text and "落款“西吉县田坪乡人民政府 二〇二一年十一月二十四日”" in text
    assert "为扫描件（没有可识别的文字）" not in text
    assert len(office.reads) == 1

    # the same report again with a corrected ledger: its reading is on record
    office.deliver(submission({"田坪乡台账.xlsx": filled_ledger(), "整改报告(1).pdf": scan}, received=on_time(2)))
    [again] = office.daemon.run_once()
    assert again.state == "processed" and len(office.reads) == 1
    assert "完成整改 13 个" in office.reply_text() and "识别自扫描件" in office.reply_text()  # counts vs the new ledger

    changes = replay(office.daemon.rt, rules.campaign())
    assert len(office.reads) == 1 and not [c for c in changes if c.changed]
    with office.daemon.rt.store.session() as session:
        assert len(session.exec(select(OcrRecord)).all()) == 1


def test_text_mail_is_answered_while_a_scan_is_being_read(office, request):
    """The scan arrives first and its reading is held up; the text mail behind it is answered all the same."""
    request.addfinalizer(office.daemon.close)
    rt = office.daemon.rt
    reader = ScanReader(office.settings.ocr, rt.store)
    reader.off_reason = ""  # the lane's order is tested here, not the engine: no OCR extra needed
    reading = threading.Event()
    release = threading.Event()

    def slow_read(dossier, data):
        reading.set()
        release.wait(60)
        return dossier

    reader.read = slow_read
    rt.scans = reader
    office.deliver(submission({"台账.xlsx": filled_ledger(), "报告.pdf": pdfs.scanned_report()}))
    office.deliver(submission({"台账.xlsx": filled_ledger(Filling(unit="兴隆镇")), "报告.pdf": pdfs.text_report(unit="兴隆镇")},
                              sender="xl@163.com", subject="兴隆镇材料", received=on_time(1)))
    try:
        outcomes = office.daemon.run_once(wait_for_scans=False)
        assert [o.unit for o in outcomes] == ["兴隆镇"]  # answered; the scan is still in the lane
        assert reading.wait(60)
        assert len(office.replies()) == 1
        with rt.store.session() as session:
            states = sorted(m.state for m in session.exec(select(MessageRecord)).all())
        assert states == ["new", "processed"]  # the scan's mail: its attempt counted, judged once read
        assert office.daemon.run_once(wait_for_scans=False) == []  # the lane's mail is not picked up twice
    finally:
        release.set()
    office.daemon.lane.wait()
    assert [o.unit for o in office.daemon.run_once()] == ["田坪乡"]  # counted (and filed) by the loop once done
    assert len(office.replies()) == 2
    assert "为扫描件（没有可识别的文字）" in office.reply_text()  # nothing was read: judged as before


class Watched(Sandbox):
    """The parse sandbox, noting which thread asked it to run what: the daemon's loop ("prepare" threads)
    or the scan lane ("ocr-lane")."""

    def __init__(self, limits):
        super().__init__(limits, workers=2)
        self.calls: list[tuple[str, str]] = []

    def call(self, fn, *args, **kwargs):
        self.calls.append((threading.current_thread().name.split("_")[0], fn.__name__))
        return super().call(fn, *args, **kwargs)


def test_a_report_that_opens_on_a_scan_is_read_by_the_lane_not_the_loop(office, request):
    """Reading a scan's pages for ink and seals takes a fraction of a second a page, so a hundred scans at
    once would hold the loop for a minute. A first page that looks scanned (a look without rendering) sends
    the mail to the lane before its files are read, and the lane reads in a worker of its own; a text
    report is read by the loop's workers, as before."""
    request.addfinalizer(office.daemon.close)
    rt = office.daemon.rt
    reader = ScanReader(office.settings.ocr, rt.store)
    reader.off_reason = ""  # which worker reads what is tested here, not the engine
    reader.read = lambda dossier, data: dossier
    rt.scans = reader
    rt.sandbox = loops = Watched(rt.limits)
    request.addfinalizer(loops.close)
    office.deliver(submission({"台账.xlsx": filled_ledger(), "报告.pdf": pdfs.scanned_report()}))
    office.deliver(submission({"台账.xlsx": filled_ledger(Filling(unit="兴隆镇")), "报告.pdf": pdfs.text_report(unit="兴隆镇")},
                              sender="xl@163.com", subject="兴隆镇材料", received=on_time(1)))
    outcomes = office.daemon.run_once()
    assert sorted(o.unit for o in outcomes) == ["兴隆镇", "田坪乡"] and len(office.replies()) == 2
    assert {thread for thread, _ in loops.calls} == {"prepare"}  # the lane never used the loop's workers
    called = [fn for _, fn in loops.calls]
    assert called.count("starts_with_scan") == 2 and called.count("parse_mail") == 2
    assert called.count("read_report") == 1 and called.count("read_ledger") == 1  # the text mail's files only
    assert "为扫描件（没有可识别的文字）" in office.reply_text(0) + office.reply_text(1)  # the scan: judged in the lane


def test_scans_waiting_for_room_in_the_lane_use_up_none_of_their_attempts(office, request, monkeypatch):
    """A burst larger than the lane waits in the mailbox; the loop looks at those mails every cycle, and
    that waiting must not count as attempts (five would fail a mail for a person)."""
    import mailbot.scan_lane

    monkeypatch.setattr(mailbot.scan_lane, "MAX_WAITING", 1)
    request.addfinalizer(office.daemon.close)
    rt = office.daemon.rt
    reader = ScanReader(office.settings.ocr, rt.store)
    reader.off_reason = ""
    release = threading.Event()
    reader.read = lambda dossier, data: release.wait(60) and dossier
    rt.scans = reader
    for n in range(3):
        office.deliver(submission({"台账.xlsx": filled_ledger(), "报告.pdf": pdfs.scanned_report()},
                                  sender=f"s{n}@163.com", received=on_time(n)))
    try:
        for _ in range(7):  # more cycles than a mail has attempts
            assert office.daemon.run_once(wait_for_scans=False) == []
    finally:
        release.set()
    for _ in range(3):
        office.daemon.run_once()
    with rt.store.session() as session:
        messages = session.exec(select(MessageRecord)).all()
    assert [(m.state, m.attempts) for m in messages] == [("processed", 1)] * 3
    assert len(office.replies()) == 3
