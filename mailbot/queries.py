"""What the steps ask of the database, and the few small writes that go with the answers.

Plain functions of a session; no other module of ours writes a SELECT, except the claims and
locks in :mod:`mailbot.store`, which are about concurrency rather than answers.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func
from sqlmodel import Session, select

from mailbot.models import DONE_STATES, AttachmentRecord, DigestRecord, FindingRecord, FlagRecord, LedgerRowRecord, \
    MessageRecord, OutboxRecord, OverrideRecord, ReminderRecord, VerdictRecord


def message_state(session: Session, mailbox: str, key: str) -> str | None:
    """The message's state alone (None: not recorded yet): the cheap question a reservation asks."""
    return session.exec(select(MessageRecord.state).where(MessageRecord.mailbox == mailbox,
                                                          MessageRecord.key == key)).first()


def message_by_key(session: Session, mailbox: str, key: str) -> MessageRecord | None:
    return session.exec(select(MessageRecord).where(MessageRecord.mailbox == mailbox,
                                                    MessageRecord.key == key)).first()


def done_keys(session: Session, mailbox: str, max_attempts: int) -> set[str]:
    """Keys that need no more work (processed, ignored, duplicate), or no more automatic work (failed
    ``max_attempts`` times: a person decides). New and other failed ones are retried."""
    rows = session.exec(select(MessageRecord.key).where(
        MessageRecord.mailbox == mailbox,
        MessageRecord.state.in_(DONE_STATES) | ((MessageRecord.state == "failed")
                                               & (MessageRecord.attempts >= max_attempts))))
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


def recent_reply_count(session: Session, address: str, now: datetime) -> int:
    """Mails queued for ``address`` in the hour before ``now`` (the per-sender reply cap)."""
    return session.exec(select(func.count()).select_from(OutboxRecord)
                        .where(OutboxRecord.to_address == address,
                               OutboxRecord.created_at >= now - timedelta(hours=1))).one()


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


def open_flag(session: Session, message_id: int, kind: str) -> FlagRecord | None:
    return session.exec(select(FlagRecord).where(FlagRecord.message_id == message_id, FlagRecord.kind == kind,
                                                 FlagRecord.resolved == False)).first()  # noqa: E712


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
