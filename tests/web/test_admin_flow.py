"""End to end in a real browser: an administrator turns a check into a warning, sees what the edit would do
to the mail already received, saves, and the rules are reloaded with the file's comments kept."""

from __future__ import annotations

import pytest

from mailbot.rules_loader import rules_version
from tests.builders import pdfs
from tests.builders.campaign import CAMPAIGN_ID, Filling, filled_ledger
from tests.pipeline.conftest import on_time, submission
from tests.web.console import Office, Staff

CHECK = "ledger.phone_malformed"


@pytest.fixture(scope="module")
def office(tmp_path_factory, module_database) -> Office:
    """田坪乡's ledger has a wrong phone number: 需补正 under the shipped rules."""
    office = Office(tmp_path_factory.mktemp("office"), module_database)
    office.deliver(submission({"台账.xlsx": filled_ledger(Filling(phone="123")), "报告.pdf": pdfs.text_report()}))
    office.judge()
    office.add_user("admin", "admin")
    office.add_user("clerk")
    return office


def test_an_administrator_makes_a_check_a_warning_after_seeing_its_replay(office, url, browser):
    campaign_toml = office.rules / "campaigns" / CAMPAIGN_ID / "campaign.toml"
    before = campaign_toml.read_text(encoding="utf-8")
    old_version = rules_version(office.rules)
    admin = Staff(browser, url, "admin")
    page = admin.open("/rules")
    assert "规则无误" in page.locator("pre.summary").inner_text()
    page.get_by_label("联系方式格式有误").select_option("warning")
    admin.submit(page.get_by_role("button", name="预览修改"))

    changes = page.locator("section.card").first.inner_text()
    assert "校验「联系方式格式有误」：需补正 → 提示" in changes
    replay = page.locator("ul.replay").inner_text()
    assert "田坪乡" in replay and "需补正 → 已受理" in replay
    assert campaign_toml.read_text(encoding="utf-8") == before  # nothing saved by a preview
    assert office.sent() and len(office.sent()) == 1  # and nothing sent

    admin.submit(page.get_by_role("button", name="保存并生效"))
    assert "规则已保存并生效" in admin.flash()
    assert page.get_by_label("联系方式格式有误").input_value() == "warning"
    assert "规则无误" in page.locator("pre.summary").inner_text()
    assert admin.problems == []
    admin.close()

    after = campaign_toml.read_text(encoding="utf-8")
    assert f'"{CHECK}" = "warning"' in after
    for line in before.splitlines():  # every comment and every other key kept, in its place
        assert line in after.splitlines()
    assert rules_version(office.rules) != old_version
    audit = office.mailbot("audit").stdout
    assert "admin（网页）  修改规则  任务 xzbh-2021-56  校验「联系方式格式有误」：需补正 → 提示" in audit

    # the daemon judges new mail by the saved rules: the same mistake is now only a warning
    office.deliver(submission({"台账.xlsx": filled_ledger(Filling(unit="兴隆镇", phone="123",
                                                                   only_own_rows=True)),
                               "报告.pdf": pdfs.text_report(unit="兴隆镇")},
                              sender="xinglong@126.com", subject="兴隆镇整改台账", received=on_time(2)))
    office.judge()
    line = next(s for s in office.mailbot("status").stdout.splitlines() if s.startswith("兴隆镇"))
    assert "已受理" in line


def test_a_broken_edit_is_refused_with_file_line_and_field(office, url, browser):
    campaign_toml = office.rules / "campaigns" / CAMPAIGN_ID / "campaign.toml"
    before = campaign_toml.read_text(encoding="utf-8")
    admin = Staff(browser, url, "admin")
    page = admin.open("/rules")
    page.locator("select[name=ext-unit-0]").select_option("田坪乡")
    page.locator("input[name=ext-until-0]").fill("2021-11-30")
    admin.submit(page.get_by_role("button", name="预览修改"))  # no 批准人
    problems = page.locator(".flash.error").inner_text()
    assert "campaign.toml:" in problems and "extensions.田坪乡.by" in problems
    assert page.locator("select[name=ext-unit-0]").input_value() == "田坪乡"  # what was typed is kept
    assert campaign_toml.read_text(encoding="utf-8") == before
    admin.close()

    clerk = Staff(browser, url, "clerk")
    assert clerk.open("/rules").locator("h1").inner_text() == "没有权限"
    assert clerk.page.get_by_role("link", name="规则").count() == 0
    clerk.close()
