"""The evidence about the sender must agree; an unregistered address is accepted with a note."""

from __future__ import annotations

from collections.abc import Iterator

from mailbot.checks.base import CheckContext, Issue
from mailbot.findings import Finding, Severity

CONFLICT = Issue(
    "unit.conflict", "单位不一致",
    "无法确定报送单位，邮件中的信息相互矛盾：{details}。",
    "请核对是否误发了其他单位的材料；确认后请用本单位登记的邮箱重新发送本单位的台账和报告。",
)
INFERRED = Issue(
    "unit.inferred", "发件邮箱未登记",
    "发件邮箱 {address} 未在报送名册中登记，系统根据{sources}确认为“{unit}”。",
    "如该邮箱确为本单位使用，请联系县政府办公室登记；今后请尽量使用登记的邮箱报送。",
    default=Severity.WARNING,
    error_message="发件邮箱 {address} 未在报送名册中登记（系统根据{sources}判断来自“{unit}”），本次材料不予受理。",
    error_hint="请用本单位登记的邮箱重新发送；如该邮箱确为本单位使用，请先联系县政府办公室登记。",
)
ISSUES = (CONFLICT, INFERRED)


def check(ctx: CheckContext) -> Iterator[Finding | None]:
    identity = ctx.identity
    if identity is None:
        return
    if identity.how == "conflict":
        details = "；".join(e.describe() for e in identity.evidence)
        yield ctx.finding(CONFLICT, details=details)
    elif identity.how == "inferred":
        sources = "、".join(dict.fromkeys(e.describe().split("（")[0] for e in identity.evidence))
        yield ctx.finding(INFERRED, address=identity.address or "（未知）", sources=sources, unit=identity.unit)
