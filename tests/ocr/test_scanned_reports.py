"""Scanned reports read by OCR (the ``mailbot[ocr]`` extra), built as offices make them: a typed report
printed, signed, stamped, scanned slightly tilted with noise, sometimes with a blank back page.

Each scan is read once per test session (one warm OCR worker, see tests/conftest.py's ocr_sandbox);
the tests judge those readings as the daemon does.
"""

from __future__ import annotations

import functools

import pytest

from mailbot.findings import Severity, VerdictTag
from mailbot.intake import read_files
from mailbot.judge import judge
from mailbot.scans import ScanReader
from mailbot.settings import OcrSettings
from parsers.types import Limits
from tests.builders.campaign import Filling, filled_ledger
from tests.builders.scans import scanned_typed_report
from tests.checks.helpers import codes, only

TITLE = "西吉县田坪乡关于政务公开反馈问题整改落实情况的报告"
NOTICE_TITLE = ("西吉县人民政府办公室", "关于做好政务公开反馈问题整改落实工作的通知")
SCANS = {  # what each test scans: built and read once per session
    "own": lambda: scanned_typed_report(tilt=0.8, noise=30, blank_pages=1),
    "other unit": lambda: scanned_typed_report(unit="兴隆镇", tilt=-0.6, noise=20),
    "a notice": lambda: scanned_typed_report(title=NOTICE_TITLE, tilt=0.4, counts=None),
}


@pytest.fixture(scope="module")
def reader(ocr_sandbox):
    return ScanReader(OcrSettings(), sandbox=ocr_sandbox)


@pytest.fixture(scope="module")
def read(reader, rules):
    """read(scan name) → the report's dossier entry after OCR (the ledger added per test)."""
    @functools.cache
    def run(name: str):
        dossier = read_files({f"{name}.pdf": SCANS[name]()}.items(), rules.campaign(), Limits(), reader)
        return dossier.reports[0]
    return run


def judged(rules, report_file, ledger: bytes | None = None, unit: str = "田坪乡"):
    campaign = rules.campaign()
    dossier = read_files({"台账.xlsx": ledger or matching_ledger(rules)}.items(), campaign, Limits())
    dossier = type(dossier)(dossier.ledgers, (report_file,), dossier.refused)
    return judge(dossier, campaign, rules.roster, rules.version, rules.roster.get(unit))


def matching_ledger(rules) -> bytes:
    """The ledger the scanned report's counts describe (13 完成整改, 1 未整改)."""
    last = rules.campaign().problems_for(rules.roster.get("田坪乡"))[-1].seq
    return filled_ledger(Filling(status={last: "未整改"}, remark={last: "需县财政追加预算，计划明年完成"}))


def test_title_unit_and_date_are_read_from_a_stamped_tilted_noisy_scan(read, rules):
    rf = read("own")
    report = rf.report
    assert not report.has_text_layer and report.from_scan
    assert report.title == TITLE
    assert "西吉县田坪乡人民政府" in report.closing_text and "二〇二一年十一月二十四日" in report.closing_text
    assert report.blank_pages == (4,) and 4 not in [p.page for p in report.reading.pages]  # the back page is not read
    assert [p.page for p in report.reading.pages] == [1, 3]  # the top of page 1, the end of page 3: enough here
    verdict = judged(rules, rf)
    assert verdict.tag is VerdictTag.ACCEPTED, [f.message for f in verdict.findings]
    assert not codes(verdict) & {"report.no_text", "report.title_missing", "report.unit_missing",
                                 "report.unit_mismatch", "report.counts_mismatch", "report.seal_missing"}


def test_another_units_scanned_report_is_caught(read, rules):
    verdict = judged(rules, read("other unit"))
    mismatch = only(verdict, "report.unit_mismatch")
    assert mismatch.severity is Severity.ERROR and verdict.tag is VerdictTag.NEEDS_FIX
    assert "兴隆镇" in mismatch.message and "识别自扫描件" in mismatch.message
    assert "识别出的内容为“西吉县兴隆镇" in mismatch.message  # the reply quotes what was read


def test_a_scanned_notice_sent_as_the_report_is_caught(read, rules):
    verdict = judged(rules, read("a notice"))
    title = only(verdict, "report.title_missing")
    assert title.severity is Severity.ERROR and "识别自扫描件" in title.message
    assert "关于做好政务公开反馈问题整改落实工作的通知" in title.message


def test_counts_read_on_a_scan_that_differ_from_the_ledger_are_a_warning(read, rules):
    verdict = judged(rules, read("own"), ledger=filled_ledger())  # the ledger: every row 完成整改
    mismatch = only(verdict, "report.counts_mismatch")
    assert mismatch.severity is Severity.WARNING and verdict.tag is VerdictTag.ACCEPTED
    assert "完成整改 13 个" in mismatch.message and "完成整改 14 项" in mismatch.message
    assert "识别自扫描件" in mismatch.message


def test_a_page_over_its_time_ends_the_reading_and_the_scan_is_judged_as_before(rules, ocr_sandbox):
    reader = ScanReader(OcrSettings(seconds_per_page=0.001))  # its own worker: not even the engine loads in time
    try:
        dossier = read_files({"报告.pdf": scanned_typed_report(pages=1)}.items(), rules.campaign(), Limits(), reader)
    finally:
        reader.close()
    report = dossier.reports[0].report
    assert report.reading is not None and report.reading.failed.startswith("timeout")
    assert not report.has_text
    verdict = judged(rules, dossier.reports[0])
    assert "report.no_text" in codes(verdict) and verdict.tag is VerdictTag.ACCEPTED
