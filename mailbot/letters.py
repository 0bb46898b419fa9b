"""The envelope of every mail mailbot writes: replies, reminders, override notices, digests.

From is the office (NetEase refuses a From other than the login), the Message-ID is on the
office's domain, and each mail says it is automatic (RFC 3834 ``Auto-Submitted``, Outlook's
``X-Auto-Response-Suppress``) so that vacation replies are not sent back to it. Bodies are
UTF-8 in base64: SMTP refuses lines over 998 octets, and some relays mangle 8-bit text.
"""

from __future__ import annotations

from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, make_msgid

from mailbot.addresses import deliverable
from mailbot.mail_types import Office
from mailbot.screening import LOOP_HEADER

def office_letter(office: Office, to: str, subject: str, now: datetime, text: str, html: str | None = None,
                  *, auto: str = "auto-generated", loop: str | None = None, message_id: str | None = None,
                  answering: tuple[str, tuple[str, ...]] | None = None) -> EmailMessage:
    """A mail from the office. ``loop`` marks it as ours (never processed if it comes back);
    ``answering`` is the (Message-ID, References) of the mail it replies to, for threading."""
    msg = EmailMessage()
    msg["From"] = formataddr((office.name, office.address))
    msg["To"] = ", ".join(deliverable(a.strip()) for a in to.split(","))
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

