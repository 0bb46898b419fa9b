"""Statuses such as 未整改 need a reason in 备注."""

from __future__ import annotations

from collections.abc import Iterator

from mailbot.checks.base import CheckContext, Issue, cell_place
from mailbot.findings import Finding, Place

REASON_MISSING = Issue(
    "ledger.reason_missing", "未说明原因",
    "序号 {seq} 的整改完成情况为“{status}”，但“备注”中未注明原因。",
    "请在该行“备注”中写明{status}的原因及下一步计划、预计完成时间。",
)
ISSUES = (REASON_MISSING,)

_EMPTY_REMARKS = {"", "无", "/", "-", "—", "暂无"}


def check(ctx: CheckContext) -> Iterator[Finding | None]:
    lf = ctx.ledger_file
    if lf is None or "status" not in lf.ledger.columns:
        return
    statuses = ctx.campaign.spec.statuses
    for problem in ctx.own_problems():
        row = lf.ledger.rows.get(problem.seq)
        if row is None:
            continue
        status, _ = statuses.normalize(row.text("status"))
        if status not in statuses.needs_reason or row.text("remark") not in _EMPTY_REMARKS:
            continue
        cell = row.cells.get("remark") or row.cells.get("status")
        place = cell_place(lf.name, cell, problem.seq) if cell else Place(file=lf.name, seq=problem.seq)
        yield ctx.finding(REASON_MISSING, place, seq=problem.seq, status=status)
