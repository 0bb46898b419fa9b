"""The report's title must say what it is: a rectification report (整改…报告)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from mailbot.checks.base import CheckContext, Issue
from mailbot.findings import Finding, Place

TITLE_MISSING = Issue(
    "report.title_missing", "报告标题不符合要求",
    "整改报告《{name}》的标题“{title}”中没有“整改报告”字样。",
    "请使用“××（单位）关于政务公开反馈问题整改落实情况的报告”一类的标题。",
)
ISSUES = (TITLE_MISSING,)


def check(ctx: CheckContext) -> Iterator[Finding | None]:
    rf = ctx.report_file
    if rf is None or not rf.report.has_text_layer:
        return
    title = re.sub(r"\s+", "", rf.report.title)
    if not any(re.search(p, title) for p in ctx.campaign.spec.report.title_patterns):
        shown = title if len(title) <= 40 else title[:39] + "…"
        yield ctx.finding(TITLE_MISSING, Place(file=rf.name, page=1), name=rf.name, title=shown or "（无标题）")
