"""Typed values for mail as mailbot sees it. Imports nothing of ours."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class RawMail:
    """One message as fetched: its bytes, where it came from, and when the server received it."""

    mailbox: str  # "maildir:/path" or "imap:user@host/INBOX"
    key: str  # Maildir file key or "<uidvalidity>:<uid>"
    data: bytes
    received_at: datetime  # aware, UTC; the server's receive time, never the Date header
    too_large_bytes: int = 0  # when over the size limit: its size; ``data`` then holds the header only
    note: str = ""  # for staff, Chinese: the receive time was not the server's own (mailbot/receive_time.py)
    unreadable: str = ""  # the mailbox could not give its bytes (a file mailbot may not read): why, for staff
    source: Path | None = None  # a file holding the whole mail when ``data`` is its header only: archived from there


@dataclass(frozen=True)
class MailAttachment:
    name: str  # decoded file name; a nameless part is called "附件N.ext" by its position and type
    data: bytes
    content_type: str


@dataclass(frozen=True)
class UnreadPart:
    """A part of a mail that was not read: the unit is told (a finding), the rest of the mail still counts."""

    name: str  # its file name, "" when it has none
    why: str  # undecodable | too_deep (MIME nesting beyond the bound) | too_many (parts beyond the bound)
    count: int = 1


@dataclass(frozen=True)
class ParsedMail:
    """What mailbot needs from a message, decoded from the raw bytes with Chinese clients in mind."""

    message_id: str  # "<...>" or "" when absent
    from_address: str  # lower-cased addr-spec, "" when unparseable
    from_name: str
    subject: str
    date_header: str  # as written; informational only
    in_reply_to: str
    references: tuple[str, ...]
    headers: dict[str, str]  # lower-cased name -> decoded value (first occurrence)
    body_text: str
    attachments: tuple[MailAttachment, ...]
    forwarded_subject: str = ""
    problems: tuple[str, ...] = field(default_factory=tuple)  # header/part decoding trouble, in English
    forward_senders: tuple[str, ...] = ()  # every sender in a chain of forwards, outermost first
    links: tuple[str, ...] = ()  # http(s) URLs in the body parts, hrefs included (a forwarded mail's too)
    auth_results: tuple[str, ...] = ()  # every Authentication-Results header, topmost first
    forwarded_auth_results: tuple[str, ...] = ()  # those of the first mail forwarded inside this one
    injected_headers: tuple[str, ...] = ()  # headers whose decoded text holds CR, LF or NUL (injection)
    unsafe_names: tuple[str, ...] = ()  # attachment names written as absolute paths or with ".."
    unread: tuple[UnreadPart, ...] = ()  # parts skipped: undecodable, nested too deep, too many

    @property
    def forwarded_from(self) -> str:
        """For a forwarded mail, the sender of the mail inside ("" otherwise)."""
        return self.forward_senders[0] if self.forward_senders else ""


@dataclass(frozen=True)
class Office:
    """Who writes: the name and address every mail comes from, the phone shown for questions, and the
    office's clock (``zone``, from settings.timezone): receipts are numbered and letters dated by it."""

    name: str
    address: str
    phone: str = ""
    message_id_domain: str = ""  # default: the domain of ``address``
    zone: str = "Asia/Shanghai"

    @property
    def domain(self) -> str:
        return self.message_id_domain or self.address.rsplit("@", 1)[-1]

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.zone)

    def day(self, moment: datetime) -> date:
        return moment.astimezone(self.tz).date()

    def time_of(self, moment: datetime) -> str:
        """2021年11月24日 10:30, on the office's clock."""
        return moment.astimezone(self.tz).strftime("%Y年%m月%d日 %H:%M")

    def date_of(self, moment: datetime) -> str:
        """2021年11月24日, the date a letter is signed with."""
        return moment.astimezone(self.tz).strftime("%Y年%m月%d日")


@dataclass(frozen=True)
class TrustPolicy:
    """How far the office trusts what a mail says about its sender (settings ``[trust]``)."""

    authserv_ids: tuple[str, ...] = ()  # glob patterns of the receiving server's authserv-id: "*.126.com"
    trust_staff_forwards: bool = False  # an authenticated staff forward vouches for the mail inside
    known_domains: tuple[str, ...] = ()  # never taken for look-alikes of a registered domain
