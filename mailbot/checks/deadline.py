"""Mail received after the deadline is still judged and may be accepted, but is marked 逾期."""

from __future__ import annotations

from collections.abc import Iterator
from zoneinfo import ZoneInfo

from mailbot.checks.base import CheckContext, Issue
from mailbot.findings import Finding, Severity

LATE = Issue(
    "deadline.late", "逾期报送",
    "本次邮件于 {received} 收到，已超过报送截止时间（{cutoff} 前）。",
    "材料已照常审核；逾期情况将如实报告。",
    default=Severity.WARNING,
)
ISSUES = (LATE,)
FORMAT = "%Y年%m月%d日 %H:%M"


def check(ctx: CheckContext) -> Iterator[Finding | None]:
    if ctx.received_at is None:
        return
    cutoff = ctx.campaign.cutoff_for(ctx.unit)
    if ctx.received_at >= cutoff:
        zone = ZoneInfo(ctx.campaign.spec.deadline.timezone)
        yield ctx.finding(LATE, received=ctx.received_at.astimezone(zone).strftime(FORMAT),
                          cutoff=cutoff.astimezone(zone).strftime(FORMAT))
