"""The report must be the unit's own: its name in the text, no other unit as its author.

On a scan the author is what OCR read in the title and the 落款: another unit read with confidence
is judged as on a text PDF; a doubtful reading, or the unit's name not found in what was read,
is a warning.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

from mailbot.checks.base import CheckContext, Issue
from mailbot.findings import MAX_ECHO, Finding, Place, shorten
from parsers.scan_text import CONFIDENT, confidence

UNIT_MISSING = Issue(
    "report.unit_missing", "报告中没有本单位名称",
    "整改报告《{name}》中没有出现本单位名称“{unit}”。",
    "请确认发送的是本单位的整改报告；报告标题或落款应写明单位名称。",
)
UNIT_MISMATCH = Issue(
    "report.unit_mismatch", "报告单位与发件单位不一致",
    "整改报告《{name}》的标题或落款单位为“{other}”，与本单位“{unit}”不一致。",
    "请核对是否误发了其他单位的整改报告。",
)
ISSUES = (UNIT_MISSING, UNIT_MISMATCH)


def check(ctx: CheckContext) -> Iterator[Finding | None]:
    rf = ctx.report_file
    if rf is None or ctx.unit is None or not rf.report.has_text or rf.report.blank:
        return
    report = rf.report
    scan = report.from_scan
    place = Place(file=rf.name, page=1)
    authors = ctx.roster.mentioned_in(report.issuer_text)
    if authors and ctx.unit not in authors:
        others = "、".join(u.name for u in authors)
        read = [line for line in report.issuer_text.splitlines() if ctx.roster.mentioned_in(line)]
        unsure = scan and min((confidence(report, line) for line in read), default=0.0) < CONFIDENT
        shown = f"“{shorten(read[0], MAX_ECHO)}”" if scan and read else ""
        finding = ctx.finding(UNIT_MISMATCH, place, scan=scan, unsure=unsure, name=rf.name, other=others,
                              unit=ctx.unit.name)
        yield _quoting(finding, shown)
    elif ctx.unit not in ctx.roster.mentioned_in(report.text):
        yield ctx.finding(UNIT_MISSING, place, scan=scan, unsure=scan, name=rf.name, unit=ctx.unit.name)


def _quoting(finding: Finding | None, read: str) -> Finding | None:
    """Say what OCR read, so the unit sees why: 识别出的内容为“西吉县兴隆镇人民政府”."""
    if finding is None or not read:
        return finding
    return replace(finding, message=f"{finding.message}识别出的内容为{read}。")
