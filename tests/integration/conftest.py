"""Dovecot and SMTP servers for the integration tests, and a mailbot wired to them."""

from __future__ import annotations

import shutil

import pytest

from mailbot.daemon import build_daemon
from mailbot.settings import Settings
from tests.servers import NETEASE_LIKE, PASSWORD, Dovecot

pytestmark = pytest.mark.skipif(shutil.which("dovecot") is None, reason="needs Debian's dovecot-imapd (.ci/run)")


def _server(capabilities=None):
    server = Dovecot(capabilities=capabilities)
    server.start()
    return server


@pytest.fixture(scope="session")
def dovecot():
    server = _server()
    yield server
    server.cleanup()


@pytest.fixture(scope="session")
def dovecot_polling():
    """A Dovecot that, like 126.com, offers neither IDLE nor MOVE."""
    server = _server(NETEASE_LIKE)
    yield server
    server.cleanup()


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
