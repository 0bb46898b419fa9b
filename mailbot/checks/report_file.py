"""Is there exactly one report, and could it be read?"""

from __future__ import annotations

from collections.abc import Iterator

from mailbot.checks.base import CheckContext, FileIssues, Issue, file_findings
from mailbot.findings import Finding
from parsers.types import ParseErrorKind

MISSING = Issue(
    "report.missing", "未收到整改报告",
    "未收到整改报告（PDF 文件）。",
    "请将经单位主要负责人签字并加盖公章的整改报告扫描为 PDF，作为邮件附件发送。",
)
MULTIPLE = Issue(
    "report.multiple", "收到多份报告",
    "收到 {count} 份 PDF 报告（{names}），无法确定以哪一份为准。",
    "请只发送一份整改报告；附件材料请合并到同一个 PDF 中。",
)
ENCRYPTED = Issue(
    "report.encrypted", "报告设有密码",
    "整改报告《{name}》设置了打开密码，无法读取。",
    "请取消密码保护后重新发送。",
)
UNREADABLE = Issue(
    "report.unreadable", "报告无法打开",
    "整改报告《{name}》无法打开：{why}。",
    "请用 PDF 阅读器打开确认无误后重新发送；如文件由扫描仪生成，请重新扫描导出。",
)
ISSUES = (MISSING, MULTIPLE, ENCRYPTED, UNREADABLE)

REASONS = {
    ParseErrorKind.TRUNCATED: "文件不完整或已损坏（可能未完整上传）",
    ParseErrorKind.WRONG_TYPE: "文件内容不是 PDF",
    ParseErrorKind.TOO_LARGE: "文件过大",
    ParseErrorKind.TIMEOUT: "读取超时",
    ParseErrorKind.XML_ENTITIES: "文件内部含有 DTD 或实体声明（常用于攻击），疑似恶意文件",
    ParseErrorKind.OUT_OF_MEMORY: "文件过于庞大，无法读取",
}


FILES = FileIssues(MISSING, MULTIPLE, ENCRYPTED, UNREADABLE, REASONS)


def check(ctx: CheckContext) -> Iterator[Finding | None]:
    return file_findings(ctx, ctx.dossier.reports, FILES)
