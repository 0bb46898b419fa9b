"""End to end in a real browser: a clerk logs in, finds what needs a person, acts on it, the unit's mail goes
out through a real SMTP server, and the 总览 changes; the shell does the same with the same records."""

from __future__ import annotations

import email
from email import policy

import pytest

from tests.builders import pdfs
from tests.builders.campaign import Filling, filled_ledger
from tests.pipeline.conftest import on_time, submission
from tests.servers import SmtpServer, wait_for
from tests.web.console import Office, Staff

REFUSED = "550 5.1.1 mailbox unavailable"
pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")  # the test server, on loopback


@pytest.fixture(scope="module")
def smtp_server():
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def office(tmp_path_factory, module_database, smtp_server) -> Office:
    """田坪乡 sends a ledger whose phone number is wrong (需补正), someone sends a mail nobody can place, and
    兴隆镇 sends a ledger with no phone number; the mail server refuses every reply (a 550), so each waits in
    待处理 as 回执无法送达. Each test acts on items of its own."""
    office = Office(tmp_path_factory.mktemp("office"), module_database, {"outbox": smtp_server.settings()})
    office.deliver(
        submission({"台账.xlsx": filled_ledger(Filling(phone="123")), "报告.pdf": pdfs.text_report()}),
        submission({"台账.xlsx": filled_ledger(Filling(unit=""))}, sender="someone@163.com", subject="材料",
                   received=on_time(1)),
        submission({"台账.xlsx": filled_ledger(Filling(unit="兴隆镇", phone="", only_own_rows=True)),
                    "报告.pdf": pdfs.text_report(unit="兴隆镇")}, sender="xinglong@126.com", subject="兴隆镇整改台账",
                   received=on_time(2)))
    smtp_server.refuse_with = REFUSED
    office.judge()
    smtp_server.refuse_with = None
    office.add_user("wangxq")
    return office


def subjects(server: SmtpServer) -> list[str]:
    return [str(email.message_from_bytes(m["data"], policy=policy.default)["Subject"]) for m in server.messages]


def test_a_clerk_resends_a_refused_reply_decides_a_verdict_and_the_overview_changes(office, url, browser,
                                                                                     smtp_server):
    clerk = Staff(browser, url, "wangxq")
    page = clerk.page
    row = page.locator("table.roster tr", has_text="田坪乡")
    assert "需补正" in row.inner_text() and "人工认定" not in row.inner_text()

    clerk.open("/pending")
    item = page.locator("article.item", has_text="回执无法送达 tianping@126.com")
    assert REFUSED.split(" ", 1)[1] in item.inner_text()
    clerk.submit(item.get_by_role("button", name="重新发送"))
    assert "已重新发送至 tianping@126.com" in clerk.flash()
    assert wait_for(lambda: any("【需补正】田坪乡" in s for s in subjects(smtp_server)), 10)

    clerk.open("/?q=田坪乡")
    page.get_by_role("link", name="田坪乡").click()
    page.locator("details.decide summary").click()
    page.get_by_label("已受理").check()
    page.get_by_label("理由").fill("联系电话已电话核实为 0954-3011234")
    clerk.submit(page.get_by_role("button", name="确认人工认定"))
    assert "人工认定为“已受理”" in clerk.flash() and "已发邮件告知 tianping@126.com" in clerk.flash()
    assert wait_for(lambda: any(s.startswith("【已受理】田坪乡") and "人工审核" in s for s in subjects(smtp_server)), 10)
    notice = email.message_from_bytes(smtp_server.messages[-1]["data"], policy=policy.default)
    assert "联系电话已电话核实" in notice.get_body(("plain",)).get_content()

    clerk.open("/")
    row = page.locator("table.roster tr", has_text="田坪乡")
    assert "已受理" in row.inner_text() and "人工认定" in row.inner_text()
    assert page.locator(".headline .box.ok .value").inner_text() == "1"

    clerk.open("/pending")
    unknown = page.locator("article.item", has_text="无法确认 someone@163.com 的单位")
    unknown.get_by_label("处理说明").fill("已电话联系，请其重新报送")
    clerk.submit(unknown.get_by_role("button", name="标记为已处理"))
    assert "已标记为已处理" in clerk.flash()
    assert page.locator("article.item", has_text="无法确认 someone@163.com 的单位").count() == 0

    clerk.open("/audit")
    audit = page.locator("table.audit tbody").inner_text()
    for what in ("重新发送回执", "人工认定", "标记已处理"):
        assert what in audit
    assert audit.count("wangxq") >= 3 and "网页" in audit
    assert clerk.problems == []
    clerk.close()

    # the shell sees the same records, and resends the other refused reply the same way
    listed = office.mailbot("flags").stdout
    assert "无法确认 someone@163.com" not in listed
    other = next(line for line in listed.splitlines() if "回执无法送达 someone@163.com" in line)
    resent = office.mailbot("flags", "--retry", other.split()[0], "--by", "李四")
    assert resent.returncode == 0 and "已重新发送至 someone@163.com" in resent.stdout, resent.stderr
    assert any("无法确认单位" in s for s in subjects(smtp_server))
    audit = office.mailbot("audit").stdout
    assert "wangxq（网页）  人工认定  20211124-00001" in audit and "李四（命令行）  重新发送回执" in audit
    shown = office.mailbot("show", "20211124-00001").stdout
    assert "人工决定：已受理（wangxq" in shown


def test_a_resend_refused_again_becomes_a_new_item(office, url, browser, smtp_server):
    clerk = Staff(browser, url, "wangxq")
    clerk.open("/pending")
    smtp_server.refuse_with = REFUSED
    try:
        clerk.submit(clerk.page.locator("article.item", has_text="回执无法送达 xinglong@126.com").get_by_role(
            "button", name="重新发送"))
    finally:
        smtp_server.refuse_with = None
    assert "仍被拒收" in clerk.flash()
    items = clerk.page.locator("article.item", has_text="回执无法送达 xinglong@126.com")
    assert items.count() == 1  # the old item is closed, the new refusal is the open one
    assert items.get_by_role("button", name="重新发送").count() == 1
    clerk.close()


def test_a_decision_taken_on_an_item_of_pending_closes_it_and_tells_the_unit(office, url, browser, smtp_server):
    clerk = Staff(browser, url, "wangxq")
    page = clerk.open("/pending")
    item = page.locator("article.item", has_text="xinglong@126.com 未登记")
    item.locator("details.decide summary").click()
    item.get_by_role("radio", name="需补正").check()
    clerk.submit(item.get_by_role("button", name="确认人工认定"))
    assert "须在“理由”中写明需要补正什么" in clerk.flash()  # nothing recorded without the reason
    item = page.locator("article.item", has_text="xinglong@126.com 未登记")
    item.locator("details.decide summary").click()
    item.get_by_role("radio", name="需补正").check()
    item.get_by_label("理由").fill("请补填联系电话")
    clerk.submit(item.get_by_role("button", name="确认人工认定"))
    assert "人工认定为“需补正”" in clerk.flash()
    assert page.locator("article.item", has_text="xinglong@126.com 未登记").count() == 0
    assert wait_for(lambda: any(s.startswith("【需补正】兴隆镇") and "人工审核" in s for s in subjects(smtp_server)), 10)
    clerk.close()
