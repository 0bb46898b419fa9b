"""Every row that concerns the unit must be in the ledger, once."""

from __future__ import annotations

from collections.abc import Iterator

from mailbot.checks.base import CheckContext, Issue
from mailbot.findings import shorten
from mailbot.findings import Finding, Place, Severity

ROW_MISSING = Issue(
    "ledger.row_missing", "缺少本单位负责的问题行",
    "台账中没有序号 {seq}（{problem}）这一行，该问题的责任单位包括本单位。",
    "请使用通知所附模板，保留序号 {seq} 这一行并填写整改措施和整改完成情况。",
)
ROW_DUPLICATED = Issue(
    "ledger.row_duplicated", "序号重复",
    "序号 {seq} 在台账中出现了不止一次，系统以第一次出现的那一行为准。",
    "请删除重复的行，每个序号只保留一行。",
    default=Severity.WARNING,
    error_message="序号 {seq} 在台账中出现了不止一次，无法确定哪一行是本单位的填报内容。",
)
ISSUES = (ROW_MISSING, ROW_DUPLICATED)


def check(ctx: CheckContext) -> Iterator[Finding | None]:
    lf = ctx.ledger_file
    if lf is None or "seq" not in lf.ledger.columns:
        return
    ledger = lf.ledger
    for problem in ctx.own_problems():
        if problem.seq not in ledger.rows:
            place = Place(file=lf.name, sheet=ledger.sheet, seq=problem.seq)
            yield ctx.finding(ROW_MISSING, place, seq=problem.seq, problem=shorten(problem.problem))
    own = {p.seq for p in ctx.own_problems()}
    for seq in ledger.duplicate_seqs:
        if seq in own:
            yield ctx.finding(ROW_DUPLICATED, Place(file=lf.name, sheet=ledger.sheet, seq=seq), seq=seq)
