"""The report read as a clerk reads it: an empty report, the counts it states against the ledger, its
date against the mail and the notice, the notice's 文号 (text PDFs; scans in tests/ocr)."""

from datetime import datetime, timedelta, timezone

import pytest

from mailbot.campaigns import file_points
from mailbot.findings import Severity, VerdictTag
from mailbot.intake import read_files
from mailbot.judge import judge
from mailbot.mailparse import parse_mail
from parsers.report_facts import names_number, signed_on, stated_counts
from parsers.types import Limits
from tests.builders import mails
from tests.builders.campaign import Filling, filled_ledger
from tests.builders.scans import blank_report, typed_report
from tests.checks.helpers import codes, only

CHINA = timezone(timedelta(hours=8))


def own_seqs(rules, unit="田坪乡") -> list[int]:
    return [p.seq for p in rules.campaign().problems_for(rules.roster.get(unit))]


@pytest.mark.parametrize("kind", ["empty", "white", "near_blank"])
def test_an_empty_report_is_an_error_asking_for_the_signed_report(judge_files, kind):
    verdict = judge_files({"台账.xlsx": filled_ledger(), "整改报告.pdf": blank_report(kind, pages=2)})
    assert verdict.tag is VerdictTag.NEEDS_FIX
    empty = only(verdict, "report.empty")
    assert empty.severity is Severity.ERROR
    assert "每一页都是空白" in empty.message and "签字并加盖公章的整改报告本身" in empty.hint
    assert not codes(verdict) & {"report.no_text", "report.seal_missing", "report.title_missing", "report.unit_missing"}


def figures(text: str) -> tuple | None:
    said = stated_counts(text)
    return None if said is None else (said.total, said.done, said.doing, said.undone)


def test_stated_counts_in_the_forms_reports_use():
    assert figures("涉及我乡的反馈问题共14个，已完成整改13个，正在整改0个，未整改1个。") == (14, 13, 0, 1)
    assert figures("共反馈问题十四个，已整改完成十个，\n未完成整改四个；下一步……") == (14, 10, None, 4)
    assert figures("按照西政办函〔2021〕56号文件要求，共发现问题5个。") is None  # no status figure: not a statement
    assert figures("尚未整改2项") == (None, None, None, 2)  # 未 before 整改 is never read as done


def test_the_notice_number_however_ocr_wrote_its_brackets():
    for read in ("西政办函〔2021〕56号", "西政办函（2021】56号", "西政办函[2021] 56号", "西政办函［2021］５６号"):
        assert names_number(f"按照{read}文件要求", "西政办函〔2021〕56号"), read
    assert not names_number("按照西政办函〔2021〕57号文件要求", "西政办函〔2021〕56号")
    assert signed_on("西吉县田坪乡人民政府\n二〇二一年十一月二十四日") == "2021-11-24"


def test_counts_differing_from_the_ledger_are_a_warning_naming_both(judge_files):
    verdict = judge_files({"台账.xlsx": filled_ledger(), "整改报告.pdf": typed_report()})  # ledger: all 完成整改
    mismatch = only(verdict, "report.counts_mismatch")
    assert mismatch.severity is Severity.WARNING and verdict.tag is VerdictTag.ACCEPTED
    assert "涉及我乡的反馈问题共14个，已完成整改13个，正在整改0个，未整改1个" in mismatch.message
    assert "完成整改 13 个，未整改 1 个" in mismatch.message
    assert "台账中完成整改 14 项，未整改 0 项" in mismatch.message
    assert "识别自扫描件" not in mismatch.message  # a text layer


def test_counts_agreeing_with_the_ledger_say_nothing(judge_files, rules):
    last = own_seqs(rules)[-1]
    ledger = filled_ledger(Filling(status={last: "未整改"}, remark={last: "需县财政追加预算，计划明年完成"}))
    verdict = judge_files({"台账.xlsx": ledger, "整改报告.pdf": typed_report(counts=(len(own_seqs(rules)), 13, 0, 1))})
    assert "report.counts_mismatch" not in codes(verdict)


def test_a_report_dated_before_the_notice_is_a_warning(judge_files):
    verdict = judge_files({"台账.xlsx": filled_ledger(), "整改报告.pdf": typed_report(date_line="二〇二一年十一月二十日")})
    early = only(verdict, "report.date_before_notice")
    assert early.severity is Severity.WARNING
    assert "2021 年 11 月 20 日" in early.message and "2021 年 11 月 23 日" in early.message
    assert "西政办函〔2021〕56号" in early.hint


def test_a_report_dated_after_the_mail_arrived_is_a_warning(rules):
    campaign = rules.campaign()
    dossier = read_files({"台账.xlsx": filled_ledger(), "整改报告.pdf": typed_report()}.items(), campaign, Limits())
    unit = rules.roster.get("田坪乡")

    def judged(received):
        return judge(dossier, campaign, rules.roster, rules.version, unit, received_at=received)

    late = only(judged(datetime(2021, 11, 23, 23, 0, tzinfo=CHINA)), "report.date_after_receipt")
    assert "2021 年 11 月 24 日" in late.message and "2021 年 11 月 23 日" in late.message
    assert "report.date_after_receipt" not in codes(judged(datetime(2021, 11, 24, 0, 30, tzinfo=CHINA)))
    # the office's day, not UTC's: 2021-11-24 07:00 in China is the 23rd in UTC
    assert "report.date_after_receipt" not in codes(judged(datetime(2021, 11, 23, 23, 30, tzinfo=timezone.utc)))


def test_the_notice_number_in_the_report_is_evidence_of_the_campaign(rules):
    campaign = rules.campaign()
    mail = parse_mail(mails.client_mail(subject="整改材料", files={}))
    limits = Limits()
    naming = read_files({"报告.pdf": typed_report()}.items(), campaign, limits)
    silent = read_files({"报告.pdf": typed_report(opening=("县人民政府办公室：", "现将整改情况报告如下："))}.items(),
                        campaign, limits)
    assert file_points(campaign, mail, naming) == file_points(campaign, mail, silent) + 5
