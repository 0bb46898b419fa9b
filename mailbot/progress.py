"""The state of a campaign as office staff need it: counts, the roster, changes, what needs a person,
and per problem how the units answered. Built from the database; the digest, the consolidated
workbook and the reminders all read this one value.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session

from mailbot import queries as q
from mailbot.models import FlagRecord, LedgerRowRecord
from mailbot.replies import held_commands
from mailbot.rules import Campaign, Rules
from mailbot.status import ACCEPTED, NOT_SUBMITTED, OVERDUE, UnitState, unit_states

NO_ANSWER = "未填报"
FLAG_LABELS = {
    "unknown_unit": "无法确认单位的来信",
    "unit_conflict": "单位不一致",
    "unregistered_address": "未登记邮箱来信",
    "delivery_failed": "回执无法送达",
    "failed": "处理出错的邮件",
    "reply_capped": "回复次数超限",
    "question": "来信中的提问（请人工答复）",
    "held": "待确认的来信（发件邮箱不是该单位登记的邮箱）",
    "suspected": "疑似冒充的来信（未回复）",
    "quarantined": "含可疑内容的来信（已隔离，未回复）",
    "receive_time": "收到时间未经服务器记录的来信（请核对是否逾期）",
}
HELD_KINDS = ("held", "suspected", "quarantined")  # flags of mail kept from a unit's record until a person decides
# how the sender of a credited mail was vouched for, when not by a registered address
SENDER_NOTES = {"unregistered": "未登记邮箱", "staff_forward": "工作人员转发", "held": "经人工确认",
                "suspected": "经人工确认"}


@dataclass(frozen=True)
class Change:
    when: datetime
    unit: str
    tag: str
    late: bool
    receipt: str
    sender: str = ""  # SENDER_NOTES: how the sender was vouched for, "" for a registered address


@dataclass(frozen=True)
class Attention:
    kind: str  # a FLAG_LABELS key
    when: datetime
    detail: str
    todo: str = ""  # for held mail: the command that resolves it


@dataclass(frozen=True)
class ProblemProgress:
    seq: int
    problem: str
    owners: str
    expected: int
    counts: dict[str, int]  # allowed status (and 未填报) → units


@dataclass(frozen=True)
class Progress:
    campaign: Campaign
    now: datetime
    states: list[UnitState]
    changes: list[Change]
    attention: list[Attention]
    problems: list[ProblemProgress]
    rows: dict[str, dict[int, LedgerRowRecord]] = field(default_factory=dict)  # unit → seq → newest row
    daily_accepted: list[tuple[str, int]] = field(default_factory=list)  # (date, units accepted by then)

    def count(self, state: str) -> int:
        return sum(1 for s in self.states if s.state == state)

    @property
    def missing(self) -> int:
        return self.count(NOT_SUBMITTED) + self.count(OVERDUE)

    @property
    def late(self) -> int:
        return sum(1 for s in self.states if s.late)

    @property
    def days_left(self) -> int:
        """Whole days until the deadline's cutoff (negative once past)."""
        zone = ZoneInfo(self.campaign.spec.deadline.timezone)
        cutoff = self.campaign.cutoff_for(None).astimezone(zone).date()
        return (cutoff - self.now.astimezone(zone).date()).days - (1 if self.campaign.spec.deadline.inclusive else 0)


def build_progress(session: Session, rules: Rules, campaign: Campaign, now: datetime,
                   since: datetime | None = None) -> Progress:
    states = unit_states(session, rules, campaign, now)
    latest = q.latest_verdicts(session, campaign.id)
    rows: dict[str, dict[int, LedgerRowRecord]] = {}
    for unit, verdict in latest.items():
        rows[unit] = {r.seq: r for r in q.ledger_rows_of(session, verdict.id)}
    return Progress(
        campaign=campaign,
        now=now,
        states=states,
        changes=_changes(session, campaign, since),
        attention=_attention(session, since),
        problems=_problems(rules, campaign, rows),
        rows=rows,
        daily_accepted=_daily(session, campaign),
    )


def _changes(session: Session, campaign: Campaign, since: datetime | None) -> list[Change]:
    verdicts = q.campaign_verdicts(session, campaign.id, since)
    trust = q.trust_of_messages(session, {v.message_id for v in verdicts})
    return [Change(v.received_at, v.unit, v.tag, v.late, v.receipt, SENDER_NOTES.get(trust.get(v.message_id, ""), ""))
            for v in verdicts]


def _attention(session: Session, since: datetime | None) -> list[Attention]:
    """Open flags (all unresolved ones, not only new: they need a person until resolved)."""
    flags = q.flags(session)
    todo = held_todo(session, flags)
    return [Attention(f.kind, f.created_at, f.detail, todo.get(f.id, "")) for f in flags]


def held_todo(session: Session, flags: list[FlagRecord]) -> dict[int, str]:
    """For the flags of held mail: the command that resolves each (by flag id), as a shell user runs it."""
    held = [f for f in flags if f.kind in HELD_KINDS and f.message_id is not None and not f.resolved]
    claimed = q.claimed_units(session, {f.message_id for f in held})
    return {f.id: held_commands(f.kind, f.message_id, claimed.get(f.message_id)) for f in held}


def _problems(rules: Rules, campaign: Campaign, rows: dict[str, dict[int, LedgerRowRecord]]) -> list[ProblemProgress]:
    statuses = campaign.spec.statuses
    out = []
    for problem in campaign.problems:
        owners = [u for u in rules.roster.units if problem.concerns(u)]
        counts = Counter({s: 0 for s in (*statuses.allowed, NO_ANSWER)})
        for unit in owners:
            row = rows.get(unit.name, {}).get(problem.seq)
            status = statuses.normalize(row.status)[0] if row and row.status else None
            counts[status or NO_ANSWER] += 1
        out.append(ProblemProgress(problem.seq, problem.problem, problem.owner_text, len(owners), dict(counts)))
    return out


def _daily(session: Session, campaign: Campaign) -> list[tuple[str, int]]:
    """For each day with mail: how many units stood accepted at its end (progress over time)."""
    zone = ZoneInfo(campaign.spec.deadline.timezone)
    verdicts = sorted(q.campaign_verdicts(session, campaign.id), key=lambda v: v.received_at)
    state: dict[str, str] = {}
    days: dict[str, int] = {}
    for v in verdicts:
        state[v.unit] = v.tag
        days[v.received_at.astimezone(zone).strftime("%m-%d")] = sum(1 for t in state.values() if t == ACCEPTED)
    return list(days.items())


def unit_addresses(session: Session, rules: Rules, unit: str) -> tuple[str, ...]:
    """Where to write to a unit: its registered addresses, else the address it last mailed from."""
    registered = rules.roster.get(unit).addresses if rules.roster.get(unit) else ()
    if registered:
        return tuple(registered)
    last = q.last_address_of(session, unit)
    return (last,) if last else ()
