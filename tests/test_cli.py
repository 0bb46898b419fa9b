"""``mailbot`` as a clerk and a script use it: the installed console script, real files, exit codes."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.builders import pdfs
from tests.builders.campaign import CAMPAIGN_ID, RULES, Filling, edited_rules, filled_ledger

MAILBOT = str(Path(sys.executable).with_name("mailbot"))


def mailbot(*args, cwd=None):
    return subprocess.run([MAILBOT, "--rules", str(RULES), *args], capture_output=True, text=True, cwd=cwd,
                          timeout=120)


@pytest.fixture
def files(tmp_path):
    def write(name: str, data: bytes) -> str:
        path = tmp_path / name
        path.write_bytes(data)
        return str(path)
    return write


def test_correct_files_are_accepted_with_a_one_line_summary(files):
    result = mailbot("check", files("台账.xlsx", filled_ledger()), files("报告.pdf", pdfs.text_report()),
                     "--unit", "田坪乡")
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == "已受理：田坪乡　应填报 14 项，已填报 14 项（完成整改 14 项，正在整改 0 项，未整改 0 项）"


def test_problems_are_listed_by_file_with_places_and_fixes(files):
    ledger = files("台账.xlsx", filled_ledger(Filling(status={12: "", 13: "已完成"})))
    result = mailbot("check", ledger)
    assert result.returncode == 1
    out = result.stdout
    assert out.startswith("需补正：田坪乡")
    assert "《台账.xlsx》" in out and "台账!H18 单元格，序号 12" in out and "→ 请从下拉列表中选择" in out
    assert "未收到整改报告" in out
    assert out.index("✗ 台账!H18") < out.index("! 台账!H19")  # errors before warnings


def test_json_gives_stable_codes(files):
    ledger = files("台账.xlsx", filled_ledger(Filling(phone="123")))
    result = mailbot("check", ledger, files("报告.pdf", pdfs.text_report()), "--json")
    assert result.returncode == 1
    data = json.loads(result.stdout)
    assert data["verdict"] == "需补正" and data["unit"] == "田坪乡" and data["campaign"] == CAMPAIGN_ID
    [finding] = data["findings"]
    assert finding["code"] == "ledger.phone_malformed" and finding["place"]["ref"] == "台账!B5"
    assert data["summary"]["rows_answered"] == 14 and len(data["rules_version"]) == 12


def test_usage_errors_exit_2(files):
    ledger = files("台账.xlsx", filled_ledger())
    assert mailbot("check", ledger, "--unit", "不存在的乡").returncode == 2
    assert mailbot("check", "/no/such/file.xlsx").returncode == 2
    assert mailbot("check").returncode == 2
    assert mailbot("check", ledger, "--campaign", "nope").returncode == 2


@pytest.mark.parametrize("args, said", [
    (("nosuch",), "mailbot：没有 nosuch 这个命令"),
    (("status", "--bogus"), "mailbot status：没有 --bogus 这个选项"),
    (("show",), "mailbot show：缺少参数 回执编号或来信编号"),
    (("show", "a", "b"), "mailbot show：多余的参数：b"),
    (("campaign", "new", "x"), "mailbot campaign new：缺少选项 --template"),
    (("rules", "replay", "--since", "2021/11/01"),
     "mailbot rules replay：--since 的值有误：起始日期「2021/11/01」的写法不对，请写成 2022-06-30 这样的格式"),
    (("rules", "replay", "--since"), "mailbot：选项 --since 后面要写一个值"),  # click knows no subcommand yet
])
def test_a_mistyped_command_is_answered_in_chinese_with_where_to_look(args, said):
    result = mailbot(*args)
    assert result.returncode == 2
    first, hint = result.stderr.strip().splitlines()
    assert first.startswith(said), result.stderr
    assert hint == f"（用法见 {said.split('：')[0]} --help）"


def test_a_request_that_cannot_be_done_is_not_sent_to_the_help(database_url, tmp_path):
    env = {**os.environ, "MAILBOT_DATABASE_URL": database_url, "MAILBOT_VAR_DIR": str(tmp_path)}
    result = subprocess.run([MAILBOT, "--rules", str(RULES), "show", "20991231-00009"], capture_output=True, text=True,
                            timeout=120, env=env)
    assert result.returncode == 2 and result.stderr.strip() == "错误：没有回执编号或来信编号为 20991231-00009 的记录"


def test_unit_unknown_exits_1_and_says_why(files):
    result = mailbot("check", files("台账.xlsx", filled_ledger(Filling(unit=""))))
    assert result.returncode == 1 and "无法确认单位" in result.stdout


def test_rules_check_summary():
    result = mailbot("rules", "check")
    assert result.returncode == 0
    assert "名册：33 个单位（乡镇 19，部门 14）" in result.stdout
    assert "即 2021-11-26 00:00（Asia/Shanghai）之前收到为按时" in result.stdout
    assert "补正：截止后收到的每封邮件都记逾期" in result.stdout
    assert "问题：37 个" in result.stdout
    assert "政府办：26 项" in result.stdout


def test_rules_check_lists_extensions_with_who_granted_them(tmp_path):
    extension = '\n[extensions]\n"田坪乡" = { until = 2021-11-30, by = "王雪倩", reason = "书记外出学习" }\n'
    rules = edited_rules(tmp_path, campaign=(("\n[extensions]\n", extension),))
    result = subprocess.run([MAILBOT, "--rules", str(rules), "rules", "check"], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "延期：田坪乡 至 2021-11-30（王雪倩 批准，书记外出学习）" in result.stdout


def test_broken_rules_exit_2_naming_file_line_and_field(tmp_path):
    target = tmp_path / "rules"
    shutil.copytree(RULES, target)
    toml = target / "campaigns" / CAMPAIGN_ID / "campaign.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace("date = 2021-11-25", "date = 2021-13-25"),
                    encoding="utf-8")
    result = subprocess.run([MAILBOT, "--rules", str(target), "rules", "check"], capture_output=True, text=True)
    assert result.returncode == 2
    assert "TOML 语法错误" in result.stderr and "campaign.toml:" in result.stderr


def test_rules_checks_lists_every_code():
    result = mailbot("rules", "checks")
    assert result.returncode == 0
    for code in ("ledger.status_missing", "report.seal_missing", "attachment.dangerous"):
        assert code in result.stdout
