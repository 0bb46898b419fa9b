"""The ledger's 单位 must be the unit being judged."""

from __future__ import annotations

from collections.abc import Iterator

from mailbot.checks.base import CheckContext, Issue, cell_place
from mailbot.findings import Finding, Severity

UNIT_MISMATCH = Issue(
    "ledger.unit_mismatch", "台账单位与发件单位不一致",
    "台账“单位”填写为“{written}”，与本单位“{unit}”不一致。",
    "请核对是否误发了其他单位的台账；如确为本单位台账，请更正“单位”栏。",
)
UNIT_UNKNOWN = Issue(
    "ledger.unit_unknown", "台账单位不在名册中",
    "台账“单位”填写为“{written}”，与报送名册中的单位名称对不上。",
    "请填写单位全称，如“{unit}”。",
    default=Severity.WARNING,
)
ISSUES = (UNIT_MISMATCH, UNIT_UNKNOWN)


def check(ctx: CheckContext) -> Iterator[Finding | None]:
    lf = ctx.ledger_file
    if lf is None or ctx.unit is None or lf.ledger.unit is None or not lf.ledger.unit.text:
        return
    cell = lf.ledger.unit
    named = ctx.roster.named(cell.text)
    if named is None:
        yield ctx.finding(UNIT_UNKNOWN, cell_place(lf.name, cell), written=cell.text, unit=ctx.unit.name)
    elif named != ctx.unit:
        yield ctx.finding(UNIT_MISMATCH, cell_place(lf.name, cell), written=cell.text, unit=ctx.unit.name)
