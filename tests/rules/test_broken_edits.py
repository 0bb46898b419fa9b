"""Whatever an administrator mistypes, `load_rules` answers with RulesError naming file, line and field
in Chinese: never another exception (a traceback in `rules check`, an outage in the daemon's reload)."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

from mailbot.rules_loader import RulesError, load_rules
from tests.builders.campaign import CAMPAIGN_ID, RULES, edited_rules

MAILBOT = str(Path(sys.executable).with_name("mailbot"))
CAMPAIGN = f"rules/campaigns/{CAMPAIGN_ID}/campaign.toml"
UNITS = "rules/units.toml"

# (file, the whole line as shipped, the line as mistyped, field named, words of the explanation)
EDITS = [
    (CAMPAIGN, 'timezone = "Asia/Shanghai"', 'timezone = "Beijing"', "deadline.timezone", "无法识别的时区"),
    (CAMPAIGN, 'timezone = "Asia/Shanghai"', 'timezone = ""', "deadline.timezone", "一般填写 Asia/Shanghai"),
    (CAMPAIGN, 'template = "template.xlsx"', 'template = ""', "ledger.template", "模板文件的文件名"),
    (CAMPAIGN, 'template = "template.xlsx"', 'template = "../units.toml"', "ledger.template", "模板文件的文件名"),
    (CAMPAIGN, 'template = "template.xlsx"', 'template = "模板.xlsx"', "ledger.template", "模板《模板.xlsx》不存在"),
    (CAMPAIGN, 'template = "template.xlsx"', f'template = "{"长" * 200}.xlsx"', "ledger.template", "文件名过长"),
    (CAMPAIGN, '"report.seal_missing" = "warning"', '"report.seal_missing" = "warn"', "checks.report.seal_missing",
     '取值应为 "error"、"warning" 或 "off"'),
    (CAMPAIGN, "date = 2021-11-25", "date = 2021-11-25T17:00:00", "deadline.date", "不写时间"),
    (CAMPAIGN, "date = 2021-11-25", 'date = "2021-11-25"', "deadline.date", "不加引号"),
    (CAMPAIGN, "date = 2021-11-25", "date = 2021-13-25", "deadline.date", "日期写法不对"),
    (CAMPAIGN, "inclusive = true", 'inclusive = "yes"', "deadline.inclusive", "应为 true 或 false"),
    (CAMPAIGN, "first_mail_counts = false", 'first_mail_counts = "false"', "deadline.first_mail_counts", "true 或 false"),
    (CAMPAIGN, "grace_hours = 0", 'grace_hours = "2"', "deadline.grace_hours", "应为数字"),
    (CAMPAIGN, "grace_hours = 0", "grace_hours = nan", "deadline.grace_hours", "具体的数字"),
    (CAMPAIGN, 'title_patterns = ["整改.*报告"]', 'title_patterns = ["整改(报告"]', "report.title_patterns[0]",
     "缺少右括号"),
    (CAMPAIGN, 'types = ["xlsx", "xls", "csv"]', 'types = ["xlsx", "xlxs"]', "ledger.types[1]", "无法识别的文件类型「xlxs」"),
    (CAMPAIGN, 'types = ["pdf"]', 'types = ["docx"]', "report.types[0]", '报告可填 "pdf"'),
    (CAMPAIGN, 'types = ["pdf"]', "types = []", "report.types", "至少要填写一种"),
    (CAMPAIGN, 'title = "关于做好政务公开反馈问题整改落实工作的通知"', "title = 关于做好政务公开反馈问题整改落实工作的通知",
     "title", "文字要加英文双引号；true/false、数字、日期不加"),
    (CAMPAIGN, 'title = "关于做好政务公开反馈问题整改落实工作的通知"', "title = “关于做好政务公开反馈问题整改落实工作的通知”",
     "title", "不能用中文引号"),
    (CAMPAIGN, 'title = "关于做好政务公开反馈问题整改落实工作的通知"', 'title = " "', "title", "不能为空"),
    (CAMPAIGN, 'allowed = ["完成整改", "正在整改", "未整改"]', 'allowed = ["完成整改", "正在整改", "未整改"',
     "statuses.allowed", "列表缺少右方括号"),
    (CAMPAIGN, '"已完成" = "完成整改"', '"已完成" = "完成"', "statuses.synonyms.已完成", "不在 allowed 中"),
    (CAMPAIGN, 'required_columns = ["序号", "反馈问题", "整改措施", "整改完成情况", "备注"]',
     'required_columns = ["序号", "问题"]', "ledger.required_columns[1]", "未知的列名「问题」"),
    (CAMPAIGN, "[extensions]", '[extensions]\n"田坪乡" = "2021-11-30"', "extensions.田坪乡", "延期须写明批准人"),
    (CAMPAIGN, "[extensions]", '[extensions]\n"田坪乡" = { until = 2021-11-30, by = " " }', "extensions.田坪乡.by",
     "不能为空"),
    (UNITS, 'name = "兴隆镇"', 'name = "吉强镇"', "units[1].name", "单位「吉强镇」登记了两次"),
    (UNITS, 'name = "兴隆镇"', 'name = "兴隆镇', "units[1].name", "引号没有闭合"),
    (UNITS, 'kind = "部门"', 'kind = "局"', "units[19].kind", '取值应为 "乡镇" 或 "部门"'),
    (UNITS, 'staff = []', 'staff = ["wangxq"]', "staff[0]", "不是有效的邮箱地址"),
    (UNITS, 'staff = []', 'staff = "wangxq@xiji.gov.cn"', "staff", "应为列表"),
]


def line_of(file: str, shipped: str, typed: str = "") -> int:
    """The line a problem with ``typed``, written in place of the shipped line ``shipped``, is reported on."""
    text = (RULES.parent / file).read_text(encoding="utf-8")
    return text[:text.index(f"\n{shipped}\n")].count("\n") + 2 + typed.count("\n")


def english_left(message: str) -> list[str]:
    """Runs of English words in a message, quoted values and command names aside."""
    bare = re.sub(r"`[^`]*`|「[^」]*」|\"[^\"]*\"|《[^》]*》", "", message)
    return re.findall(r"[A-Za-z]+[ ,'-]+[A-Za-z]+", bare)


@pytest.mark.parametrize("file, shipped, typed, field, words", EDITS, ids=[e[2][:40] for e in EDITS])
def test_a_mistyped_line_is_a_rules_error_naming_file_line_and_field(tmp_path, file, shipped, typed, field, words):
    edit = (f"\n{shipped}\n", f"\n{typed}\n")
    rules = edited_rules(tmp_path, **({"units": (edit,)} if file == UNITS else {"campaign": (edit,)}))
    line = line_of(file, shipped, typed)
    try:
        load_rules(rules)
    except RulesError as exc:
        problems = [(p, str(p)) for p in exc.problems]
    else:
        pytest.fail("the broken edit was accepted")
    assert any(s.startswith(f"{file}:{line}: {field}: ") and words in s for _, s in problems), problems
    for problem, _ in problems:
        assert english_left(problem.message) == [], problem


def test_a_template_that_is_a_folder_is_a_rules_error(tmp_path):
    rules = edited_rules(tmp_path)
    template = rules / "campaigns" / CAMPAIGN_ID / "template.xlsx"
    template.unlink()
    template.mkdir()
    with pytest.raises(RulesError) as info:
        load_rules(rules)
    [problem] = info.value.problems
    assert problem.field == "ledger.template" and problem.file == CAMPAIGN and "这是一个文件夹" in problem.message


def test_an_unreadable_stray_file_is_a_rules_error(tmp_path):
    rules = edited_rules(tmp_path)
    (rules / "campaigns" / CAMPAIGN_ID / "附件.txt").symlink_to("/proc/self/mem")  # a regular file that cannot be read
    with pytest.raises(RulesError) as info:
        load_rules(rules)
    [problem] = info.value.problems
    assert str(problem).startswith(f"rules/campaigns/{CAMPAIGN_ID}/附件.txt: 文件无法读取")


def test_notepad_byte_order_mark_is_accepted(tmp_path):
    rules = edited_rules(tmp_path)
    for path in (rules / "units.toml", rules / "campaigns" / CAMPAIGN_ID / "campaign.toml"):
        path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    assert len(load_rules(rules).roster.units) == 33


def test_column_names_are_offered_in_template_order(tmp_path):
    rules = edited_rules(tmp_path, campaign=(('required_fields = ["整改措施", "整改完成情况"]',
                                              'required_fields = ["措施"]'),))
    with pytest.raises(RulesError) as info:
        load_rules(rules)
    [problem] = info.value.problems
    assert problem.message.endswith("可用：序号、一级指标、二级指标、评测内容、反馈问题、责任单位、整改措施、整改完成情况、备注")


def test_rules_check_prints_the_problem_not_a_traceback(tmp_path):
    zone, template = 'timezone = "Asia/Shanghai"', 'template = "template.xlsx"'
    rules = edited_rules(tmp_path, campaign=((zone, 'timezone = "Beijing"'), (template, 'template = ""')))
    result = subprocess.run([MAILBOT, "--rules", str(rules), "rules", "check"], capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert f"campaign.toml:{line_of(CAMPAIGN, zone)}: deadline.timezone: 无法识别的时区，一般填写 Asia/Shanghai" in \
        result.stderr
    assert f"campaign.toml:{line_of(CAMPAIGN, template)}: ledger.template: " in result.stderr
