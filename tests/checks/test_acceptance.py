"""Correct submissions are accepted, in every form units really send them."""

import pytest

from mailbot.findings import VerdictTag
from tests.builders import pdfs
from tests.builders.campaign import EVERYONE, Filling, as_csv, as_xls, filled_ledger, zipped
from tests.checks.helpers import codes


def test_township_returning_all_37_rows(judge_files):
    verdict = judge_files({"田坪乡整改台账.xlsx": filled_ledger(), "田坪乡整改报告.pdf": pdfs.text_report()})
    assert verdict.tag is VerdictTag.ACCEPTED, [f.code for f in verdict.findings]
    assert verdict.findings == ()
    s = verdict.summary
    assert (s.unit, s.rows_expected, s.rows_answered) == ("田坪乡", 14, 14)
    assert s.status_counts == {"完成整改": 14, "正在整改": 0, "未整改": 0}
    assert s.line() == "应填报 14 项，已填报 14 项（完成整改 14 项，正在整改 0 项，未整改 0 项）"


def test_township_returning_only_its_own_rows(judge_files):
    ledger = filled_ledger(Filling(only_own_rows=True))
    verdict = judge_files({"台账.xlsx": ledger, "报告.pdf": pdfs.text_report()})
    assert verdict.accepted and verdict.summary.rows_answered == 14


def test_statuses_are_counted(judge_files):
    filling = Filling(status={2: "正在整改", 10: "未整改"}, remark={10: "网站改版中，12月底前完成"})
    verdict = judge_files({"台账.xlsx": filled_ledger(filling), "报告.pdf": pdfs.text_report()})
    assert verdict.accepted
    assert verdict.summary.status_counts == {"完成整改": 12, "正在整改": 1, "未整改": 1}


@pytest.mark.parametrize("unit", ["政府办", "司法局", "人力资源和社会保障局"])
def test_departments_with_their_named_rows(judge_files, rules, unit):
    own = tuple(p.seq for p in rules.campaign().problems_for(rules.roster.get(unit)))
    assert set(EVERYONE) < set(own)
    ledger = filled_ledger(Filling(unit=unit, seqs=own))
    verdict = judge_files({"台账.xlsx": ledger, "报告.pdf": pdfs.text_report(unit=unit)}, unit=unit)
    assert verdict.accepted, [f.message for f in verdict.findings]
    assert verdict.summary.rows_expected == len(own)


def test_alias_in_the_unit_line_is_the_unit(judge_files):
    ledger = filled_ledger(Filling(unit="人社局", seqs=EVERYONE + (25, 26)))
    verdict = judge_files({"台账.xlsx": ledger, "报告.pdf": pdfs.text_report(unit="人社局")}, unit=None)
    assert verdict.summary.unit == "人力资源和社会保障局" and verdict.accepted


@pytest.mark.parametrize("convert,name", [(as_xls, "台账.xls"), (as_csv, "台账.csv")])
def test_legacy_xls_and_csv_ledgers(judge_files, convert, name):
    verdict = judge_files({name: convert(filled_ledger()), "报告.pdf": pdfs.text_report()})
    assert verdict.accepted, [f.message for f in verdict.findings]


def test_xlsx_renamed_xls_is_read(judge_files):
    verdict = judge_files({"台账.xls": filled_ledger(), "报告.pdf": pdfs.text_report()})
    assert verdict.accepted


def test_scanned_report_with_seal_is_accepted_with_a_note(judge_files):
    verdict = judge_files({"台账.xlsx": filled_ledger(), "报告.pdf": pdfs.scanned_report()})
    assert verdict.accepted and codes(verdict) == {"report.no_text"}


def test_both_files_in_one_zip(judge_files):
    archive = zipped({"整改台账.xlsx": filled_ledger(), "整改报告.pdf": pdfs.text_report()})
    verdict = judge_files({"田坪乡材料.zip": archive})
    assert verdict.accepted
    assert verdict.summary.ledger_file == "田坪乡材料.zip/整改台账.xlsx"
