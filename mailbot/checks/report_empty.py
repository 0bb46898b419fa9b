"""A report with nothing on it: every page without text and without ink (blank, near-blank, a white image)."""

from __future__ import annotations

from collections.abc import Iterator

from mailbot.checks.base import CheckContext, Issue
from mailbot.findings import Finding, Place

EMPTY = Issue(
    "report.empty", "报告为空白",
    "整改报告《{name}》共 {pages} 页，每一页都是空白（没有文字，也没有扫描内容）。",
    "请发送经单位主要负责人签字并加盖公章的整改报告本身（扫描为 PDF），不要发送空白页或未扫描成功的文件。",
)
ISSUES = (EMPTY,)


def check(ctx: CheckContext) -> Iterator[Finding | None]:
    rf = ctx.report_file
    if rf is not None and rf.report.blank:
        yield ctx.finding(EMPTY, Place(file=rf.name, page=1), name=rf.name, pages=rf.report.pages)
