"""A person's decision over the machine's verdict: recorded with who, when and why, and told to the unit.

The unit already holds the machine's 回执; without a notice it would go on believing it (and
resubmit an accepted dossier, or never fix a rejected one). The notice goes to the address
the submission came from, as a reply to it, through the usual outbox in the same transaction
as the record, so it is sent exactly once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from mailbot import queries as q
from mailbot import store as db
from mailbot.audit import Actor, note
from mailbot.letters import office_letter
from mailbot.models import MessageRecord, OverrideRecord, VerdictRecord
from mailbot.outbox import queue
from mailbot.runtime import Runtime


class OverrideError(Exception):
    """The override cannot be recorded (unknown, superseded or unit-less receipt, no name); the message says why, in Chinese."""


@dataclass(frozen=True)
class OverrideDone:
    unit: str
    receipt: str
    machine_tag: str
    decision: str
    notified: str  # the address told, "" when not


def override(rt: Runtime, receipt: str, decision: str, who: str, comment: str, notify: bool,
             now: datetime, via: str = "cli") -> OverrideDone:
    """Record the decision (and its audit row, ``via`` the console or a command) and queue the notice."""
    if not who.strip():
        raise OverrideError("--by 须写明作出决定的人的姓名，如 --by 王雪倩")
    with rt.store.session() as session:
        db.begin_write(session)  # the daemon may record a newer verdict meanwhile: checked and written as one
        verdict = q.verdict_by_receipt(session, receipt)
        if verdict is None:
            raise OverrideError(f"没有回执编号为 {receipt} 的记录")
        if verdict.unit:  # PostgreSQL: the lock a worker holds while it judges and records this unit
            db.lock(session, f"dossier/{verdict.campaign}/{verdict.unit}")
        refusal = _refusal(session, verdict)
        if refusal:
            raise OverrideError(refusal)
        session.add(OverrideRecord(verdict_id=verdict.id, tag=decision, by=who, comment=comment, created_at=now))
        message = session.get(MessageRecord, verdict.message_id)
        address = message.from_address if notify else ""
        if address:
            msg = office_letter(rt.office, address, notice_subject(verdict.unit or "", decision, receipt), now,
                                rt.templates.get_template("override.txt.j2").render(
                                    unit=verdict.unit or "您好", receipt=receipt, machine_tag=verdict.tag,
                                    decision=decision, comment=comment, subject=message.subject or "（无主题）",
                                    received=rt.office.time_of(verdict.received_at),
                                    contact=rt.office.phone, office_name=rt.office.name,
                                    today=rt.office.date_of(now)),
                                loop=f"override-{receipt}", answering=(message.message_id, ()))
            queue(session, msg, address, message_id=message.id, verdict_id=verdict.id)
        why = f"，理由：{comment}" if comment else ""
        told = f"，已邮件告知 {address}" if address else "，未邮件告知单位"
        note(session, Actor(who, via), "override", receipt,
             f"{verdict.unit}：系统结论“{verdict.tag}”改定为“{decision}”{why}{told}", now)
        session.commit()
        return OverrideDone(verdict.unit or "", receipt, verdict.tag, decision, address)


def _refusal(session, verdict: VerdictRecord) -> str:
    """Why this verdict cannot be overridden, or "".

    Status, digest and export count each unit's newest verdict: a decision on an older one would be
    mailed to the unit as 已受理 while its status stayed 需补正. Without a unit nothing can count it.
    """
    if verdict.unit is None:
        return (f"回执 {verdict.receipt} 的来信未能确认是哪个单位报送的，无法人工认定。请先核实单位："
                "如为未登记的邮箱，可在 rules/units.toml 中登记后请该单位重新发送")
    newer = q.newest_verdict_after(session, verdict)
    if newer is not None:
        return (f"回执 {verdict.receipt} 已不是{verdict.unit}的最新结论：其后的回执 {newer.receipt}（{newer.tag}）"
                f"才是该单位现在的结论。请核对后对 {newer.receipt} 作人工认定")
    return ""


def notice_subject(unit: str, decision: str, receipt: str) -> str:
    return f"【{decision}】{unit}整改材料人工审核结果（编号 {receipt}）"
