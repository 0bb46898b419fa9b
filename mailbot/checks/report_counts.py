"""The counts a report states ("涉及我乡的反馈问题共14个，已完成整改13个，正在整改0个，未整改1个") must
be the ledger's: a report written before the ledger was finished, or for another round, says otherwise."""

from __future__ import annotations

from collections.abc import Iterator

from mailbot.checks.base import CheckContext, Issue
from mailbot.findings import Finding, Place, Severity
from parsers.report_facts import stated_counts

COUNTS_MISMATCH = Issue(
    "report.counts_mismatch", "报告所述整改数与台账不一致",
    "整改报告《{name}》写明“{sentence}”，其中{report_side}；台账中{ledger_side}。",
    "请核对报告中的问题数、已完成整改数等与台账是否一致，以台账为准修改报告（或台账）后重新发送。",
    default=Severity.WARNING,
    error_message="整改报告《{name}》写明“{sentence}”，其中{report_side}，与台账不一致（台账中{ledger_side}）。",
    error_hint="请核对报告中的问题数、已完成整改数等，使报告与台账一致后重新发送。",
)
ISSUES = (COUNTS_MISMATCH,)
FIGURES = (("total", "反馈问题", None), ("done", "完成整改", "完成整改"), ("doing", "正在整改", "正在整改"),
           ("undone", "未整改", "未整改"))


def check(ctx: CheckContext) -> Iterator[Finding | None]:
    rf, lf = ctx.report_file, ctx.ledger_file
    if rf is None or lf is None or ctx.unit is None or not rf.report.has_text:
        return
    stated = stated_counts(rf.report.text)
    if stated is None:
        return
    counts = ctx.ledger_counts()
    ledger = {"total": len(ctx.own_problems()), **{key: counts.get(status, 0) for key, _, status in FIGURES if status}}
    differing = [(label, getattr(stated, key), ledger[key]) for key, label, _ in FIGURES
                 if getattr(stated, key) is not None and getattr(stated, key) != ledger[key]]
    if not differing:
        return
    report_side = "，".join(f"{label} {said} 个" for label, said, _ in differing)
    ledger_side = "，".join(f"{'本单位应填报的问题' if label == '反馈问题' else label} {has} 项" for label, _, has in differing)
    scan = rf.report.from_scan
    yield ctx.finding(COUNTS_MISMATCH, Place(file=rf.name), scan=scan, unsure=scan, name=rf.name,
                      sentence=stated.sentence, report_side=report_side, ledger_side=ledger_side)
