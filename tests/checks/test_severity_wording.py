"""A warning the administrator makes an error is worded as an error: a rejected unit is never told that
its file was taken as it is."""

from mailbot.checks import all_issues
from mailbot.findings import Severity, VerdictTag
from mailbot.rules_loader import load_rules
from tests.builders import pdfs
from tests.builders.campaign import Filling, edited_rules, filled_ledger
from tests.checks.helpers import only

# what a warning may say and an error must not: the file was accepted, nothing needs doing, next time will do
TOLERANT = ("已按", "已照常", "无需处理", "为准", "今后")


def test_a_synonym_made_an_error_asks_for_the_proper_word(tmp_path, judge_files):
    rules = load_rules(edited_rules(tmp_path, campaign=(("[checks]\n", '[checks]\n"ledger.status_synonym" = "error"\n'),)))
    verdict = judge_files({"台账.xlsx": filled_ledger(Filling(status={12: "已完成"})), "报告.pdf": pdfs.text_report()},
                          rules_=rules)
    assert verdict.tag is VerdictTag.NEEDS_FIX
    finding = only(verdict, "ledger.status_synonym")
    assert finding.severity is Severity.ERROR
    assert finding.message == "序号 12 的“整改完成情况”填写为“已完成”，不是规定的写法。"
    assert finding.hint == "请改为规范写法“完成整改”（可从下拉列表中选择）后重新发送。"


def test_the_warning_keeps_its_tolerant_wording(judge_files):
    verdict = judge_files({"台账.xlsx": filled_ledger(Filling(status={12: "已完成"})), "报告.pdf": pdfs.text_report()})
    finding = only(verdict, "ledger.status_synonym")
    assert finding.severity is Severity.WARNING and "已按“完成整改”处理" in finding.message


def test_no_warning_raised_to_an_error_says_the_file_was_taken():
    checked = []
    for issue in all_issues():
        if issue.default is Severity.WARNING:
            message, hint = issue.wording(Severity.ERROR)
            assert not [w for w in TOLERANT if w in message + hint], issue.code
            checked.append(issue.code)
    assert checked, "no check defaults to a warning: nothing was checked"
