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


DONE_STATES = ("processed", "ignored", "duplicate")  # a message in one of these needs no more work


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
    state: str = "new"  # new | processed | ignored | duplicate | failed
    reason: str = ""  # why ignored / failed, Chinese for staff
    attempts: int = 0  # times its processing began (counted first: a mail that kills the process counts too)
    too_large_bytes: int = 0  # its size when over the inbox's limit (read as its header only), else 0
    unit: str | None = Field(default=None, index=True)
    campaign: str | None = None
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
    kind: str  # unknown_unit | unit_conflict | unregistered_address | failed | delivery_failed
    detail: str
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    resolved: bool = False


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
