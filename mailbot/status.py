"""Where every unit of the roster stands in a campaign: the table behind `mailbot status` and the digest."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session

from mailbot import queries as q
from mailbot.dossier import IDENTITY_LABELS
from mailbot.findings import Place, Severity, VerdictTag
from mailbot.models import MessageRecord
from mailbot.rules import Campaign, Rules
from mailbot.trust import Trust
from mailbot.verdict_text import MARKS

# A unit's state in a campaign: its newest verdict's tag (or a person's decision), or no mail yet
ACCEPTED, NEEDS_FIX, UNIT_UNKNOWN = VerdictTag.ACCEPTED.value, VerdictTag.NEEDS_FIX.value, VerdictTag.UNIT_UNKNOWN.value
NOT_SUBMITTED = "未报送"
OVERDUE = "逾期未报送"


@dataclass(frozen=True)
class UnitState:
    unit: str
    kind: str
    state: str  # 未报送 | 逾期未报送 | 已受理 | 需补正 | 无法确认单位
    late: bool
    last_mail: datetime | None
    open_findings: int  # errors in the newest verdict
    receipt: str = ""
    status_counts: dict | None = None
    override: str = ""  # "王雪倩：纸质版已盖章，准予受理" when a person decided over the verdict


def unit_states(session: Session, rules: Rules, campaign: Campaign, now: datetime) -> list[UnitState]:
    latest = q.latest_verdicts(session, campaign.id)
    states = []
    for unit in rules.roster.units:
        verdict = latest.get(unit.name)
        if verdict is None:
            state = OVERDUE if now >= campaign.cutoff_for(unit) else NOT_SUBMITTED
            states.append(UnitState(unit.name, unit.kind.value, state, state == OVERDUE, None, 0))
            continue
        errors = q.findings_of(session, verdict.id, "error")
        override = q.override_of(session, verdict.id)
        tag = override.tag if override else verdict.tag
        note = f"{override.by}：{override.comment}" if override else ""
        states.append(UnitState(unit.name, unit.kind.value, tag, verdict.late, verdict.received_at,
                                0 if override else len(errors), verdict.receipt, json.loads(verdict.status_counts),
                                note))
    return states


def _pad(text: str, width: int) -> str:
    """Pad with full-width spaces: every cell here is CJK text, two columns per character."""
    return text + "　" * max(0, width - len(text))


def format_states(states: list[UnitState], zone: str) -> str:
    tz = ZoneInfo(zone)
    width = max(len(s.unit) for s in states)
    lines = [f"{_pad('单位', width)}  {_pad('状态', 9)}  最后来信     未改正  回执编号"]
    for s in states:
        when = s.last_mail.astimezone(tz).strftime("%m-%d %H:%M") if s.last_mail else "—".ljust(11)
        state = s.state + ("（人工）" if s.override else "") + ("（逾期）" if s.late and s.state != OVERDUE else "")
        errors = str(s.open_findings) if s.open_findings else ""
        lines.append(f"{_pad(s.unit, width)}  {_pad(state, 9)}  {when:<11}  {errors:<6}  {s.receipt}")
    counts: dict[str, int] = {}
    for s in states:
        counts[s.state] = counts.get(s.state, 0) + 1
    summary = "，".join(f"{k} {v}" for k, v in counts.items())
    late = sum(1 for s in states if s.late)
    lines.append(f"\n共 {len(states)} 个单位：{summary}；逾期 {late} 个。")
    return "\n".join(lines)


def format_receipt(session: Session, receipt: str, zone: str) -> str | None:
    verdict = q.verdict_by_receipt(session, receipt)
    if verdict is None:
        return None
    tz = ZoneInfo(zone)
    message = session.get(MessageRecord, verdict.message_id)
    findings = q.findings_of(session, verdict.id)
    replies = q.replies_of(session, verdict.id)
    lines = [
        f"回执编号 {verdict.receipt}：{verdict.unit or '（无法确认单位）'} — {verdict.tag}{'（逾期）' if verdict.late else ''}",
        f"收到时间：{verdict.received_at.astimezone(tz):%Y-%m-%d %H:%M}　发件人：{message.from_address}",
        f"邮件主题：{message.subject}",
        f"台账：{verdict.ledger_name or '—'}　报告：{verdict.report_name or '—'}",
        f"填报：应填 {verdict.rows_expected} 项，已填 {verdict.rows_answered} 项　"
        f"{'，'.join(f'{k} {v}' for k, v in json.loads(verdict.status_counts).items())}",
        f"单位认定：{IDENTITY_LABELS.get(verdict.identity_note, verdict.identity_note)}　规则版本：{verdict.rules_version}",
        *trust_lines(session, message, tz),
    ]
    if message.attempts > 1:
        lines.append(f"处理次数：{message.attempts}（此前 {message.attempts - 1} 次出错或中断，见 mailbot flags --all）")
    for f in findings:
        place = Place(f.file, f.sheet, f.cell, f.seq, f.page).describe()
        lines.append(f"  {MARKS[Severity(f.severity)]} {place + '：' if place else ''}{f.message}　[{f.code}]")
    for o in q.overrides_of(session, verdict.id):
        lines.append(f"人工决定：{o.tag}（{o.by}，{o.created_at.astimezone(tz):%Y-%m-%d %H:%M}）{o.comment}")
    for r in replies:
        lines.append(f"回复：{r.subject} → {r.to_address}（{REPLY_STATES[r.state]}）")
    return "\n".join(lines)


MESSAGE_STATES = {"new": "待处理", "processed": "已处理", "ignored": "不予回复", "duplicate": "重复邮件",
                  "failed": "处理出错", "held": "等待人工确认", "rejected": "已人工关闭（不予计入）"}


def trust_lines(session: Session, message: MessageRecord, tz: ZoneInfo) -> list[str]:
    """The sender trust of a message, its reasons, and what a person decided about it."""
    if not message.trust:
        return []
    auth = f"（SPF {message.spf or '无结果'}，DKIM {message.dkim or '无结果'}，DMARC {message.dmarc or '无结果'}，" \
           f"{message.auth_server}）" if message.auth_server else ""
    lines = [f"发件人可信度：{Trust(message.trust).label}{auth}"]
    lines += [f"  · {reason}" for reason in json.loads(message.trust_reasons or "[]")]
    for review in q.reviews_of(session, message.id):
        when = review.created_at.astimezone(tz).strftime("%Y-%m-%d %H:%M")
        what = f"确认计入{review.unit}" + ("，并登记了发件邮箱" if review.registered else "") \
            if review.action == "confirmed" else f"不予计入：{review.comment}"
        lines.append(f"人工处理：{what}（{review.by}，{when}）")
    return lines


def format_message(session: Session, ref: str, zone: str) -> str | None:
    """One mail by its number (来信编号): what it was, who sent it, how far it was trusted, what became of it."""
    if not ref.strip().isdigit():
        return None
    message = session.get(MessageRecord, int(ref))
    if message is None:
        return None
    tz = ZoneInfo(zone)
    lines = [f"来信编号 {message.id}：{MESSAGE_STATES.get(message.state, message.state)}"
             + (f"（{message.reason}）" if message.reason else ""),
             f"收到时间：{message.received_at.astimezone(tz):%Y-%m-%d %H:%M}　发件人：{message.from_address or '—'}",
             f"邮件主题：{message.subject or '（无主题）'}"]
    if message.claimed_unit and message.unit is None:
        lines.append(f"来信所称单位：{message.claimed_unit}")
    lines += trust_lines(session, message, tz)
    for attachment in q.attachments_of(session, message.id):
        lines.append(f"  附件：{attachment.name}（{ROLE_LABELS.get(attachment.role, attachment.role)}）")
    for verdict in q.verdicts_of_message(session, message.id):
        lines.append(f"回执 {verdict.receipt}：{verdict.unit or '（无法确认单位）'} — {verdict.tag}（详见 mailbot show {verdict.receipt}）")
    for reply in q.outbox_of_message(session, message.id):
        lines.append(f"回复：{reply.subject} → {reply.to_address}（{REPLY_STATES[reply.state]}）")
    return "\n".join(lines)


ROLE_LABELS = {"ledger": "台账", "report": "报告", "refused": "未受理"}
REPLY_STATES = {"pending": "待发送", "sent": "已发送", "failed": "发送失败"}
