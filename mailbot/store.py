"""The database: open it, and the few queries the pipeline, the outbox and the CLI need.

SQLite by default; any SQLAlchemy URL works. Sessions are short and explicit:
the pipeline writes a verdict, its findings and its reply in one transaction.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import event, func, text
from sqlmodel import Session, create_engine, select

from mailbot.models import AttachmentRecord, MessageRecord, OutboxRecord, OverrideRecord, VerdictRecord


class Store:
    def __init__(self, url: str) -> None:
        if url.startswith("sqlite:///"):
            Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        if url.startswith("sqlite"):
            self.engine = create_engine(url, connect_args={"timeout": 30})
            event.listen(self.engine, "connect", _sqlite_pragmas)
        else:  # a pooled connection may have died with a server restart: test it before use
            self.engine = create_engine(url, pool_pre_ping=True)

    @contextmanager
    def session(self) -> Iterator[Session]:
        with Session(self.engine, expire_on_commit=False) as session:
            yield session

    def close(self) -> None:
        self.engine.dispose()


def _sqlite_pragmas(connection, _record) -> None:
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")  # readers (status) never block the daemon
    cursor.execute("PRAGMA synchronous=FULL")  # a committed verdict survives a power cut
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def message_by_key(session: Session, mailbox: str, key: str) -> MessageRecord | None:
    return session.exec(select(MessageRecord).where(MessageRecord.mailbox == mailbox,
                                                    MessageRecord.key == key)).first()


def claim_message(session: Session, message_id: int) -> MessageRecord | None:
    """Lock the mail for this worker until commit; None when another worker holds it or it is done.

    PostgreSQL: SELECT … FOR UPDATE SKIP LOCKED. SQLite ignores the clause; one worker per SQLite file.
    """
    return session.exec(select(MessageRecord).where(MessageRecord.id == message_id,
                                                    MessageRecord.state.in_(("new", "failed")))
                        .with_for_update(skip_locked=True)).first()


def claim_outbox(session: Session, outbox_id: int) -> OutboxRecord | None:
    """Lock a pending reply for sending; None when another worker is sending it or it went out."""
    return session.exec(select(OutboxRecord).where(OutboxRecord.id == outbox_id, OutboxRecord.state == "pending")
                        .with_for_update(skip_locked=True)).first()


def lock_dossier(session: Session, campaign: str, unit: str) -> None:
    """Serialise work on one unit's dossier until commit (PostgreSQL advisory lock; SQLite has one writer).

    Two workers judging two mails of the same unit at once would otherwise each miss the other's file.
    """
    if session.get_bind().dialect.name != "postgresql":
        return
    key = int.from_bytes(hashlib.sha256(f"{campaign}/{unit}".encode()).digest()[:8], "big", signed=True)
    session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})


def done_keys(session: Session, mailbox: str) -> set[str]:
    """Keys that need no more work (processed, ignored, duplicate). New and failed ones are retried."""
    rows = session.exec(select(MessageRecord.key).where(MessageRecord.mailbox == mailbox,
                                                        MessageRecord.state.in_(("processed", "ignored", "duplicate"))))
    return set(rows)


def first_with_sha(session: Session, sha256: str, exclude_id: int) -> MessageRecord | None:
    return session.exec(select(MessageRecord).where(MessageRecord.sha256 == sha256, MessageRecord.id != exclude_id,
                                                    MessageRecord.state.in_(("processed", "ignored")))
                        .order_by(MessageRecord.id)).first()


def newest_file(session: Session, unit: str, campaign: str, role: str) -> AttachmentRecord | None:
    """The unit's newest ledger (or report) in this campaign, from any earlier processed mail."""
    return session.exec(
        select(AttachmentRecord).join(MessageRecord, AttachmentRecord.message_id == MessageRecord.id)
        .where(MessageRecord.unit == unit, MessageRecord.campaign == campaign, MessageRecord.state == "processed",
               AttachmentRecord.role == role)
        .order_by(MessageRecord.received_at.desc(), AttachmentRecord.id.desc())
    ).first()


def first_submission(session: Session, unit: str, campaign: str) -> datetime | None:
    """When the unit first sent a ledger or a report in this campaign (a mail with neither does not count)."""
    first = session.exec(
        select(VerdictRecord).where(VerdictRecord.unit == unit, VerdictRecord.campaign == campaign,
                                    (VerdictRecord.ledger_sha256.is_not(None)) | (VerdictRecord.report_sha256.is_not(None)))
        .order_by(VerdictRecord.received_at)
    ).first()
    return first.received_at if first else None


def replies_since(session: Session, address: str, since: datetime) -> int:
    return session.exec(select(func.count()).select_from(OutboxRecord)
                        .where(OutboxRecord.to_address == address, OutboxRecord.created_at >= since)).one()


def recent_reply_count(session: Session, address: str, now: datetime) -> int:
    return replies_since(session, address, now - timedelta(hours=1))


def pending_outbox(session: Session, now: datetime) -> list[OutboxRecord]:
    """Replies waiting to go out whose retry time (if any) has come."""
    due = (OutboxRecord.next_attempt_at.is_(None)) | (OutboxRecord.next_attempt_at <= now)
    return list(session.exec(select(OutboxRecord).where(OutboxRecord.state == "pending", due)
                             .order_by(OutboxRecord.id)))


def latest_verdicts(session: Session, campaign: str) -> dict[str, VerdictRecord]:
    """Each unit's newest verdict in the campaign."""
    rows = session.exec(select(VerdictRecord).where(VerdictRecord.campaign == campaign,
                                                    VerdictRecord.unit.is_not(None))
                        .order_by(VerdictRecord.id))
    return {row.unit: row for row in rows}


def override_of(session: Session, verdict_id: int) -> OverrideRecord | None:
    """The newest manual decision on a verdict, if any."""
    return session.exec(select(OverrideRecord).where(OverrideRecord.verdict_id == verdict_id)
                        .order_by(OverrideRecord.id.desc())).first()


def verdict_by_receipt(session: Session, receipt: str) -> VerdictRecord | None:
    return session.exec(select(VerdictRecord).where(VerdictRecord.receipt == receipt)).first()
