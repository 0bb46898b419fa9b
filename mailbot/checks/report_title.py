"""The report's title must say what it is: a rectification report (整改…报告).

On a scan the title is what OCR read at the top of page 1. A confident reading of a title that is
clearly another document (a 通知, a 会议纪要…) is judged as on a text PDF; any other miss is a
warning, since it may be OCR's mistake.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from mailbot.checks.base import CheckContext, Issue
from mailbot.findings import Finding, Place
from parsers.scan_text import CONFIDENT, confidence

TITLE_MISSING = Issue(
    "report.title_missing", "报告标题不符合要求",
    "整改报告《{name}》的标题“{title}”中没有“整改报告”字样。",
    "请使用“××（单位）关于政务公开反馈问题整改落实情况的报告”一类的标题。",
)
ISSUES = (TITLE_MISSING,)
OTHER_DOCUMENTS = ("通知", "纪要", "请示", "方案", "意见", "函", "决定", "通报", "批复", "总结", "计划", "讲话",
                   "简报", "说明", "汇报", "公告", "报表")


def check(ctx: CheckContext) -> Iterator[Finding | None]:
    rf = ctx.report_file
    if rf is None or not rf.report.has_text or rf.report.blank:
        return
    report = rf.report
    title = re.sub(r"\s+", "", report.title)
    if any(re.search(p, title) for p in ctx.campaign.spec.report.title_patterns):
        return
    shown = title if len(title) <= 40 else title[:39] + "…"
    unsure = report.from_scan and not (title.endswith(OTHER_DOCUMENTS) and confidence(report, title) >= CONFIDENT)
    yield ctx.finding(TITLE_MISSING, Place(file=rf.name, page=1), scan=report.from_scan, unsure=unsure,
                      name=rf.name, title=shown or "（无标题）")
