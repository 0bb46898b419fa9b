"""deploy/README.md's install, upgrade and doctor commands, run as written (see tests/deploy/guide.py).

What the administrator relies on: every command of the guide and the service itself work on one
and the same state (the database in /var/lib/mailbot, the rules in /etc/mailbot), so an upgrade
done by the guide is the one the service then starts on; the service user can read its settings;
and the guide's check reaches the mailbox and the mail server with the service's own 授权码.
"""

from __future__ import annotations

import os
import pwd
import re

import pytest
from sqlalchemy import create_engine

from mailbot.schema import current, head, upgrade
from tests.builders.demo import fill_inbox
from tests.deploy.example_settings import set_key
from tests.deploy.guide import Root, all_blocks, blocks, guide_text, may, reachable
from tests.servers import PASSWORD, SmtpServer


@pytest.fixture
def root(tmp_path) -> Root:
    server = Root(tmp_path / "server", tmp_path / "backup")
    server.install()
    return server


@pytest.mark.sqlite_only("the guide's default install: mailbot.db in the state folder, commands with no MAILBOT_*")
def test_the_upgrade_in_the_guide_upgrades_the_database_the_service_then_starts_on(root):
    """An older mailbot's database in the unit's state folder; the guide's upgrade; the unit starts and answers."""
    engine = create_engine(f"sqlite:///{root.state / 'mailbot.db'}")
    upgrade(engine, "0002")  # what the previous release left
    mails = fill_inbox(root.state, "guide")

    upgraded = root.run(*blocks("4"))
    assert upgraded.returncode == 0, upgraded.stderr
    assert current(engine) == head()  # the state database itself, not one in the current folder
    assert sorted(root.home.iterdir()) == []  # nothing made where the administrator typed the commands

    started = root.start_unit("--once")  # the unit's ExecStart= with its Environment= (--once so it ends)
    assert started.returncode == 0, started.stderr
    assert len(list((root.state / "mail" / "outbox" / "new").iterdir())) == len(mails) - 1  # all but the auto-reply


def test_the_service_user_can_read_what_the_install_gives_it_and_write_only_its_state(root):
    if os.geteuid() != 0:
        pytest.skip("ownership is only set up as on the server when the test runs as root")
    nobody = pwd.getpwnam(root.service_user)
    uid, gids = nobody.pw_uid, {nobody.pw_gid}
    for path in (root.settings, root.path / "etc" / "mailbot" / "rules" / "units.toml"):
        assert reachable(root.path, path, uid, gids) and may(path, uid, gids, 4), path
    assert not may(root.settings, uid, gids, 2) and root.settings.stat().st_mode & 0o007 == 0  # read, not change
    assert may(root.state, uid, gids, 2 | 1)


def edit_as_section_2_4(root: Root) -> None:
    """Each line of the guide's 2.4 listing put in its place in the copied example, as the guide says to."""
    text, section = root.settings.read_text(encoding="utf-8"), ""
    for line in blocks("2.4", "toml")[0].splitlines():
        if header := re.match(r"^\[(\w+)\]$", line):
            section = header[1]
        elif line.strip():
            key, value = (part.strip() for part in line.split("=", 1))
            text = set_key(text, section, key, value)
    root.settings.write_text(text, encoding="utf-8")


@pytest.mark.parametrize("section", ["2.5", "7"])
def test_the_guides_doctor_reaches_the_mailbox_with_the_services_credentials(root, dovecot, section):
    smtp = SmtpServer(user="xjzfbxx@126.com", security="ssl", cert=dovecot.cert)
    smtp.start()
    try:
        edit_as_section_2_4(root)
        text = root.settings.read_text(encoding="utf-8")
        # the test's own servers instead of 126.com (the credential names and the rest as the guide set them)
        for part, port in (("inbox", dovecot.tls_port), ("outbox", smtp.port)):
            for key, value in (("host", '"127.0.0.1"'), ("port", str(port)), ("ca_file", f'"{dovecot.cert}"')):
                text = set_key(text, part, key, value)
        text = set_key(text, "inbox", "username", f'"{dovecot.new_user()}"')  # the test Dovecot's users
        root.settings.write_text(text, encoding="utf-8")
        root.credentials = {"imap": PASSWORD, "smtp": PASSWORD}  # what 2.3 encrypted

        checked = root.run(*blocks(section))
        out = checked.stdout
        assert f"规则 {root.path}/etc/mailbot/rules：版本" in out, out + checked.stderr
        assert "✓ 登录 127.0.0.1 成功" in out and "✓ SMTP 登录 127.0.0.1 成功" in out, out
        if section == "2.5":
            assert f"✓ 测试邮件已发给 {root.mail_address}" in out
            assert smtp.messages[-1]["rcpt_tos"] == [root.mail_address]
    finally:
        smtp.stop()


INSTALLED = "/opt/mailbot/venv/bin/mailbot"
AS_SERVICE = (f"runuser -u mailbot -- {INSTALLED} --settings /etc/mailbot/mailbot.toml ",)


def test_every_mailbot_command_in_the_guide_is_the_installed_one_as_the_service_user_with_its_settings():
    """A bare `mailbot` is not on root's PATH; run as root it leaves files the service cannot write."""
    from tests.deploy.guide import commands

    found = 0
    for number, texts in all_blocks().items():
        if number.startswith("6"):
            continue  # the container's commands go through docker compose
        for line in (c for t in texts for c in commands(t)):
            assert not re.search(r"(^|[\s;&|(])mailbot (db|run|doctor|status|rules|--settings)\b", line), line
            if INSTALLED in line:
                found += 1
                systemd_run = line.startswith("systemd-run ") and " -p User=mailbot " in line and \
                    f"{INSTALLED} --settings /etc/mailbot/mailbot.toml " in line
                assert line.startswith(AS_SERVICE) or systemd_run, line
    assert found >= 4  # upgrade, restore, and both doctor lines
    assert "sudo " not in guide_text()  # not on every Debian server; runuser is
