"""A scanned report: read by OCR when it is installed; what could not be read, and the red seal."""

from __future__ import annotations

from collections.abc import Iterator

from mailbot.checks.base import CheckContext, Issue
from mailbot.findings import Finding, Place, Severity

NO_TEXT = Issue(
    "report.no_text", "报告为扫描件",
    "整改报告《{name}》为扫描件（没有可识别的文字），系统无法核对其中的单位名称和标题，将由工作人员人工核对。",
    "无需处理。如方便，可另附一份可复制文字的 PDF 版本。",
    default=Severity.WARNING,
    error_message="整改报告《{name}》为扫描件（没有可识别的文字），系统无法核对其中的单位名称和标题。",
    error_hint="请另附一份由 Word 或 WPS 直接导出、可以复制文字的 PDF 版本（盖章扫描件可一并发送）后重新发送。",
)
SEAL_MISSING = Issue(
    "report.seal_missing", "未发现公章",
    "整改报告《{name}》中未发现红色公章印迹。",
    "请发送经单位主要负责人签字并加盖公章后的扫描件（彩色扫描，PDF 格式）。",
    default=Severity.WARNING,
)
ISSUES = (NO_TEXT, SEAL_MISSING)


def check(ctx: CheckContext) -> Iterator[Finding | None]:
    rf = ctx.report_file
    if rf is None or rf.report.blank:  # report.empty says it all
        return
    report = rf.report
    if not report.has_text:  # no text layer, and OCR is off, failed or read nothing
        page = report.scanned_pages[0] if report.scanned_pages else None
        yield ctx.finding(NO_TEXT, Place(file=rf.name, page=page), name=rf.name)
    if report.seals and not report.seal_found:
        yield ctx.finding(SEAL_MISSING, Place(file=rf.name, page=report.seals[-1].page), name=rf.name)
