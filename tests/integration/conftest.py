"""A mailbot wired to the session's Dovecot and SMTP servers (the servers' fixtures are in tests/conftest.py)."""

from __future__ import annotations

import pytest

from mailbot.daemon import build_daemon
from mailbot.settings import Settings
from tests.servers import PASSWORD, needs_dovecot


@pytest.fixture(autouse=True)
def _needs_dovecot():
    """Every test here talks to a real Dovecot, some to one of their own."""
    needs_dovecot()


@pytest.fixture
def make_mailbot(tmp_path, rules, monkeypatch):
    """make_mailbot(dovecot, smtp, user, **imap_extra) → a Daemon reading that mailbox and sending there."""
    monkeypatch.setenv("MAILBOT_TEST_IMAP_PASSWORD", PASSWORD)
    monkeypatch.setenv("MAILBOT_TEST_SMTP_PASSWORD", PASSWORD)

    def make(server, smtp_server, user, poll_interval=30, **imap_extra):
        settings = Settings(var_dir=tmp_path / "var", inbox=server.imap_settings(user, **imap_extra),
                            outbox=smtp_server.settings(), poll_interval_seconds=poll_interval)
        return build_daemon(settings, rules)

    return make
