"""Everything one verdict writes, in one transaction: the message's state, its files, the verdict
with its findings and ledger rows, flags for staff, and the reply in the outbox.

The reply is queued in the verdict's transaction and sent after the commit (mailbot.outbox), so a
crash never leaves a verdict without its reply or a reply without its verdict.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from mailbot import queries as q
from mailbot.dossier import Dossier, Identity
from mailbot.findings import Verdict, shorten
from mailbot.mail_types import ParsedMail, RawMail
from mailbot.models import AttachmentRecord, FindingRecord, FlagRecord, LedgerRowRecord, MessageRecord, VerdictRecord
from mailbot.outbox import queue
from mailbot.questions import question_in
from mailbot.replies import build_reply, context, held_notice
from mailbot.rules import Campaign
from mailbot.runtime import Runtime
from mailbot.trust import Trust, TrustDecision

HELD_FLAGS = {Trust.HELD: "held", Trust.SUSPECTED: "suspected", Trust.HOSTILE: "quarantined"}


@dataclass(frozen=True)
class Judged:
    """One mail judged in its campaign: its own files (the campaign's types only), the unit's whole
    dossier, who sent it, and the verdict."""

    campaign: Campaign
    current: Dossier
    dossier: Dossier
    identity: Identity
    verdict: Verdict


def record_verdict(session, message_id: int, mail: ParsedMail, raw: RawMail, judged: Judged,
                   sizes: dict[str, int], rt: Runtime, corrects: str = "", confirmed: bool = False) -> VerdictRecord:
    """Record and commit; returns the verdict row (its receipt numbered).

    ``corrects``: the receipt this verdict replaces (`rules replay --apply`); ``confirmed``: a person
    credited held mail to its unit (`mailbot confirm`). In both the mail's files and flags are on
    record already; only the verdict, its findings and the reply are written.
    """
    current, dossier, identity, verdict = judged.current, judged.dossier, judged.identity, judged.verdict
    record = session.get(MessageRecord, message_id)
    record.state, record.unit, record.campaign = "processed", verdict.summary.unit, judged.campaign.id
    session.add(record)
    asked = ""
    if not (corrects or confirmed):  # the mail's files and flags are on record already
        _record_files(session, message_id, current, sizes)
        asked = question_in(mail.body_text)  # a person must answer it, not the bot
        for kind, detail in _flags(identity, mail, asked):
            session.add(FlagRecord(message_id=message_id, kind=kind, detail=detail))
    s = verdict.summary
    row = VerdictRecord(
        message_id=message_id, unit=s.unit, campaign=judged.campaign.id, tag=verdict.tag.value, late=verdict.late,
        rules_version=verdict.rules_version, ledger_name=s.ledger_file,
        ledger_sha256=dossier.ledger.sha256 if dossier.ledger else None, report_name=s.report_file,
        report_sha256=dossier.report.sha256 if dossier.report else None, rows_expected=s.rows_expected,
        rows_answered=s.rows_answered, status_counts=json.dumps(s.status_counts, ensure_ascii=False),
        identity_note=identity.how, received_at=raw.received_at)
    session.add(row)
    session.flush()
    row.receipt = f"{rt.office.day(raw.received_at):%Y%m%d}-{row.id:05d}"
    for f in verdict.findings:
        session.add(FindingRecord(verdict_id=row.id, code=f.code, severity=f.severity.value, message=f.message,
                                  hint=f.hint, file=f.place.file, sheet=f.place.sheet, cell=f.place.cell,
                                  seq=f.place.seq, page=f.place.page))
    if dossier.ledger is not None and dossier.ledger.ledger is not None:
        for seq, lrow in sorted(dossier.ledger.ledger.rows.items()):
            session.add(LedgerRowRecord(verdict_id=row.id, seq=seq, measure=lrow.text("measure"),
                                        status=lrow.text("status"), remark=lrow.text("remark")))
    now = rt.clock()
    if not _capped(session, message_id, mail.from_address, rt, now):
        ctx = context(verdict, mail, current, row.receipt, raw.received_at, rt.office, now, corrects=corrects,
                      question=bool(asked), confirmed=confirmed)
        reply = build_reply(rt.templates, ctx, mail, rt.office, now)
        queue(session, reply, mail.from_address, message_id=message_id, verdict_id=row.id)
    session.commit()
    return row


def stamp_trust(record: MessageRecord, decision: TrustDecision) -> None:
    """Write the sender trust on the message: decided once, shown wherever the mail is shown."""
    record.trust, record.trust_reasons = decision.trust.value, json.dumps(decision.reasons, ensure_ascii=False)
    record.sender_address, record.claimed_unit = decision.address, decision.unit
    auth = decision.auth
    record.auth_server, record.spf, record.dkim, record.dmarc = auth.server, auth.spf, auth.dkim, auth.dmarc


def record_held(session, message_id: int, mail: ParsedMail, raw: RawMail, current: Dossier, decision: TrustDecision,
                campaign: Campaign, sizes: dict[str, int], rt: Runtime) -> None:
    """Held, suspected or hostile mail: kept with its files and shown to staff; the unit's dossier and
    standing do not move. Only held mail is answered, with the 【待确认】 notice; the others get nothing
    (a reply would tell an impostor or an attacker that the mailbox is live)."""
    record = session.get(MessageRecord, message_id)
    record.state, record.unit, record.campaign = "held", None, campaign.id
    stamp_trust(record, decision)
    session.add(record)
    _record_files(session, message_id, current, sizes)
    session.add(FlagRecord(message_id=message_id, kind=HELD_FLAGS[decision.trust],
                           detail=held_detail(message_id, mail, decision)))
    now = rt.clock()
    if decision.answered and not _capped(session, message_id, mail.from_address, rt, now):
        staff = mail.from_address in rt.staff and decision.address == mail.from_address
        notice = held_notice(rt.templates, mail, decision.unit, decision.address, message_id, raw.received_at,
                             rt.office, now, staff=staff)
        queue(session, notice, mail.from_address, message_id=message_id)
    session.commit()


def _capped(session, message_id: int, address: str, rt: Runtime, now) -> bool:
    """True (and a flag for staff) when ``address`` had its hourly share of replies: a loop with an
    auto-responder, or someone flooding the office, ends here."""
    if q.recent_reply_count(session, address, now) < rt.reply_cap_per_hour:
        return False
    session.add(FlagRecord(message_id=message_id, kind="reply_capped",
                           detail=f"一小时内已向 {address} 回复 {rt.reply_cap_per_hour} 封，本次不再回复"))
    return True


def held_detail(message_id: int, mail: ParsedMail, decision: TrustDecision) -> str:
    """What staff read about held mail (digest, `mailbot flags`, the console): who and why. The command
    that resolves it is added where a command can be run (replies.held_commands)."""
    subject = shorten(mail.subject, 40) or "（无主题）"
    head = f"来信 {message_id}（{decision.address or mail.from_address or '发件人不明'}，主题：{subject}）"
    return f"{head}：{'；'.join(decision.reasons) or decision.trust.label}。"


def _record_files(session, message_id: int, current: Dossier, sizes: dict[str, int]) -> None:
    for role, files in (("ledger", current.ledgers), ("report", current.reports)):
        for f in files:
            session.add(AttachmentRecord(message_id=message_id, name=f.name, sha256=f.sha256, kind=f.kind.value,
                                         size=sizes.get(f.sha256, 0), role=role))
    for refused in current.refused:
        session.add(AttachmentRecord(message_id=message_id, name=refused.name, sha256="",
                                     kind=refused.kind.value if refused.kind else "", size=0, role="refused"))


def _flags(identity: Identity, mail: ParsedMail, asked: str) -> list[tuple[str, str]]:
    flags = []
    if identity.how == "unknown":
        flags.append(("unknown_unit", f"无法确认 {mail.from_address} 的单位（主题：{mail.subject[:40]}）"))
    elif identity.how == "conflict":
        flags.append(("unit_conflict", "；".join(e.describe() for e in identity.evidence)))
    elif identity.how == "inferred":
        flags.append(("unregistered_address", f"{mail.from_address} 未登记，按附件内容认定为“{identity.unit}”"))
    if asked:
        flags.append(("question", f"{identity.unit or mail.from_address}：{asked}"))
    return flags
