"""Reminders before the deadline to units not yet accepted: each unit once per reminder slot.

A slot is "``days_before`` days before the last day, at ``time``" in the office's zone. It is due
from that moment until the unit's cutoff; units already accepted are never reminded; a unit
with an extension is reminded against its own date.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from email.message import EmailMessage
from zoneinfo import ZoneInfo

from sqlmodel import Session

from mailbot import queries as q
from mailbot import store as db
from mailbot.letters import office_letter
from mailbot.models import ReminderRecord
from mailbot.outbox import queue
from mailbot.progress import unit_addresses
from mailbot.rules import Campaign
from mailbot.runtime import Runtime
from mailbot.settings import ReminderSettings
from mailbot.status import ACCEPTED, NEEDS_FIX, NOT_SUBMITTED, unit_states


@dataclass(frozen=True)
class Reminder:
    unit: str
    state: str
    addresses: tuple[str, ...]
    slot: str
    receipt: str = ""


def slot_time(campaign: Campaign, cutoff: datetime, rule: ReminderSettings, zone: str) -> datetime:
    tz = ZoneInfo(zone)
    last_day = (cutoff.astimezone(tz) - timedelta(seconds=1)).date()
    hour, minute = map(int, rule.time.split(":"))
    return datetime.combine(last_day - timedelta(days=rule.days_before), time(hour, minute), tzinfo=tz)


def due_reminders(session: Session, rt: Runtime, campaign: Campaign, rules_: tuple[ReminderSettings, ...],
                  zone: str, now: datetime) -> list[Reminder]:
    sent = q.reminder_slots_sent(session, campaign.id)
    out = []
    for state in unit_states(session, rt.rules, campaign, now):
        if state.state == ACCEPTED:
            continue
        unit = rt.rules.roster.get(state.unit)
        cutoff = campaign.cutoff_for(unit)
        for rule in rules_:
            slot = f"{rule.days_before}d@{rule.time}"
            if (state.unit, slot) in sent or not slot_time(campaign, cutoff, rule, zone) <= now < cutoff:
                continue
            label = NEEDS_FIX if state.state == NEEDS_FIX else NOT_SUBMITTED
            out.append(Reminder(state.unit, label, unit_addresses(session, rt.rules, state.unit), slot, state.receipt))
    return out


def queue_reminders(rt: Runtime, campaign: Campaign, reminders: list[Reminder], zone: str, now: datetime) -> int:
    """Reminder mails into the outbox and the slots recorded, in one transaction; 0 when another
    worker recorded these slots first (the table keeps each unit's slot once)."""
    queued = 0
    with rt.store.session() as session:
        for reminder in reminders:
            session.add(ReminderRecord(campaign=campaign.id, unit=reminder.unit, slot=reminder.slot,
                                       state=reminder.state))
            for address in reminder.addresses:
                message = _message(rt, campaign, reminder, address, zone, now)
                queue(session, message, address)
                queued += 1
        if not db.try_commit(session):
            return 0
    return queued


def _message(rt: Runtime, campaign: Campaign, reminder: Reminder, address: str, zone: str,
             now: datetime) -> EmailMessage:
    tz = ZoneInfo(zone)
    deadline = campaign.spec.deadline
    shown = campaign.last_day_for(reminder.unit)
    ctx = {
        "unit": reminder.unit, "state": reminder.state, "receipt": reminder.receipt,
        "now": now.astimezone(tz).strftime("%m月%d日 %H:%M"), "doc_number": campaign.spec.doc_number,
        "title": campaign.spec.title, "deadline": f"{shown:%Y年%m月%d日}" + ("（含当日）" if deadline.inclusive else ""),
        "contact": rt.office.phone, "office_name": rt.office.name, "today": now.astimezone(tz).strftime("%Y年%m月%d日"),
    }
    tag = "【请补正】" if reminder.state == NEEDS_FIX else "【报送提醒】"
    return office_letter(rt.office, address, f"{tag}{reminder.unit}：请于{ctx['deadline']}前报送整改台账和整改报告",
                         now, rt.templates.get_template("reminder.txt.j2").render(ctx),
                         loop=f"reminder-{reminder.slot}")
