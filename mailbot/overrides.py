"""A person's decision over the machine's verdict: recorded with who, when and why, and told to the unit.

The unit already holds the machine's 回执; without a notice it would go on believing it (and
resubmit an accepted dossier, or never fix a rejected one). The notice goes to the address
the submission came from, as a reply to it, through the usual outbox in the same transaction
as the record, so it is sent exactly once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from email.policy import SMTP

from mailbot import store as q
from mailbot.letters import local_date, local_time, office_letter
from mailbot.models import MessageRecord, OutboxRecord, OverrideRecord
from mailbot.pipeline import Runtime

class OverrideError(Exception):
    """The override cannot be recorded (unknown receipt); the message says why, in Chinese."""


@dataclass(frozen=True)
class OverrideDone:
    unit: str
    receipt: str
    machine_tag: str
    decision: str
    notified: str  # the address told, "" when not


def override(rt: Runtime, receipt: str, decision: str, who: str, comment: str, notify: bool,
             now: datetime) -> OverrideDone:
    with rt.store.session() as session:
        verdict = q.verdict_by_receipt(session, receipt)
        if verdict is None:
            raise OverrideError(f"没有回执编号为 {receipt} 的记录")
        session.add(OverrideRecord(verdict_id=verdict.id, tag=decision, by=who, comment=comment, created_at=now))
        message = session.get(MessageRecord, verdict.message_id)
        address = message.from_address if notify else ""
        if address:
            msg = office_letter(rt.office, address, notice_subject(verdict.unit or "", decision, receipt), now,
                                rt.templates.get_template("override.txt.j2").render(
                                    unit=verdict.unit or "您好", receipt=receipt, machine_tag=verdict.tag,
                                    decision=decision, comment=comment, subject=message.subject or "（无主题）",
                                    received=local_time(verdict.received_at),
                                    contact=rt.office.phone, office_name=rt.office.name,
                                    today=local_date(now)),
                                loop=f"override-{receipt}", answering=(message.message_id, ()))
            session.add(OutboxRecord(message_id=message.id, verdict_id=verdict.id, to_address=address,
                                     subject=str(msg["Subject"]), rfc_message_id=msg["Message-ID"],
                                     raw=msg.as_bytes(policy=SMTP)))
        session.commit()
        return OverrideDone(verdict.unit or "", receipt, verdict.tag, decision, address)


def notice_subject(unit: str, decision: str, receipt: str) -> str:
    return f"【{decision}】{unit}整改材料人工审核结果（编号 {receipt}）"
