"""Send replies over SMTP (smtplib; the only module that imports it).

MAIL FROM is the login (NetEase: "553 Mail from must equal authorized user").
4xx replies, dropped connections and timeouts are temporary: the outbox keeps
the reply and tries again later with backoff. 5xx replies are permanent, except
NetEase's "554 DT:SPM" content/rate refusals, which are worth retrying later.
A minimum interval between messages keeps one account under its sending limit.
"""

from __future__ import annotations

import smtplib
import socket
import ssl
import time

from mailbot.addresses import deliverable, needs_smtputf8
from mailbot.outbox import DeliveryError
from mailbot.settings import SmtpSettings


class SmtpTransport:
    def __init__(self, settings: SmtpSettings, password: str, clock=time.monotonic, sleep=time.sleep) -> None:
        self.settings = settings
        self.password = password
        self.connection: smtplib.SMTP | None = None
        self.last_sent = float("-inf")
        self.clock, self.sleep = clock, sleep

    def _context(self) -> ssl.SSLContext:
        ca = self.settings.ca_file
        return ssl.create_default_context(cafile=str(ca) if ca else None)

    def connect(self) -> smtplib.SMTP:
        s = self.settings
        if s.security == "ssl":
            connection = smtplib.SMTP_SSL(s.host, s.port, timeout=s.timeout_seconds, context=self._context())
        else:
            connection = smtplib.SMTP(s.host, s.port, timeout=s.timeout_seconds)
            if s.security == "starttls":
                connection.starttls(context=self._context())
        connection.login(s.username, self.password)
        return connection

    def deliver(self, key: int | str, envelope_from: str, to: str, raw: bytes) -> None:
        wait = 60.0 / self.settings.max_per_minute - (self.clock() - self.last_sent)
        if wait > 0:
            self.sleep(wait)
        to = deliverable(to)
        try:
            if self.connection is None:
                self.connection = self.connect()
            options = self._utf8(to) if needs_smtputf8(to) else []
            refused = self.connection.sendmail(self.settings.username, [to], raw, mail_options=options)
        except smtplib.SMTPAuthenticationError as exc:
            self.close()
            raise DeliveryError(f"SMTP 登录被拒绝（{exc.smtp_code}）：请检查用户名和授权码") from exc
        except smtplib.SMTPRecipientsRefused as exc:
            code, message = next(iter(exc.recipients.values()))
            raise DeliveryError(f"{code} {message!r}", permanent=code >= 500) from exc
        except smtplib.SMTPResponseException as exc:
            self.close()
            text = exc.smtp_error.decode("utf-8", "replace") if isinstance(exc.smtp_error, bytes) else str(exc.smtp_error)
            permanent = exc.smtp_code >= 500 and "DT:SPM" not in text
            raise DeliveryError(f"{exc.smtp_code} {text}", permanent=permanent) from exc
        except (smtplib.SMTPException, OSError, socket.timeout) as exc:
            self.close()
            raise DeliveryError(f"{type(exc).__name__}: {exc}") from exc
        finally:
            self.last_sent = self.clock()
        if refused:
            raise DeliveryError(f"refused: {refused}", permanent=True)

    def _utf8(self, to: str) -> list[str]:
        """SMTPUTF8 for an address with a Chinese local part, when the server offers it; a permanent failure
        (the reply recorded as undeliverable, a flag for staff) when it does not."""
        self.connection.ehlo_or_helo_if_needed()
        if not self.connection.has_extn("smtputf8"):
            raise DeliveryError(f"收件地址 {to} 含中文等非 ASCII 字符，发信服务器不支持 SMTPUTF8，无法投递；"
                                "请电话告知该单位，或请其改用英文字母的邮箱来信", permanent=True)
        return ["SMTPUTF8"]

    def close(self) -> None:
        if self.connection is not None:
            try:
                self.connection.quit()
            except Exception:  # noqa: BLE001 - closing a dead connection
                pass
        self.connection = None
