"""The SMTP transport over implicit TLS and STARTTLS with a real server, and its send-rate cap."""

import pytest

from mailbot.outbox import DeliveryError
from mailbot.settings import SmtpSettings
from mailbot.smtp import SmtpTransport
from tests.servers import PASSWORD, SmtpServer

RAW = b"From: bot@example.test\r\nTo: a@example.test\r\nSubject: test\r\n\r\nhello\r\n"


@pytest.mark.no_database
@pytest.mark.parametrize("security", ["ssl", "starttls"])
def test_tls_modes_with_login(dovecot, security):
    server = SmtpServer(security=security, cert=dovecot.cert)
    server.start()
    try:
        settings = SmtpSettings(**server.settings(ca_file=dovecot.cert))
        transport = SmtpTransport(settings, PASSWORD)
        transport.deliver(1, "bot@example.test", "a@example.test", RAW)
        transport.close()
        assert server.messages[0]["login"] == b"bot@example.test"
        assert server.messages[0]["mail_from"] == "bot@example.test"
    finally:
        server.stop()


@pytest.mark.no_database
def test_wrong_certificate_authority_is_refused(dovecot):
    server = SmtpServer(security="ssl", cert=dovecot.cert)
    server.start()
    try:
        transport = SmtpTransport(SmtpSettings(**server.settings()), PASSWORD)  # no ca_file: self-signed refused
        with pytest.raises(DeliveryError) as info:
            transport.deliver(1, "bot@example.test", "a@example.test", RAW)
        assert not info.value.permanent and "CERTIFICATE" in str(info.value).upper()
    finally:
        server.stop()


@pytest.mark.no_database
def test_send_rate_is_capped(smtp):
    now = [0.0]
    slept = []

    def sleep(seconds):
        slept.append(seconds)
        now[0] += seconds

    transport = SmtpTransport(SmtpSettings(**smtp.settings(max_per_minute=30)), PASSWORD,
                              clock=lambda: now[0], sleep=sleep)
    for n in range(3):
        transport.deliver(n, "bot@example.test", "a@example.test", RAW)
    transport.close()
    assert len(smtp.messages) == 3 and slept == [pytest.approx(2.0), pytest.approx(2.0)]


class DiesAfterSending:
    """The real transport, then the process dies (as SIGKILL would) before the sent reply is recorded."""

    def __init__(self, real):
        self.real = real

    def deliver(self, key, envelope_from, to, raw):
        self.real.deliver(key, envelope_from, to, raw)
        raise KeyboardInterrupt("killed between the server's 250 and our commit")

    def close(self):
        self.real.close()


def test_a_crash_after_the_server_took_the_reply_resends_it_once_with_the_same_message_id(
        smtp, tmp_path, monkeypatch, rules, database_url):
    """Delivery is at least once: the reply is never lost, and a resend is recognisably the same mail."""
    import email
    from email import policy

    from mailbot.daemon import build_daemon
    from mailbot.settings import Settings
    from tests.builders import pdfs
    from tests.builders.campaign import filled_ledger
    from tests.pipeline.conftest import submission

    monkeypatch.setenv("MAILBOT_TEST_SMTP_PASSWORD", PASSWORD)
    settings = Settings(var_dir=tmp_path / "var", outbox=smtp.settings(), database_url=database_url)
    first = build_daemon(settings, rules)
    (first.inbox.root / "new").mkdir(parents=True, exist_ok=True)
    (first.inbox.root / "new" / "1.mx").write_bytes(submission({"台账.xlsx": filled_ledger(),
                                                                "报告.pdf": pdfs.text_report()}))
    first.transport = DiesAfterSending(first.transport)
    with pytest.raises(KeyboardInterrupt):
        first.run_once()
    assert len(smtp.messages) == 1
    restarted = build_daemon(settings, rules)
    assert restarted.run_once() == []  # the mail itself was recorded: not judged again
    assert len(smtp.messages) == 2
    ids = {email.message_from_bytes(m["data"], policy=policy.default)["Message-ID"] for m in smtp.messages}
    assert len(ids) == 1
    restarted.drain()
    assert len(smtp.messages) == 2  # sent and recorded now: never a third time
    for daemon in (first, restarted):
        daemon.close()
