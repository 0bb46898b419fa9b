"""反馈问题 is the auditors' text: a unit should not rewrite it (a warning by default)."""

from __future__ import annotations

from collections.abc import Iterator

from mailbot.checks.base import CheckContext, Issue, cell_place
from mailbot.findings import Finding, Severity
from mailbot.rules import normalize_name

PROBLEM_CHANGED = Issue(
    "ledger.problem_changed", "反馈问题原文被改动",
    "序号 {seq} 的“反馈问题”与通知所附模板的原文不一致。",
    "请勿改动反馈问题原文；如认为问题与实际不符，请在“备注”中作出具体说明。",
    default=Severity.WARNING,
)
ISSUES = (PROBLEM_CHANGED,)


def check(ctx: CheckContext) -> Iterator[Finding | None]:
    lf = ctx.ledger_file
    if lf is None or "problem" not in lf.ledger.columns:
        return
    for problem in ctx.own_problems():
        row = lf.ledger.rows.get(problem.seq)
        cell = row.cells.get("problem") if row else None
        if cell is None:
            continue
        if normalize_name(cell.text) != normalize_name(problem.problem):
            yield ctx.finding(PROBLEM_CHANGED, cell_place(lf.name, cell, problem.seq), seq=problem.seq)
