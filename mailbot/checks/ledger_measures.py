"""整改措施 must be written on every row of the unit, in the unit's own words."""

from __future__ import annotations

from collections.abc import Iterator

from mailbot.checks.base import CheckContext, Issue, cell_place
from mailbot.findings import Finding, Place
from mailbot.rules import normalize_name

MEASURE_MISSING = Issue(
    "ledger.measure_missing", "整改措施未填写",
    "序号 {seq} 的“整改措施”未填写。",
    "请写明针对该问题已经或将要采取的具体整改措施。",
)
EXAMPLE_LEFT = Issue(
    "ledger.example_left", "保留了模板示例文字",
    "序号 {seq} 的“整改措施”仍是模板中的示例文字（“{text}”）。",
    "请删除以“例：”开头的示例，填写本单位实际采取的整改措施。",
)
ISSUES = (MEASURE_MISSING, EXAMPLE_LEFT)


def is_example(text: str, prefixes: tuple[str, ...], template_example: str) -> bool:
    """The template's example, kept as is or with only its '例：' label removed."""
    if text.startswith(prefixes):
        return True
    if not template_example:
        return False
    bare = template_example
    for prefix in prefixes:
        bare = bare.removeprefix(prefix)
    return normalize_name(text) == normalize_name(bare)


def check(ctx: CheckContext) -> Iterator[Finding | None]:
    lf = ctx.ledger_file
    if lf is None or "measure" not in lf.ledger.columns:
        return
    prefixes = ctx.campaign.spec.ledger.example_prefixes
    required = "整改措施" in ctx.campaign.spec.ledger.required_fields
    for problem in ctx.own_problems():
        row = lf.ledger.rows.get(problem.seq)
        if row is None:
            continue  # reported by ledger_rows
        cell = row.cells.get("measure")
        place = cell_place(lf.name, cell, problem.seq) if cell else Place(file=lf.name, seq=problem.seq)
        text = row.text("measure")
        if not text:
            if required:
                yield ctx.finding(MEASURE_MISSING, place, seq=problem.seq)
        elif is_example(text, prefixes, problem.example_measure):
            short = text if len(text) <= 20 else text[:19] + "…"
            yield ctx.finding(EXAMPLE_LEFT, place, seq=problem.seq, text=short)
