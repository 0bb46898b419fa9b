"""Held and quarantined mail in a real browser: a clerk finds a mail from an unregistered address in 待处理,
confirms it to its unit with the address registered, the unit's receipt goes out and 总览 changes; an
attack is closed unanswered; both are in the audit with her name."""

from __future__ import annotations

import email
import os
from email import policy
from pathlib import Path

import pytest

from tests.builders import attacks
from tests.builders.attacks import JIQIANG, unit_mail
from tests.web.console import Office, Staff


@pytest.fixture(scope="module")
def office(tmp_path_factory, module_database) -> Office:
    root = tmp_path_factory.mktemp("held")
    attacks.guarded_rules(root)  # root/rules: 吉强镇 and 田坪乡 registered, a staff address
    office = Office(root, module_database)
    office.deliver(unit_mail("newclerk@126.com", client="126"),
                   unit_mail(JIQIANG, subject="吉强镇整改报告（附件）", files=attacks.HOSTILE_FILES["program named as the report"]()),
                   attacks.lookalikes()["l26.com"])
    office.judge()
    office.add_user("wangxq")
    return office


def replies(office: Office) -> list[email.message.EmailMessage]:
    return [email.message_from_bytes(p.read_bytes(), policy=policy.default) for p in office.sent()]


def test_a_clerk_confirms_held_mail_with_its_address_and_the_unit_is_answered(office, url, browser, tmp_path):
    assert [m["Subject"][:5] for m in replies(office)] == ["【待确认】"]  # the impostor and the attacker heard nothing
    clerk = Staff(browser, url, "wangxq")
    page = clerk.page
    assert "未报送" in page.locator("table.roster tr", has_text="吉强镇").inner_text()
    clerk.open("/pending")
    held = page.locator("article.item", has_text="newclerk@126.com")
    assert "不是“吉强镇”登记的报送邮箱" in held.inner_text()
    assert page.locator("article.item", has_text="jqzdzb@l26.com").locator("summary", has_text="确认计入").count() == 1
    shots = Path(os.environ.get("MAILBOT_SCREENSHOTS") or tmp_path) / office.database.kind
    shots.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(shots / "pending-held.png"), full_page=True)

    held.locator("details.decide summary", has_text="确认计入").click()
    assert held.locator("select[name=unit]").input_value() == "吉强镇"  # the unit the mail names, preselected
    held.get_by_label("同时把 newclerk@126.com 登记为该单位的报送邮箱").check()
    clerk.submit(held.get_by_role("button", name="确认计入"))
    assert "已把 newclerk@126.com 登记为吉强镇的报送邮箱" in clerk.flash() and "回执已发往 newclerk@126.com" in clerk.flash()
    receipt = replies(office)[-1]
    assert receipt["To"] == "newclerk@126.com" and receipt["Subject"].startswith("【已受理】吉强镇")
    assert '"newclerk@126.com"' in (office.rules / "units.toml").read_text(encoding="utf-8")
    clerk.open("/")
    assert "已受理" in page.locator("table.roster tr", has_text="吉强镇").inner_text()

    clerk.open("/pending")
    attack = page.locator("article.item", has_text="可执行程序")
    assert attack.locator("summary", has_text="确认计入").count() == 0  # hostile mail is never credited
    attack.locator("details.decide summary", has_text="不予计入").click()
    attack.get_by_label("理由").fill("附件是伪装成报告的程序，已电话告知吉强镇")
    clerk.submit(attack.get_by_role("button", name="不予计入"))
    assert "不计入任何单位，未回复发件人" in clerk.flash()
    assert len(replies(office)) == 2

    clerk.open("/audit")
    audit = page.locator("main").inner_text()
    assert "确认来信计入单位" in audit and "关闭来信（不予计入）" in audit and "wangxq" in audit
    assert clerk.problems == []
    clerk.close()


def test_the_mail_page_shows_why_a_sender_was_not_trusted(office, url, browser):
    clerk = Staff(browser, url, "wangxq")
    clerk.open("/pending")
    clerk.page.locator("article.item", has_text="jqzdzb@l26.com").get_by_role("link", name="查看来信和附件").click()
    shown = clerk.page.locator("main").inner_text()
    assert "疑似冒充" in shown and "与吉强镇的登记邮箱 jqzdzb@163.com 相同，但域名不同" in shown
    clerk.close()
