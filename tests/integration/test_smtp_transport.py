"""The SMTP transport over implicit TLS and STARTTLS with a real server, and its send-rate cap."""

import pytest

from mailbot.outbox import DeliveryError
from mailbot.settings import SmtpSettings
from mailbot.smtp import SmtpTransport
from tests.servers import PASSWORD, SmtpServer

RAW = b"From: bot@example.test\r\nTo: a@example.test\r\nSubject: test\r\n\r\nhello\r\n"


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
