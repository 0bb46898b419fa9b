"""The report must be the unit's own: its name in the text, no other unit as its author."""

from __future__ import annotations

from collections.abc import Iterator

from mailbot.checks.base import CheckContext, Issue
from mailbot.findings import Finding, Place

UNIT_MISSING = Issue(
    "report.unit_missing", "报告中没有本单位名称",
    "整改报告《{name}》中没有出现本单位名称“{unit}”。",
    "请确认发送的是本单位的整改报告；报告标题或落款应写明单位名称。",
)
UNIT_MISMATCH = Issue(
    "report.unit_mismatch", "报告单位与发件单位不一致",
    "整改报告《{name}》的标题或落款单位为“{other}”，与本单位“{unit}”不一致。",
    "请核对是否误发了其他单位的整改报告。",
)
ISSUES = (UNIT_MISSING, UNIT_MISMATCH)

def check(ctx: CheckContext) -> Iterator[Finding | None]:
    rf = ctx.report_file
    if rf is None or ctx.unit is None or not rf.report.has_text_layer:
        return
    report = rf.report
    place = Place(file=rf.name, page=1)
    authors = ctx.roster.mentioned_in(report.issuer_text)
    if authors and ctx.unit not in authors:
        others = "、".join(u.name for u in authors)
        yield ctx.finding(UNIT_MISMATCH, place, name=rf.name, other=others, unit=ctx.unit.name)
    elif ctx.unit not in ctx.roster.mentioned_in(report.text):
        yield ctx.finding(UNIT_MISSING, place, name=rf.name, unit=ctx.unit.name)
