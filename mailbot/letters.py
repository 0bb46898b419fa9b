"""The envelope of every mail mailbot writes: replies, reminders, override notices, digests.

From is the office (NetEase refuses a From other than the login), the Message-ID is on the
office's domain, and each mail says it is automatic (RFC 3834 ``Auto-Submitted``, Outlook's
``X-Auto-Response-Suppress``) so that vacation replies are not sent back to it. Bodies are
UTF-8 in base64: SMTP refuses lines over 998 octets, and some relays mangle 8-bit text.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, make_msgid
from zoneinfo import ZoneInfo

from mailbot.screening import LOOP_HEADER

ZONE = ZoneInfo("Asia/Shanghai")  # the office's clock, for every time a letter shows


@dataclass(frozen=True)
class Office:
    """Who writes: the name and address every mail comes from, the phone shown for questions."""

    name: str
    address: str
    phone: str = ""
    message_id_domain: str = ""  # default: the domain of ``address``

    @property
    def domain(self) -> str:
        return self.message_id_domain or self.address.rsplit("@", 1)[-1]


def office_letter(office: Office, to: str, subject: str, now: datetime, text: str, html: str | None = None,
                  *, auto: str = "auto-generated", loop: str | None = None, message_id: str | None = None,
                  answering: tuple[str, tuple[str, ...]] | None = None) -> EmailMessage:
    """A mail from the office. ``loop`` marks it as ours (never processed if it comes back);
    ``answering`` is the (Message-ID, References) of the mail it replies to, for threading."""
    msg = EmailMessage()
    msg["From"] = formataddr((office.name, office.address))
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = format_datetime(now)
    msg["Message-ID"] = message_id or make_msgid(domain=office.domain)
    if answering and answering[0]:
        msg["In-Reply-To"] = answering[0]
        msg["References"] = " ".join((*answering[1], answering[0]))
    msg["Auto-Submitted"] = auto
    msg["X-Auto-Response-Suppress"] = "All"
    if loop:
        msg[LOOP_HEADER] = loop
    msg.set_content(text, charset="utf-8", cte="base64")
    if html is not None:
        msg.add_alternative(html, subtype="html", charset="utf-8", cte="base64")
    return msg


def local_time(moment: datetime) -> str:
    """2021年11月24日 10:30, on the office's clock."""
    return moment.astimezone(ZONE).strftime("%Y年%m月%d日 %H:%M")


def local_date(moment: datetime) -> str:
    """2021年11月24日, the date a letter is signed with."""
    return moment.astimezone(ZONE).strftime("%Y年%m月%d日")
