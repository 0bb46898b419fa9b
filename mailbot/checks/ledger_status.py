"""整改完成情况 must be one of the allowed statuses; tolerated synonyms are normalised."""

from __future__ import annotations

from collections.abc import Iterator

from mailbot.checks.base import CheckContext, Issue, cell_place
from mailbot.findings import Finding, Place, Severity
from mailbot.rules import Problem, Statuses, normalize_name

STATUS_MISSING = Issue(
    "ledger.status_missing", "整改完成情况未选择",
    "序号 {seq} 的“整改完成情况”{what}。",
    "请从下拉列表中选择“{allowed}”之一，每行只选一项。",
)
STATUS_INVALID = Issue(
    "ledger.status_invalid", "整改完成情况填写不规范",
    "序号 {seq} 的“整改完成情况”填写为“{value}”，不是规定的选项。",
    "请从下拉列表中选择“{allowed}”之一；需要说明的情况请写在“备注”中。",
)
STATUS_SYNONYM = Issue(
    "ledger.status_synonym", "整改完成情况写法已归并",
    "序号 {seq} 的“整改完成情况”填写为“{value}”，已按“{status}”处理。",
    "今后请直接从下拉列表中选择规范写法“{status}”。",
    default=Severity.WARNING,
    error_message="序号 {seq} 的“整改完成情况”填写为“{value}”，不是规定的写法。",
    error_hint="请改为规范写法“{status}”（可从下拉列表中选择）后重新发送。",
)
ISSUES = (STATUS_MISSING, STATUS_INVALID, STATUS_SYNONYM)


def _is_placeholder(text: str, problem: Problem, statuses: Statuses) -> bool:
    """The template's '完成整改 正在整改 未整改(…)' left as is, or several options kept."""
    if problem.example_status and normalize_name(text) == normalize_name(problem.example_status):
        return True
    return sum(1 for s in statuses.allowed if s in text) > 1


def check(ctx: CheckContext) -> Iterator[Finding | None]:
    lf = ctx.ledger_file
    if lf is None or "status" not in lf.ledger.columns:
        return
    statuses = ctx.campaign.spec.statuses
    allowed = "”“".join(statuses.allowed)
    required = "整改完成情况" in ctx.campaign.spec.ledger.required_fields
    for problem in ctx.own_problems():
        row = lf.ledger.rows.get(problem.seq)
        if row is None:
            continue
        cell = row.cells.get("status")
        place = cell_place(lf.name, cell, problem.seq) if cell else Place(file=lf.name, seq=problem.seq)
        text = row.text("status")
        status, synonym = statuses.normalize(text)
        if not text:
            if required:
                yield ctx.finding(STATUS_MISSING, place, seq=problem.seq, what="未填写", allowed=allowed)
        elif status is None and _is_placeholder(text, problem, statuses):
            yield ctx.finding(STATUS_MISSING, place, seq=problem.seq,
                              what="仍是模板中的全部选项，未作选择", allowed=allowed)
        elif status is None:
            yield ctx.finding(STATUS_INVALID, place, seq=problem.seq, value=text, allowed=allowed)
        elif synonym:
            yield ctx.finding(STATUS_SYNONYM, place, seq=problem.seq, value=text, status=status)
