"""Database tables (SQLModel). Imports nothing of ours.

Times are stored as UTC. Raw mail and attachment bytes live in the archive
folder (by sha256), not in the database; the tables hold what was decided.
"""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import Column, DateTime, LargeBinary, UniqueConstraint
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class UTCDateTime(TypeDecorator):
    """Aware datetimes in, aware UTC datetimes out, on SQLite (naive storage) and PostgreSQL alike."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store")
        return value.astimezone(timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        return None if value is None else value.replace(tzinfo=timezone.utc)


# a message in one of these needs no more work (held: waits for a person, see mailbot.review)
DONE_STATES = ("processed", "ignored", "duplicate", "held", "rejected")


class MessageRecord(SQLModel, table=True):
    __tablename__ = "messages"
    __table_args__ = (UniqueConstraint("mailbox", "key"),)

    id: int | None = Field(default=None, primary_key=True)
    mailbox: str
    key: str
    sha256: str = Field(index=True)
    message_id: str = ""
    from_address: str = ""
    subject: str = ""
    received_at: datetime = Field(sa_type=UTCDateTime)
    state: str = "new"  # new | processed | ignored | duplicate | failed | held | rejected
    reason: str = ""  # why ignored / failed, Chinese for staff
    attempts: int = 0  # times its processing began (counted first: a mail that kills the process counts too)
    too_large_bytes: int = 0  # its size when over the inbox's limit (read as its header only), else 0
    unit: str | None = Field(default=None, index=True)  # the unit it counts for; never set for held mail
    campaign: str | None = None
    # sender trust (mailbot.trust), decided once when the mail is processed
    trust: str = ""  # registered | staff_forward | unregistered | held | suspected | hostile ("" before)
    trust_reasons: str = "[]"  # JSON list of Chinese sentences, for staff
    sender_address: str = ""  # the sender judged: From, or the original sender of a staff forward
    claimed_unit: str | None = None  # the unit a held mail names: a person may confirm it to that unit
    auth_server: str = ""  # authserv-id of the Authentication-Results header that was trusted
    spf: str = ""
    dkim: str = ""
    dmarc: str = ""
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class AttachmentRecord(SQLModel, table=True):
    __tablename__ = "attachments"

    id: int | None = Field(default=None, primary_key=True)
    message_id: int = Field(foreign_key="messages.id", index=True)
    name: str
    sha256: str
    kind: str
    size: int
    role: str  # ledger | report | refused


class VerdictRecord(SQLModel, table=True):
    __tablename__ = "verdicts"

    id: int | None = Field(default=None, primary_key=True)
    receipt: str = Field(default="", index=True)
    message_id: int = Field(foreign_key="messages.id", index=True)
    unit: str | None = Field(default=None, index=True)
    campaign: str
    tag: str  # 已受理 | 需补正 | 无法确认单位
    late: bool = False
    rules_version: str
    ledger_name: str | None = None
    ledger_sha256: str | None = None
    report_name: str | None = None
    report_sha256: str | None = None
    rows_expected: int = 0
    rows_answered: int = 0
    status_counts: str = "{}"  # JSON
    identity_note: str = ""
    received_at: datetime = Field(sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class FindingRecord(SQLModel, table=True):
    __tablename__ = "findings"

    id: int | None = Field(default=None, primary_key=True)
    verdict_id: int = Field(foreign_key="verdicts.id", index=True)
    code: str
    severity: str
    message: str
    hint: str = ""
    file: str = ""
    sheet: str = ""
    cell: str = ""
    seq: int | None = None
    page: int | None = None


class LedgerRowRecord(SQLModel, table=True):
    """The rows of the ledger a verdict judged: the consolidated workbook is built from these."""

    __tablename__ = "ledger_rows"

    id: int | None = Field(default=None, primary_key=True)
    verdict_id: int = Field(foreign_key="verdicts.id", index=True)
    seq: int
    measure: str = ""
    status: str = ""
    remark: str = ""


class OutboxRecord(SQLModel, table=True):
    __tablename__ = "outbox"

    id: int | None = Field(default=None, primary_key=True)
    message_id: int | None = Field(default=None, foreign_key="messages.id", index=True)
    verdict_id: int | None = Field(default=None, foreign_key="verdicts.id")
    to_address: str
    subject: str
    rfc_message_id: str
    raw: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    state: str = Field(default="pending", index=True)  # pending | sent | failed
    attempts: int = 0
    next_attempt_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_error: str = ""
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class FlagRecord(SQLModel, table=True):
    """Something a person must look at: unknown sender, unit conflict, failed mail or delivery."""

    __tablename__ = "flags"

    id: int | None = Field(default=None, primary_key=True)
    message_id: int | None = Field(default=None, foreign_key="messages.id", index=True)
    kind: str  # unknown_unit | unit_conflict | unregistered_address | failed | delivery_failed | reply_capped | question
    detail: str
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    resolved: bool = False
    outbox_id: int | None = Field(default=None, foreign_key="outbox.id")  # delivery_failed: the reply to send again


class DigestRecord(SQLModel, table=True):
    """When a digest went out: the next one reports what changed since."""

    __tablename__ = "digests"

    id: int | None = Field(default=None, primary_key=True)
    campaign: str
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    recipients: str = ""


class ReminderRecord(SQLModel, table=True):
    """A reminder sent to a unit for one slot (e.g. 'the day before at 10:00'): never twice."""

    __tablename__ = "reminders"
    __table_args__ = (UniqueConstraint("campaign", "unit", "slot"),)

    id: int | None = Field(default=None, primary_key=True)
    campaign: str
    unit: str
    slot: str
    state: str  # 未报送 | 需补正 at the time
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class OverrideRecord(SQLModel, table=True):
    """A person's decision on a dossier, over the machine's verdict: who, when, why."""

    __tablename__ = "overrides"

    id: int | None = Field(default=None, primary_key=True)
    verdict_id: int = Field(foreign_key="verdicts.id", index=True)
    tag: str  # 已受理 | 需补正
    by: str
    comment: str = ""
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class OnceRecord(SQLModel, table=True):
    """Work that one worker does for all (the day's digest, the alert about a refused rules edit): the
    key is inserted in the transaction that queues the mail, so a second worker's insert fails."""

    __tablename__ = "once"

    key: str = Field(primary_key=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class ReviewRecord(SQLModel, table=True):
    """A person's decision on held mail (`mailbot confirm` / `mailbot reject`): who, when, what."""

    __tablename__ = "reviews"

    id: int | None = Field(default=None, primary_key=True)
    message_id: int = Field(foreign_key="messages.id", index=True)
    action: str  # confirmed | rejected
    unit: str | None = None  # confirmed: the unit it was credited to
    registered: bool = False  # confirmed with --register: the address was added to the roster
    by: str
    comment: str = ""
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class OcrRecord(SQLModel, table=True):
    """What OCR read of a scanned report, by the file's sha256 and the engine that read it: a resubmission,
    an earlier report completing a dossier and `rules replay` reuse it instead of reading the scan again.
    Shared by every worker of one database; a failed reading (a page over its time) is kept too."""

    __tablename__ = "ocr_readings"
    __table_args__ = (UniqueConstraint("sha256", "engine"),)

    id: int | None = Field(default=None, primary_key=True)
    sha256: str  # looked up with the engine: the unique constraint's index serves
    engine: str
    reading: str  # JSON: {"pages": [{"page", "whole", "lines": [[text, confidence, top]]}], "failed"}
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class UserRecord(SQLModel, table=True):
    """A person who logs in to the console (`mailbot user add`). ``generation`` grows with every password
    reset and every disabling: a session signed for an older generation is no longer valid."""

    __tablename__ = "users"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True)
    role: str  # staff | admin
    password_hash: str  # argon2id, with its parameters and salt
    active: bool = True
    generation: int = 0
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class LoginAttemptRecord(SQLModel, table=True):
    """Every login attempt on the console: failures within a window limit further tries, for every
    process serving the console and across restarts."""

    __tablename__ = "login_attempts"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(index=True)  # as typed (lower-cased), whether or not such a user exists
    address: str = Field(index=True)  # the client's IP address
    ok: bool
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)


class AuditRecord(SQLModel, table=True):
    """Who did what, from the console or a command: overrides, resolved flags, resent replies, rules
    edits, accounts. Written in the transaction of the act itself."""

    __tablename__ = "audit"

    id: int | None = Field(default=None, primary_key=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    who: str
    via: str  # web | cli
    action: str  # a stable code: override, flag.resolve, reply.retry, rules.edit, user.add, ...
    target: str = ""  # a receipt, a flag number, a unit, a user name
    detail: str = ""  # what was done, in Chinese, as the audit page shows it
