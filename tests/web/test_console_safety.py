"""The console refuses what it must (no login, no CSRF token, a staff member on an administrator's page, an
expired or disabled login, a guesser), serves a unit's files as inert downloads, shows hostile text inertly,
and every page fits a 1366×768 screen without breaking its own content security policy."""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

import pytest

from mailbot.archive import Archive
from tests.builders import hostile, pdfs
from tests.builders.campaign import Filling, filled_ledger
from tests.pipeline.conftest import on_time, submission
from tests.web.console import Office, Staff

MARKUP_NAME = "<img src=x onerror=alert(1)>台账.xlsx"
HOSTILE_NAME = "<svg onload=alert(2)>\u202eslx.报告.exe"  # no "/": that would make it a path
PAGES = {"总览": "/", "单位": "/unit/田坪乡", "待处理": "/pending", "汇总": "/summary", "规则": "/rules",
         "操作记录": "/audit", "来信": "/mail/2", "隔离的来信": "/mail/3"}


@pytest.fixture(scope="module")
def office(tmp_path_factory, module_database) -> Office:
    """田坪乡's ledger arrives under a name with markup; then a mail with a program named with markup and a
    direction override (quarantined); a mail nobody can place leaves an item in 待处理."""
    office = Office(tmp_path_factory.mktemp("office"), module_database)
    office.deliver(
        submission({"台账.xlsx": filled_ledger(Filling(unit=""))}, sender="someone@163.com", subject="材料"),
        submission({MARKUP_NAME: filled_ledger(Filling(phone="123")), "整改报告.pdf": pdfs.text_report()},
                   client="outlook", received=on_time(1)),
        submission({HOSTILE_NAME: hostile.pe_executable()}, client="outlook", received=on_time(2)))
    office.judge()
    office.add_user("clerk")
    office.add_user("admin", "admin")
    office.add_user("guessed")
    return office


def open_flags(office: Office) -> list[str]:
    return [line for line in office.mailbot("flags").stdout.splitlines() if "：" in line]


def test_a_logged_out_visitor_sees_nothing_and_changes_nothing(office, url, browser):
    visitor = Staff(browser, url, "")
    for path in PAGES.values():
        page = visitor.open(path)
        assert page.url.startswith(url + "/login"), path
        assert page.locator("input[name=password]").is_visible(), path
        assert page.locator("main table, main article, main pre").count() == 0, path
    before = open_flags(office)
    refused = visitor.page.request.post(url + "/pending/1/resolve", form={"comment": "x"})
    assert refused.status in (400, 401)
    download = visitor.page.request.get(url + "/mail/1/original.eml", max_redirects=0)
    assert download.status == 302 and b"From:" not in download.body()
    assert open_flags(office) == before
    visitor.close()


def test_a_post_without_its_csrf_token_is_refused(office, url, browser):
    clerk = Staff(browser, url, "clerk")
    before = open_flags(office)
    flag = before[0].split()[0]
    refused = clerk.page.request.post(f"{url}/pending/{flag}/resolve", form={"comment": "伪造的请求"})
    assert refused.status == 400 and "请求未被接受" in refused.text()
    forged = clerk.page.request.post(f"{url}/pending/{flag}/resolve", form={"comment": "x", "csrf_token": "forged"})
    assert forged.status == 400
    assert open_flags(office) == before and "伪造的请求" not in office.mailbot("audit").stdout
    clerk.close()


def test_markup_and_bidi_characters_in_a_file_name_display_inertly(office, url, browser):
    clerk = Staff(browser, url, "clerk")
    page = clerk.open("/unit/田坪乡")
    files = page.locator("table.files").first
    assert files.locator("img").count() == 0 and page.locator("main img").count() == 0
    link = files.get_by_role("link", name=re.compile("台账"))
    assert link.inner_text() == MARKUP_NAME  # the markup as text
    quarantined = clerk.open("/mail/3")  # the program under a disguised name: kept, shown inertly
    row = quarantined.locator("table.files").first.inner_text()
    assert HOSTILE_NAME.replace("\u202e", "") in row and quarantined.locator("main img, main script, main svg").count() == 0
    assert "\u202e" not in quarantined.content() and "含可疑内容" in quarantined.locator("main").inner_text()
    assert "已隔离，待人工处理" in quarantined.locator("main h3").first.inner_text()
    page = clerk.open("/unit/田坪乡")
    page.locator("details.sent summary").first.click()
    reply = page.locator("details.sent pre").first.inner_text()
    assert "\n" in reply.strip() and "联系方式“123”不是有效的电话号码" in reply  # the reply as the unit read it
    assert clerk.dialogs == [] and clerk.problems == []
    clerk.close()


