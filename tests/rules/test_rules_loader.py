"""The shipped rules load, and every kind of broken edit is reported with file, line and field."""

import shutil
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from mailbot.rules import UnitKind
from mailbot.rules_loader import RulesError, load_rules, parse_owners
from tests.builders.campaign import CAMPAIGN_ID, EVERYONE, RULES

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture(scope="module")
def rules():
    return load_rules(RULES)


@pytest.fixture
def rules_copy(tmp_path):
    target = tmp_path / "rules"
    shutil.copytree(RULES, target)
    return target


def test_roster_has_the_19_townships_and_14_departments(rules):
    assert len(rules.roster.of_kind(UnitKind.TOWNSHIP)) == 19
    assert len(rules.roster.of_kind(UnitKind.DEPARTMENT)) == 14
    assert rules.roster.get("人社局").name == "人力资源和社会保障局"
    assert rules.roster.get("县政府办公室").name == "政府办"
    assert rules.roster.get("市场监督管理局").name == "市场监管局"
    assert rules.roster.get("教体局").name == "教育体育局"


def test_problems_and_owners_come_from_the_template(rules):
    campaign = rules.campaign(CAMPAIGN_ID)
    assert [p.seq for p in campaign.problems] == list(range(1, 38))
    tianping = rules.roster.get("田坪乡")
    assert tuple(p.seq for p in campaign.problems_for(tianping)) == EVERYONE
    minzheng = {p.seq for p in campaign.problems_for(rules.roster.get("民政局"))}
    assert {26, 31} <= minzheng and 25 not in minzheng
    sifa = {p.seq for p in campaign.problems_for(rules.roster.get("司法局"))}
    assert sifa == set(EVERYONE) | {9}
    first = campaign.problem(1)
    assert first.example_measure.startswith("例：")
    assert first.example_status.startswith("完成整改 正在整改 未整改")


def test_deadline_is_end_of_25_november_in_shanghai(rules):
    campaign = rules.campaign()
    cutoff = campaign.cutoff_for(None)
    assert cutoff == datetime(2021, 11, 26, 0, 0, tzinfo=SHANGHAI)


def test_exclusive_deadline_grace_and_extension(rules_copy):
    toml = rules_copy / "campaigns" / CAMPAIGN_ID / "campaign.toml"
    text = toml.read_text(encoding="utf-8")
    text = text.replace("inclusive = true", "inclusive = false").replace("grace_hours = 0", "grace_hours = 2")
    text = text.replace("\n[extensions]\n", "\n" + '[extensions]\n"田坪乡" = { until = 2021-11-30, by = "王雪倩" }\n')
    toml.write_text(text, encoding="utf-8")
    rules = load_rules(rules_copy)
    campaign = rules.campaign()
    assert campaign.cutoff_for(None) == datetime(2021, 11, 25, 2, 0, tzinfo=SHANGHAI)
    assert campaign.cutoff_for(rules.roster.get("田坪乡")) == datetime(2021, 11, 30, 2, 0, tzinfo=SHANGHAI)


def test_owner_text_forms():
    roster = load_rules(RULES).roster
    assert parse_owners("各乡镇、各部门（单位）", roster)[1] == (UnitKind.TOWNSHIP, UnitKind.DEPARTMENT)
    assert parse_owners("政府办 司法局", roster)[0] == ("政府办", "司法局")
    assert parse_owners("民政局、人力资源和社会保障局", roster)[0] == ("民政局", "人力资源和社会保障局")
    assert parse_owners("发改局", roster)[2] == ("发改局",)


def problems_of(rules_dir):
    with pytest.raises(RulesError) as info:
        load_rules(rules_dir)
    return [str(p) for p in info.value.problems]


def test_wrong_unit_kind_names_file_line_and_field(rules_copy):
    units = rules_copy / "units.toml"
    units.write_text(units.read_text(encoding="utf-8").replace('name = "兴隆镇"\nkind = "乡镇"',
                                                                 'name = "兴隆镇"\nkind = "乡"'), encoding="utf-8")
    line = units.read_text(encoding="utf-8").splitlines().index('kind = "乡"') + 1
    [problem] = problems_of(rules_copy)
    assert problem.startswith(f"rules/units.toml:{line}: units[1].kind: 取值应为")


