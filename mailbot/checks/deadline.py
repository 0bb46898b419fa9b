"""Mail received after the deadline is still judged and may be accepted, but is marked 逾期.

With ``[deadline] first_mail_counts``, a correction sent after the deadline is not 逾期 when the
unit's first ledger or report came in time.
"""

from __future__ import annotations

from collections.abc import Iterator
from zoneinfo import ZoneInfo

from mailbot.checks.base import CheckContext, Issue
from mailbot.findings import Finding, Severity

LATE = Issue(
    "deadline.late", "逾期报送",
    "{which}于 {received} 收到，已超过报送截止时间（{cutoff} 前）。",
    "材料已照常审核；逾期情况将如实报告。",
    default=Severity.WARNING,
    error_hint="逾期报送的材料不予受理；如确有特殊情况，请与县政府办公室联系。",
)
ISSUES = (LATE,)
FORMAT = "%Y年%m月%d日 %H:%M"


def check(ctx: CheckContext) -> Iterator[Finding | None]:
    if ctx.received_at is None:
        return
    received, which = ctx.received_at, "本次邮件"
    first = ctx.first_received_at
    if ctx.campaign.spec.deadline.first_mail_counts and first is not None and first < received:
        received, which = first, "贵单位首次报送材料的邮件"  # a correction is judged by when the unit first sent
    cutoff = ctx.campaign.cutoff_for(ctx.unit)
    if received >= cutoff:
        zone = ZoneInfo(ctx.campaign.spec.deadline.timezone)
        yield ctx.finding(LATE, which=which, received=received.astimezone(zone).strftime(FORMAT),
                          cutoff=cutoff.astimezone(zone).strftime(FORMAT))
