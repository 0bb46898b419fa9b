"""A judged office with its staff console running (`mailbot web`, the real waitress server, as a subprocess),
and a real browser (Debian's chromium through Playwright) to use it as staff do."""

from __future__ import annotations

import os
import shutil
import subprocess
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.builders.campaign import RULES
from tests.servers import MAILBOT, environment, free_port, running_mailbot, settings_toml, wait_for

CHROMIUM = Path("/usr/bin/chromium")
PASSWORD = "correct horse 1"
VIEWPORT = {"width": 1366, "height": 768}


@dataclass
class Office:
    """State folder, rules copy and settings of one office; its mail is put in and judged with the real daemon."""

    root: Path
    database: object  # tests/conftest.py's Database: this run's kind
    settings: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.var = self.root / "var"
        self.database_url = self.database.url_for(self.var)
        self.rules = self.root / "rules"
        if not self.rules.exists():
            shutil.copytree(RULES, self.rules)
        (self.var / "mail" / "inbox" / "new").mkdir(parents=True, exist_ok=True)
        if self.settings.get("outbox", {}).get("kind") == "smtp":  # read in this process too, where no variable is set
            (self.root / "smtp-password").write_text("secret", encoding="utf-8")
            self.settings["outbox"] = {**self.settings["outbox"], "password_file": str(self.root / "smtp-password")}
        self.settings_file = settings_toml(self.root / "mailbot.toml", var_dir=str(self.var),
                                           rules_dir=str(self.rules), **self.settings)
        self.env = environment(self.database_url, self.var, MAILBOT_SETTINGS=str(self.settings_file),
                               MAILBOT_TEST_SMTP_PASSWORD="secret", MAILBOT_TEST_PASSWORD=PASSWORD)
        self._count = 0

    def mailbot(self, *args: str, **extra: str) -> subprocess.CompletedProcess:
        return subprocess.run([MAILBOT, *args], env={**self.env, **extra}, capture_output=True, text=True,
                              timeout=180)

    def deliver(self, *raws: bytes) -> None:
        for raw in raws:
            self._count += 1
            (self.var / "mail" / "inbox" / "new" / f"{1637715600 + self._count}.web{self._count}.mx").write_bytes(raw)

    def judge(self) -> None:
        """What `mailbot run --once` does, in this process (the commands' own tests run them as commands)."""
        from mailbot.daemon import build_daemon
        from mailbot.rules_loader import load_rules
        from mailbot.settings import load_settings

        daemon = build_daemon(load_settings(self.settings_file), load_rules(self.rules))
        try:
            assert all(o.state != "failed" for o in daemon.run_once())
        finally:
            daemon.close()

    def add_user(self, name: str, role: str = "staff") -> None:
        """What `mailbot user add NAME --role ROLE` does, in this process."""
        from datetime import datetime, timezone

        from mailbot.accounts import add_user
        from mailbot.audit import Actor
        from mailbot.store import Store

        store = Store(self.database_url)
        try:
            add_user(store, name, role, PASSWORD, Actor("测试"), datetime.now(timezone.utc))
        finally:
            store.close()

    def sent(self) -> list[Path]:
        folder = self.var / "mail" / "outbox" / "new"
        return sorted(folder.iterdir()) if folder.exists() else []

    @contextmanager
    def console(self) -> Iterator[str]:
        """`mailbot web` on a free port until the block ends; yields its address once it answers."""
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        with running_mailbot(self.env, "web", "--port", str(port), log=self.root / f"web-{port}.log") as (process, log):
            assert wait_for(lambda: process.poll() is not None or _answers(url + "/login"), 60), log.read_text()
            assert process.poll() is None, log.read_text()
            yield url


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status == 200
    except OSError:
        return False


def launch_browser():
    """One chromium for the session (Debian's: `playwright install` is never run)."""
    if not CHROMIUM.exists():
        reason = "needs Debian's chromium (./dev installs it)"
        if os.environ.get("CI", "").lower() not in ("", "0", "false", "no"):
            pytest.fail(f"CI must run the browser tests: {reason}", pytrace=False)
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with ExitStack() as stack:
        playwright = stack.enter_context(sync_playwright())
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        stack.callback(browser.close)
        yield browser


class Staff:
    """A person at the console: a browser context of their own (cookies), logged in, at 1366×768.

    Every console message the page logs (a CSP violation, a failed load) is kept in ``problems``."""

    def __init__(self, browser, url: str, name: str, password: str = PASSWORD) -> None:
        self.url = url
        self.context = browser.new_context(viewport=VIEWPORT, locale="zh-CN")
        self.page = self.context.new_page()
        self.problems: list[str] = []
        self.dialogs: list[str] = []
        self.page.on("console", lambda m: self.problems.append(m.text) if m.type in ("error", "warning") else None)
        self.page.on("pageerror", lambda e: self.problems.append(str(e)))
        self.page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        if name:
            self.log_in(name, password)

    def log_in(self, name: str, password: str = PASSWORD) -> None:
        self.page.goto(self.url + "/login")
        self.page.fill("input[name=name]", name)
        self.page.fill("input[name=password]", password)
        with self.page.expect_navigation():  # the answer (and its cookie) has arrived when this returns
            self.page.click("button[type=submit]")

    def submit(self, button) -> None:
        """Click a form's button and wait for the page it leads to."""
        with self.page.expect_navigation():
            button.click()

    def open(self, path: str):
        self.page.goto(self.url + path)
        return self.page

    def flash(self) -> str:
        return " ".join(self.page.locator(".flash").all_inner_texts())

    def close(self) -> None:
        self.context.close()
