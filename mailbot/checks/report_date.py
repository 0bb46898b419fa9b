"""The report's date (落款日期) must fit the round: not after the mail arrived, not before the notice was issued.

A date after receipt is usually a typing slip (2012 for 2021) or a report signed in advance; a date
before the notice (``notice_date`` in campaign.toml) is usually last round's report sent again.
Both are warnings: the date is for a person to look at, not a reason to refuse the report.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from zoneinfo import ZoneInfo

from mailbot.checks.base import CheckContext, Issue
from mailbot.findings import Finding, Place, Severity
from parsers.report_facts import signed_on
from parsers.scan_text import CONFIDENT, confidence

AFTER_RECEIPT = Issue(
    "report.date_after_receipt", "报告落款日期晚于收件日期",
    "整改报告《{name}》的落款日期为 {signed}，晚于本邮件的收到日期 {received}。",
    "请核对落款日期是否填写有误。",
    default=Severity.WARNING,
    error_message="整改报告《{name}》的落款日期为 {signed}，晚于本邮件的收到日期 {received}，日期有误。",
    error_hint="请更正落款日期，重新签字盖章后发送。",
)
BEFORE_NOTICE = Issue(
    "report.date_before_notice", "报告落款日期早于通知印发日期",
    "整改报告《{name}》的落款日期为 {signed}，早于本次通知的印发日期 {notice}，可能是以前的报告。",
    "请确认发送的是针对本次通知（{number}）的整改报告。",
    default=Severity.WARNING,
    error_message="整改报告《{name}》的落款日期为 {signed}，早于本次通知的印发日期 {notice}，不是本次的整改报告。",
    error_hint="请发送针对本次通知（{number}）的整改报告。",
)
ISSUES = (AFTER_RECEIPT, BEFORE_NOTICE)


def check(ctx: CheckContext) -> Iterator[Finding | None]:
    rf = ctx.report_file
    if rf is None or not rf.report.has_text or rf.report.blank:
        return
    report = rf.report
    signed = signed_on(report.closing_text)
    if not signed:
        return
    day = date.fromisoformat(signed)
    scan = report.from_scan
    read = next((line for line in reversed(report.closing_text.splitlines()) if signed_on(line) == signed), "")
    unsure = scan and confidence(report, read) < CONFIDENT
    place = Place(file=rf.name, page=report.pages)
    if ctx.received_at is not None:
        received = ctx.received_at.astimezone(ZoneInfo(ctx.campaign.spec.deadline.timezone)).date()
        if day > received:
            yield ctx.finding(AFTER_RECEIPT, place, scan=scan, unsure=unsure, name=rf.name, signed=_shown(day),
                              received=_shown(received))
    notice = ctx.campaign.spec.notice_date
    if notice is not None and day < notice:
        yield ctx.finding(BEFORE_NOTICE, place, scan=scan, unsure=unsure, name=rf.name, signed=_shown(day),
                          notice=_shown(notice), number=ctx.campaign.spec.doc_number or ctx.campaign.spec.title)


def _shown(day: date) -> str:
    return f"{day.year} 年 {day.month} 月 {day.day} 日"
