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

from sqlalchemy import event, func, text, update
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlmodel import Session, create_engine, select

from mailbot.models import AttachmentRecord, DigestRecord, FindingRecord, FlagRecord, LedgerRowRecord, MessageRecord, \
    OnceRecord, OutboxRecord, OverrideRecord, ReminderRecord, VerdictRecord


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

    @contextmanager
    def reservations(self) -> Iterator[Reservations]:
        """Which mails this worker prepares in this cycle (see :class:`Reservations`)."""
        if self.engine.dialect.name != "postgresql":
            yield Reservations(None, self)
            return
        with self.engine.connect() as connection:
            try:
                yield Reservations(connection, self)
            finally:
                try:
                    connection.execute(text("SELECT pg_advisory_unlock_all()"))
                    connection.commit()
                except DBAPIError:  # the connection died, and its locks with it
                    connection.invalidate()

    def close(self) -> None:
        self.engine.dispose()


DONE_STATES = ("processed", "ignored", "duplicate")


class Reservations:
    """Which worker reads and parses which mail, before anyone claims it.

    Parsing is most of a mail's cost, and the claim (:func:`claim_message`) comes after it: without
    this, two workers would both parse every mail and a second worker would add nothing. On PostgreSQL
    a reservation is a session advisory lock on one connection, gone when the worker dies (no stale
    lease after a crash); a mail another worker has finished meanwhile is not parsed again. SQLite
    serves one worker per file: every mail not done is this worker's.
    """

    def __init__(self, connection, store: Store) -> None:
        self.connection, self.store = connection, store

    def take(self, mailbox: str, key: str) -> bool:
        if self.connection is not None:
            locked = self.connection.execute(text("SELECT pg_try_advisory_lock(:k)"),
                                             {"k": _lock_key(f"mail/{mailbox}/{key}")}).scalar()
            self.connection.commit()
            if not locked:
                return False
        with self.store.session() as session:
            record = message_by_key(session, mailbox, key)
        if record is not None and record.state in DONE_STATES:
            self.release(mailbox, key)
            return False
        return True

    def release(self, mailbox: str, key: str) -> None:
        if self.connection is not None:
            self.connection.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": _lock_key(f"mail/{mailbox}/{key}")})
            self.connection.commit()


def _sqlite_pragmas(connection, _record) -> None:
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")  # readers (status) never block the daemon
    cursor.execute("PRAGMA synchronous=FULL")  # a committed verdict survives a power cut
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def commit_once(session: Session, key: str) -> bool:
    """Commit the session's work only if no worker has done ``key`` before; False (and nothing
    committed) when one has. For work that every worker's scheduler starts but one must do."""
    session.add(OnceRecord(key=key))
    return try_commit(session)


def try_commit(session: Session) -> bool:
    """Commit; False (rolled back) when a unique key says another worker wrote the same first."""
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        return False
    return True


def message_by_key(session: Session, mailbox: str, key: str) -> MessageRecord | None:
    return session.exec(select(MessageRecord).where(MessageRecord.mailbox == mailbox,
                                                    MessageRecord.key == key)).first()


def claim_message(session: Session, message_id: int) -> MessageRecord | None:
    """Lock the mail for this worker until commit; None when another worker holds it or it is done."""
    _write_lock(session, MessageRecord, message_id)
    return session.exec(select(MessageRecord).where(MessageRecord.id == message_id,
                                                    MessageRecord.state.in_(("new", "failed")))
                        .with_for_update(skip_locked=True)).first()


def claim_outbox(session: Session, outbox_id: int) -> OutboxRecord | None:
    """Lock a pending reply for sending; None when another worker is sending it or it went out."""
    _write_lock(session, OutboxRecord, outbox_id)
    return session.exec(select(OutboxRecord).where(OutboxRecord.id == outbox_id, OutboxRecord.state == "pending")
                        .with_for_update(skip_locked=True)).first()


def _write_lock(session: Session, table, row_id: int) -> None:
    """SQLite has no row locks and ignores FOR UPDATE: as the transaction's first statement, a no-op
    UPDATE takes the database's write lock (SQLite waits for it like BEGIN IMMEDIATE), so a second
    worker or a CLI command waits for the first one's commit and then finds the row done.
    PostgreSQL: nothing here; the SELECT … FOR UPDATE SKIP LOCKED that follows skips a held row at once."""
    if session.get_bind().dialect.name == "sqlite":
        session.execute(update(table).where(table.id == row_id).values(id=table.id))