def test_a_units_files_are_downloads_typed_by_their_bytes(office, url, browser):
    clerk = Staff(browser, url, "clerk")
    page = clerk.open("/unit/田坪乡")
    href = page.locator("table.files").first.get_by_role("link", name=re.compile("台账")).get_attribute("href")
    answer = page.request.get(url + href)
    disposition = answer.headers["content-disposition"]
    assert disposition.startswith("attachment; filename=") and "filename*=UTF-8''" in disposition
    assert "%E2%80%AE" not in disposition and "<" not in disposition and "/" not in disposition.split("''", 1)[1]
    assert answer.headers["content-type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert hashlib.sha256(answer.body()).hexdigest() in {p.name for p in Path(office.var, "archive").rglob("*")}
    original = page.request.get(url + page.get_by_role("link", name="下载 .eml 文件").first.get_attribute("href"))
    assert original.headers["content-type"] == "message/rfc822"
    assert original.headers["content-disposition"].startswith("attachment;")
    assert Archive(office.var / "archive").get(hashlib.sha256(original.body()).hexdigest()) == original.body()
    clerk.close()


def test_pages_carry_the_security_headers_and_the_session_cookie_is_guarded(office, url, browser):
    clerk = Staff(browser, url, "clerk")
    for path in ("/", "/pending", "/login"):
        headers = clerk.page.request.get(url + path).headers
        csp = headers["content-security-policy"]
        assert "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp and "script-src" not in csp
        assert "default-src 'none'" in csp
        assert headers["x-frame-options"] == "DENY" and headers["referrer-policy"] == "same-origin"
        assert headers["x-content-type-options"] == "nosniff" and headers["cache-control"] == "no-store"
    cookie = next(c for c in clerk.context.cookies() if c["name"] == "mailbot_console")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"
    clerk.close()


def test_a_staff_member_cannot_open_the_rules(office, url, browser):
    clerk = Staff(browser, url, "clerk")
    assert clerk.page.request.get(url + "/rules").status == 403
    assert clerk.page.request.post(url + "/rules/save").status in (400, 403)
    clerk.close()


def test_a_disabled_account_is_logged_out_at_once(office, url, browser):
    office.add_user("leaving")
    person = Staff(browser, url, "leaving")
    assert person.open("/pending").url == url + "/pending"
    assert office.mailbot("user", "disable", "leaving").returncode == 0
    assert person.open("/pending").url.startswith(url + "/login")
    person.log_in("leaving")
    assert "用户名或密码不正确" in person.flash()
    person.close()


def test_an_expired_session_ends(office, url, browser):
    """A session cookie signed with the console's own key but older than session_hours is refused."""
    from flask import Flask
    from flask.sessions import SecureCookieSessionInterface

    clerk = Staff(browser, url, "clerk")
    cookie = next(c for c in clerk.context.cookies() if c["name"] == "mailbot_console")
    app = Flask("forger")
    app.secret_key = (office.var / "console-secret").read_bytes()
    serializer = SecureCookieSessionInterface().get_signing_serializer(app)
    session = serializer.loads(cookie["value"])
    session["login_at"] -= 9 * 3600  # the default session_hours is 8
    clerk.context.add_cookies([{**cookie, "value": serializer.dumps(session)}])
    page = clerk.open("/pending")
    assert page.url.startswith(url + "/login") and "登录已超时" in clerk.flash()
    clerk.close()


def test_guessing_a_password_is_stopped_in_every_console_process(office, url, browser):
    guesser = Staff(browser, url, "")
    for attempt in range(5):
        guesser.log_in("guessed", f"wrong-{attempt}")
        assert "用户名或密码不正确" in guesser.flash()
    guesser.log_in("guessed")  # the right password, too late
    assert "登录失败次数过多" in guesser.flash()
    with office.console() as another:  # a second console process on the same database refuses it too
        again = Staff(browser, another, "guessed")
        assert "登录失败次数过多" in again.flash() and again.page.url.startswith(another + "/login")
        again.close()
    guesser.close()


def test_every_page_fits_1366_by_768_in_chinese_without_a_policy_violation(office, url, browser, tmp_path):
    """Screenshots for a person to look at (in $MAILBOT_SCREENSHOTS, else tmp_path); nothing scrolls sideways."""
    admin = Staff(browser, url, "admin")
    shots = Path(os.environ.get("MAILBOT_SCREENSHOTS") or tmp_path) / office.database.kind
    shots.mkdir(parents=True, exist_ok=True)
    for name, path in PAGES.items():
        page = admin.open(path)
        assert page.locator("h1").first.is_visible(), name
        assert page.evaluate("document.documentElement.scrollWidth") <= 1366, name
        page.screenshot(path=str(shots / f"{name}.png"))
    assert admin.problems == [] and admin.dialogs == []
    admin.close()
