"""What the steps ask of the database, and the few small writes that go with the answers.

Plain functions of a session; no other module of ours writes a SELECT, except the claims and
locks in :mod:`mailbot.store`, which are about concurrency rather than answers.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, func
from sqlmodel import Session, select

from mailbot.models import DONE_STATES, AttachmentRecord, AuditRecord, DigestRecord, FindingRecord, FlagRecord, \
    LedgerRowRecord, LoginAttemptRecord, MessageRecord, OcrRecord, OutboxRecord, OverrideRecord, ReminderRecord, \
    ReviewRecord, UserRecord, VerdictRecord


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
                                                    MessageRecord.state.in_(("processed", "ignored", "held",
                                                                             "rejected")))
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
    rows = session.exec(select(VerdictRecord).join(MessageRecord, VerdictRecord.message_id == MessageRecord.id)
                        .where(VerdictRecord.campaign == campaign, MessageRecord.state != "rejected")
                        .order_by(VerdictRecord.id))
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
    """The address the unit last mailed from (mail credited to it: never a held impostor's)."""
    return session.exec(select(MessageRecord.from_address).where(MessageRecord.unit == unit,
                                                                 MessageRecord.state == "processed")
                        .order_by(MessageRecord.received_at.desc())).first()


def last_digest_at(session: Session, campaign: str) -> datetime | None:
    last = session.exec(select(DigestRecord).where(DigestRecord.campaign == campaign)
                        .order_by(DigestRecord.id.desc())).first()
    return last.created_at if last else None


def reminder_slots_sent(session: Session, campaign: str) -> set[tuple[str, str]]:
    """(unit, slot) of every reminder already sent in the campaign."""
    return {(r.unit, r.slot) for r in session.exec(select(ReminderRecord).where(ReminderRecord.campaign == campaign))}


def newest_verdict_of_message(session: Session, message_id: int) -> VerdictRecord | None:
    return session.exec(select(VerdictRecord).where(VerdictRecord.message_id == message_id)
                        .order_by(VerdictRecord.id.desc())).first()


def reviews_of(session: Session, message_id: int) -> list[ReviewRecord]:
    return list(session.exec(select(ReviewRecord).where(ReviewRecord.message_id == message_id)
                             .order_by(ReviewRecord.id)))


def held_messages(session: Session) -> list[MessageRecord]:
    """Mail waiting for a person (held, suspected, quarantined), oldest first."""
    return list(session.exec(select(MessageRecord).where(MessageRecord.state == "held").order_by(MessageRecord.id)))


def verdicts_of_message(session: Session, message_id: int) -> list[VerdictRecord]:
    """Every verdict given to one mail (a replay adds a corrected one), oldest first."""
    return list(session.exec(select(VerdictRecord).where(VerdictRecord.message_id == message_id)
                             .order_by(VerdictRecord.id)))


def messages_of_unit(session: Session, unit: str) -> list[MessageRecord]:
    """Every mail credited to the unit, newest first."""
    return list(session.exec(select(MessageRecord).where(MessageRecord.unit == unit)
                             .order_by(MessageRecord.received_at.desc(), MessageRecord.id.desc())))


def attachments_of(session: Session, message_id: int) -> list[AttachmentRecord]:
    return list(session.exec(select(AttachmentRecord).where(AttachmentRecord.message_id == message_id)
                             .order_by(AttachmentRecord.id)))


def outbox_of_message(session: Session, message_id: int) -> list[OutboxRecord]:
    """The mail we sent in answer to one mail (receipts, corrections, override notices), oldest first."""
    return list(session.exec(select(OutboxRecord).where(OutboxRecord.message_id == message_id)
                             .order_by(OutboxRecord.id)))


def trust_of_messages(session: Session, ids: set[int]) -> dict[int, str]:
    """The sender trust recorded for each of these messages."""
    if not ids:
        return {}
    return dict(session.exec(select(MessageRecord.id, MessageRecord.trust).where(MessageRecord.id.in_(ids))).all())


def ocr_reading(session: Session, sha256: str, engine: str) -> OcrRecord | None:
    return session.exec(select(OcrRecord).where(OcrRecord.sha256 == sha256, OcrRecord.engine == engine)).first()


def failed_outbox(session: Session, flag: FlagRecord) -> list[OutboxRecord]:
    """The undeliverable mail a delivery_failed flag is about: its own reply, or (flags older than the
    column) every failed reply to the flag's mail."""
    query = select(OutboxRecord).where(OutboxRecord.state == "failed")
    if flag.outbox_id is not None:
        query = query.where(OutboxRecord.id == flag.outbox_id)
    elif flag.message_id is not None:
        query = query.where(OutboxRecord.message_id == flag.message_id)
    else:
        return []
    return list(session.exec(query.with_for_update().order_by(OutboxRecord.id)))


def flags_of_message(session: Session, message_id: int) -> list[FlagRecord]:
    return list(session.exec(select(FlagRecord).where(FlagRecord.message_id == message_id).order_by(FlagRecord.id)))


def user_by_name(session: Session, name: str) -> UserRecord | None:
    return session.exec(select(UserRecord).where(UserRecord.name == name)).first()


def users(session: Session) -> list[UserRecord]:
    return list(session.exec(select(UserRecord).order_by(UserRecord.name)))


def login_failures(session: Session, name: str, address: str, since: datetime) -> tuple[int, int]:
    """Failed logins after ``since`` and after the last success: (for this name, from this address)."""
    def failures(column, value) -> int:
        last_ok = session.exec(select(LoginAttemptRecord.created_at)
                               .where(column == value, LoginAttemptRecord.ok == True)  # noqa: E712
                               .order_by(LoginAttemptRecord.created_at.desc()).limit(1)).first()
        start = max(since, last_ok) if last_ok else since
        return session.exec(select(func.count()).select_from(LoginAttemptRecord)
                            .where(column == value, LoginAttemptRecord.ok == False,  # noqa: E712
                                   LoginAttemptRecord.created_at > start)).one()
    return failures(LoginAttemptRecord.name, name), failures(LoginAttemptRecord.address, address)


def forget_login_attempts(session: Session, before: datetime) -> None:
    """Attempts older than any window that counts them (the table stays small)."""
    session.execute(delete(LoginAttemptRecord).where(LoginAttemptRecord.created_at < before))


def audit_entries(session: Session, limit: int, offset: int = 0, action: str = "", who: str = "") -> list[AuditRecord]:
    """The audit trail, newest first; ``action`` / ``who`` narrow it."""
    query = select(AuditRecord)
    if action:
        query = query.where(AuditRecord.action == action)
    if who:
        query = query.where(AuditRecord.who == who)
    return list(session.exec(query.order_by(AuditRecord.id.desc()).offset(offset).limit(limit)))


def claimed_units(session: Session, ids: set[int]) -> dict[int, str | None]:
    """The unit each of these messages names (held mail's claimed unit), by message id."""
    if not ids:
        return {}
    return dict(session.exec(select(MessageRecord.id, MessageRecord.claimed_unit).where(MessageRecord.id.in_(ids))).all())
