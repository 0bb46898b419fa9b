"""What OCR read is judged like a text layer, but a doubtful reading is a warning, never an error: an OCR
mistake must not reject a correct report. Readings are made here, so these tests need no OCR engine."""

from dataclasses import replace

import pytest

from mailbot.findings import Severity, VerdictTag
from mailbot.identify import identify
from mailbot.intake import read_files
from mailbot.judge import judge
from mailbot.mailparse import parse_mail
from mailbot.rules_loader import load_rules
from parsers.scan_text import with_reading
from parsers.types import Limits, OcrLine, PageReading, ScanReading
from tests.builders import mails, pdfs
from tests.builders.campaign import edited_rules, filled_ledger
from tests.checks.helpers import codes, only


def scan_reading(title=("西吉县兴隆镇关于政务公开反馈问题", "整改落实情况的报告"), closing=("西吉县兴隆镇人民政府",),
                 score: float = 0.98) -> ScanReading:
    body = [f"（{n}）整改措施落实情况。" for n in "一二三四五六"]
    lines = [*title, "县人民政府办公室：", *body, *closing, "二〇二一年十一月二十四日"]
    return ScanReading("test", (PageReading(1, tuple(OcrLine(t, score, i / 20) for i, t in enumerate(lines))),))


def judged_scan(rules, reading: ScanReading):
    campaign = rules.campaign()
    dossier = read_files({"台账.xlsx": filled_ledger(), "报告.pdf": pdfs.scanned_report()}.items(), campaign, Limits())
    rf = dossier.reports[0]
    dossier = replace(dossier, reports=(replace(rf, report=with_reading(rf.report, reading)),))
    return dossier, judge(dossier, campaign, rules.roster, rules.version, rules.roster.get("田坪乡"))


def test_a_confident_reading_of_another_unit_is_an_error(rules):
    _, verdict = judged_scan(rules, scan_reading())
    assert only(verdict, "report.unit_mismatch").severity is Severity.ERROR


@pytest.mark.parametrize("made_error", [False, True])
def test_a_low_confidence_reading_is_never_an_error(tmp_path, rules, made_error):
    if made_error:  # even when the administrator made these checks errors
        rules = load_rules(edited_rules(tmp_path, campaign=(("[checks]\n", '[checks]\n"report.unit_mismatch" = "error"\n'
                                                                         '"report.title_missing" = "error"\n'
                                                                         '"report.unit_missing" = "error"\n'),)))
    doubtful = scan_reading(title=("西吉县兴隆镇关于政务公开工作的通知",), score=0.62)
    _, verdict = judged_scan(rules, doubtful)
    assert verdict.tag is VerdictTag.ACCEPTED
    for code in ("report.unit_mismatch", "report.title_missing"):
        finding = only(verdict, code)
        assert finding.severity is Severity.WARNING
        assert "识别自扫描件，识别结果可能有误" in finding.message and "如识别有误，无需处理" in finding.hint


def test_a_unit_name_ocr_did_not_find_is_a_warning(rules):
    _, verdict = judged_scan(rules, scan_reading(title=("关于政务公开反馈问题", "整改落实情况的报告"), closing=("（盖章）",)))
    missing = only(verdict, "report.unit_missing")
    assert missing.severity is Severity.WARNING and "识别自扫描件" in missing.message
    assert "report.no_text" not in codes(verdict)


def test_what_ocr_read_never_makes_a_conflict_with_the_sender(rules, tmp_path):
    dossier, _ = judged_scan(rules, scan_reading())
    registered = load_rules(edited_rules(tmp_path, units=((('name = "田坪乡"\nkind = "乡镇"'),
                                                 'name = "田坪乡"\nkind = "乡镇"\naddresses = ["tianping@126.com"]'),)))
    mail = parse_mail(mails.client_mail(subject="整改材料", files={}))
    identity = identify(mail, dossier, registered.roster, frozenset())
    assert (identity.unit, identity.how) == ("田坪乡", "registered")  # the report's unit is judged by report_unit
    report_only = replace(dossier, ledgers=())
    unregistered = identify(parse_mail(mails.client_mail(sender="someone@163.com", subject="材料", files={})),
                            report_only, rules.roster, frozenset())
    assert (unregistered.unit, unregistered.how) == ("兴隆镇", "inferred")  # the only evidence: OCR names the unit
    assert unregistered.evidence[0].source == "scan"