def test_typo_in_a_key_is_refused(rules_copy):
    toml = rules_copy / "campaigns" / CAMPAIGN_ID / "campaign.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace("grace_hours", "grace_hour"), encoding="utf-8")
    [problem] = problems_of(rules_copy)
    assert "deadline.grace_hour: 没有这个键" in problem


def test_toml_syntax_error_has_its_line(rules_copy):
    units = rules_copy / "units.toml"
    lines = units.read_text(encoding="utf-8").splitlines()
    lines[30] = 'name = "broken'
    units.write_text("\n".join(lines), encoding="utf-8")
    [problem] = problems_of(rules_copy)
    assert problem.startswith("rules/units.toml:31: TOML 语法错误")


def test_unknown_check_code_and_unknown_extension_unit(rules_copy):
    toml = rules_copy / "campaigns" / CAMPAIGN_ID / "campaign.toml"
    text = toml.read_text(encoding="utf-8").replace("\n[extensions]\n", "\n" + '[extensions]\n"某某乡" = { until = 2021-11-30, by = "王雪倩" }\n')
    text += '"ledger.no_such_check" = "off"\n'
    toml.write_text(text, encoding="utf-8")
    problems = problems_of(rules_copy)
    assert any("extensions.某某乡: 名册中没有这个单位" in p for p in problems)
    assert any("checks.ledger.no_such_check: 没有这项校验" in p for p in problems)


def test_alias_claimed_by_two_units(rules_copy):
    units = rules_copy / "units.toml"
    units.write_text(units.read_text(encoding="utf-8").replace('aliases = ["县司法局"]', 'aliases = ["人社局"]'),
                     encoding="utf-8")
    [problem] = problems_of(rules_copy)
    assert "人社局" in problem and "司法局" in problem


def test_bad_address_is_explained(rules_copy):
    units = rules_copy / "units.toml"
    units.write_text(units.read_text(encoding="utf-8").replace(
        'name = "田坪乡"\nkind = "乡镇"', 'name = "田坪乡"\nkind = "乡镇"\naddresses = ["tianping126.com"]'),
        encoding="utf-8")
    [problem] = problems_of(rules_copy)
    assert "units[6].addresses" in problem and "不是有效的邮箱地址" in problem


def test_unknown_owner_in_template_points_at_the_cell(rules_copy):
    import openpyxl

    path = rules_copy / "campaigns" / CAMPAIGN_ID / "template.xlsx"
    wb = openpyxl.load_workbook(path)
    wb["台账"]["F9"] = "发改局"
    wb.save(path)
    [problem] = problems_of(rules_copy)
    assert "台账!F9" in problem and "「发改局」不在名册中" in problem


def test_rules_version_changes_with_any_edit(rules_copy):
    before = load_rules(rules_copy).version
    units = rules_copy / "units.toml"
    units.write_text(units.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    assert load_rules(rules_copy).version != before


def test_an_extension_says_who_granted_it(rules_copy):
    toml = rules_copy / "campaigns" / CAMPAIGN_ID / "campaign.toml"
    text = toml.read_text(encoding="utf-8")
    plain = text.replace("\n[extensions]\n", "\n[extensions]\n" + '"田坪乡" = 2021-11-30\n' + '"兴隆镇" = { until = 2021-11-30 }\n')
    toml.write_text(plain, encoding="utf-8")
    problems = problems_of(rules_copy)
    line = plain.splitlines().index('"田坪乡" = 2021-11-30') + 1
    assert any(p.startswith(f"rules/campaigns/{CAMPAIGN_ID}/campaign.toml:{line}: extensions.田坪乡: 延期须写明批准人")
               for p in problems), problems
    assert any("extensions.兴隆镇.by: 缺少必填项" in p for p in problems), problems