def lock(session: Session, name: str) -> None:
    """Serialise work on ``name`` (a unit's dossier, a mail's sha256) until commit.

    PostgreSQL: an advisory transaction lock. SQLite: nothing to do, the claim holds the write lock.
    Two workers judging two mails of one unit would otherwise each miss the other's file, and two
    copies of one mail claimed at once would each be answered.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _lock_key(name)})


def _lock_key(name: str) -> int:
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


def done_keys(session: Session, mailbox: str) -> set[str]:
    """Keys that need no more work (processed, ignored, duplicate). New and failed ones are retried."""
    rows = session.exec(select(MessageRecord.key).where(MessageRecord.mailbox == mailbox,
                                                        MessageRecord.state.in_(DONE_STATES)))
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


def campaigns_with_files(session: Session, unit: str) -> frozenset[str]:
    """The campaigns in which the unit has a ledger or report on record."""
    rows = session.exec(select(MessageRecord.campaign).join(AttachmentRecord, AttachmentRecord.message_id == MessageRecord.id)
                        .where(MessageRecord.unit == unit, MessageRecord.state == "processed",
                               AttachmentRecord.role.in_(("ledger", "report"))).distinct())
    return frozenset(c for c in rows if c)


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


def unidentified_verdicts(session: Session, campaign: str) -> list[VerdictRecord]:
    """Verdicts of mail whose unit could not be determined, the newest per mail."""
    rows = session.exec(select(VerdictRecord).where(VerdictRecord.campaign == campaign).order_by(VerdictRecord.id))
    newest = {row.message_id: row for row in rows}
    return [row for row in newest.values() if row.unit is None]


def findings_of(session: Session, verdict_id: int, severity: str | None = None) -> list[FindingRecord]:
    query = select(FindingRecord).where(FindingRecord.verdict_id == verdict_id)
    if severity is not None:
        query = query.where(FindingRecord.severity == severity)
    return list(session.exec(query.order_by(FindingRecord.id)))


def override_of(session: Session, verdict_id: int) -> OverrideRecord | None:
    """The newest manual decision on a verdict, if any."""
    return session.exec(select(OverrideRecord).where(OverrideRecord.verdict_id == verdict_id)
                        .order_by(OverrideRecord.id.desc())).first()


def verdict_by_receipt(session: Session, receipt: str) -> VerdictRecord | None:
    return session.exec(select(VerdictRecord).where(VerdictRecord.receipt == receipt)).first()


def newest_verdict_after(session: Session, verdict: VerdictRecord) -> VerdictRecord | None:
    """The unit's newest verdict in the campaign that came after ``verdict`` (None: it is the newest)."""
    return session.exec(select(VerdictRecord).where(VerdictRecord.unit == verdict.unit,
                                                    VerdictRecord.campaign == verdict.campaign,
                                                    VerdictRecord.id > verdict.id)
                        .order_by(VerdictRecord.id.desc())).first()


def campaign_verdicts(session: Session, campaign: str, since: datetime | None = None) -> list[VerdictRecord]:
    """Every verdict with a unit in the campaign, in the order they were given (only later than ``since``)."""
    query = select(VerdictRecord).where(VerdictRecord.campaign == campaign, VerdictRecord.unit.is_not(None))
    if since is not None:
        query = query.where(VerdictRecord.created_at > since)
    return list(session.exec(query.order_by(VerdictRecord.id)))


def ledger_rows_of(session: Session, verdict_id: int) -> list[LedgerRowRecord]:
    return list(session.exec(select(LedgerRowRecord).where(LedgerRowRecord.verdict_id == verdict_id)))


def replies_of(session: Session, verdict_id: int) -> list[OutboxRecord]:
    return list(session.exec(select(OutboxRecord).where(OutboxRecord.verdict_id == verdict_id)
                             .order_by(OutboxRecord.id)))


def overrides_of(session: Session, verdict_id: int) -> list[OverrideRecord]:
    return list(session.exec(select(OverrideRecord).where(OverrideRecord.verdict_id == verdict_id)
                             .order_by(OverrideRecord.id)))


def flags(session: Session, resolved_too: bool = False) -> list[FlagRecord]:
    """What needs a person, oldest first; with ``resolved_too`` also what was dealt with."""
    query = select(FlagRecord).order_by(FlagRecord.id)
    if not resolved_too:
        query = query.where(FlagRecord.resolved == False)  # noqa: E712
    return list(session.exec(query))


def resolve_flags(session: Session, ids: tuple[int, ...]) -> list[int]:
    """Mark flags dealt with and commit; returns the ids that do not exist (nothing is marked then)."""
    found = {i: session.get(FlagRecord, i) for i in ids}
    unknown = [i for i, flag in found.items() if flag is None]
    if unknown:
        return unknown
    for flag in found.values():
        flag.resolved = True
        session.add(flag)
    session.commit()
    return []


def last_address_of(session: Session, unit: str) -> str | None:
    """The address the unit last mailed from."""
    return session.exec(select(MessageRecord.from_address).where(MessageRecord.unit == unit)
                        .order_by(MessageRecord.received_at.desc())).first()


def last_digest_at(session: Session, campaign: str) -> datetime | None:
    last = session.exec(select(DigestRecord).where(DigestRecord.campaign == campaign)
                        .order_by(DigestRecord.id.desc())).first()
    return last.created_at if last else None


def reminder_slots_sent(session: Session, campaign: str) -> set[tuple[str, str]]:
    """(unit, slot) of every reminder already sent in the campaign."""
    return {(r.unit, r.slot) for r in session.exec(select(ReminderRecord).where(ReminderRecord.campaign == campaign))}
