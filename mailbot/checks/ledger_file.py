"""Is there exactly one ledger, and could it be read as the campaign's template?"""

from __future__ import annotations

from collections.abc import Iterator

from mailbot.checks.base import CheckContext, FileIssues, Issue, file_findings
from mailbot.findings import Finding
from parsers.types import ParseErrorKind

MISSING = Issue(
    "ledger.missing", "未收到台账",
    "未收到整改台账（Excel 文件）。",
    "请将填写好的整改台账作为邮件附件发送。",
)
MULTIPLE = Issue(
    "ledger.multiple", "收到多份台账",
    "收到 {count} 份台账（{names}），无法确定以哪一份为准。",
    "请只发送一份填写完整的台账。",
)
ENCRYPTED = Issue(
    "ledger.encrypted", "台账设有密码",
    "台账《{name}》设置了打开密码，无法读取。",
    "请取消密码保护后重新发送。",
)
UNREADABLE = Issue(
    "ledger.unreadable", "台账无法打开",
    "台账《{name}》无法打开：{why}。",
    "请用 Excel 或 WPS 打开确认无误，另存为 .xlsx 格式后重新发送。",
)
NOT_TEMPLATE = Issue(
    "ledger.not_template", "不是本次台账模板",
    "《{name}》中找不到台账表头（序号、反馈问题、整改措施、整改完成情况等），不是本次通知所附的台账。",
    "请使用通知所附的台账模板填写，不要删除或改动表头。",
)
OVERFLOW = Issue(
    "ledger.overflow", "台账超出读取范围",
    "台账《{name}》的“{sheet}”工作表在 {cell} 单元格仍有内容，超出了每张工作表可读取的行数或列数。",
    "请删除台账下方或右侧与台账无关的内容（其他数据可另存为单独的文件）后重新发送。",
)
ISSUES = (MISSING, MULTIPLE, ENCRYPTED, UNREADABLE, NOT_TEMPLATE, OVERFLOW)

REASONS = {
    ParseErrorKind.TRUNCATED: "文件不完整或已损坏",
    ParseErrorKind.WRONG_TYPE: "文件内容与表格格式不符",
    ParseErrorKind.TOO_LARGE: "工作簿中的工作表等组成部分过多（超过 2 万个），请只保留台账所在的工作表",
    ParseErrorKind.BOMB: "解压后的体积异常巨大，疑似恶意文件",
    ParseErrorKind.XML_ENTITIES: "文件内部含有 DTD 或实体声明（Excel、WPS 不会写入这类内容，常用于攻击），疑似恶意文件",
    ParseErrorKind.TIMEOUT: "读取超时",
    ParseErrorKind.OUT_OF_MEMORY: "文件过于庞大，无法读取",
}


FILES = FileIssues(MISSING, MULTIPLE, ENCRYPTED, UNREADABLE, REASONS,
                   {ParseErrorKind.NO_TABLE: NOT_TEMPLATE, ParseErrorKind.OVERFLOW: OVERFLOW})


def check(ctx: CheckContext) -> Iterator[Finding | None]:
    return file_findings(ctx, ctx.dossier.ledgers, FILES)
