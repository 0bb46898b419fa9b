"""Files that were refused before reading: dangerous, unsupported, too large, bad archives."""

from __future__ import annotations

from collections.abc import Iterator

from mailbot.checks.base import CheckContext, Issue
from mailbot.dossier import Refusal
from mailbot.findings import Finding, Place, Severity
from parsers.types import FileKind, ParseErrorKind

DANGEROUS = Issue(
    "attachment.dangerous", "附件为可执行程序",
    "附件《{name}》实际是可执行程序，不论其扩展名如何，均已拒收。",
    "出于安全考虑，系统不接收程序文件。请只发送整改台账（Excel）和整改报告（PDF）。",
)
UNSUPPORTED = Issue(
    "attachment.unsupported", "附件类型不符合要求",
    "附件《{name}》是{kind}，不是本次要求的整改台账（Excel）或整改报告（PDF），未予审核。",
    "{hint}",
    # A warning: an extra photo beside a complete submission should not block it; when the file was
    # meant as the ledger or report, ledger.missing / report.missing is the error that says so.
    default=Severity.WARNING,
)
TOO_LARGE = Issue(
    "attachment.too_large", "附件过大",
    "附件《{name}》超过大小限制，未予读取。",
    "请压缩图片、删去无关页后重新发送。",
)
ARCHIVE = Issue(
    "attachment.archive", "压缩包无法安全解压",
    "压缩包《{name}》无法安全解压：{why}。",
    "请直接以附件形式发送台账和报告；如需打包，请勿加密，也不要在压缩包内再套压缩包。",
)
MAIL_TOO_LARGE = Issue(
    "mail.too_large", "邮件过大",
    "这封邮件大小约 {size}，超过本邮箱的接收上限，附件未予读取。",
    "请压缩扫描件（如降低分辨率至 200 dpi）后重新发送，或将台账和报告分两封邮件发送。",
)
LINK = Issue(
    "attachment.link", "附件为下载链接",
    "邮件中附有{service}的下载链接。系统不下载链接中的文件，链接中的材料未予审核。",
    "请将整改台账和整改报告直接添加为邮件附件发送；扫描件较大时，可降低分辨率（如 200 dpi）后再发送。",
    default=Severity.WARNING,
)
TOO_MANY = Issue(
    "attachment.too_many", "附件过多",
    "这封邮件的文件（含压缩包内的文件）过多，另有 {count} 个未予读取：{names}。",
    "请只发送整改台账和整改报告；报告的多页扫描件请合并为一个 PDF 文件。",
    default=Severity.WARNING,
)
ISSUES = (DANGEROUS, UNSUPPORTED, TOO_LARGE, ARCHIVE, MAIL_TOO_LARGE, LINK, TOO_MANY)
SHOWN_NAMES = 5  # names listed in the too-many finding; the rest are counted

KIND_LABELS = {
    FileKind.DOCX: "Word 文档",
    FileKind.DOC: "Word 文档",
    FileKind.IMAGE: "图片",
    FileKind.TEXT: "纯文本文件",
    FileKind.ZIP: "压缩包",
    FileKind.RAR: "RAR 压缩包",
    FileKind.SEVEN_ZIP: "7z 压缩包",
    FileKind.OFD: "OFD 版式文件",
    FileKind.ODS: "OpenDocument 表格（.ods）",
    FileKind.ODT: "OpenDocument 文档（.odt）",
    FileKind.OFFICE_OTHER: "演示文稿或其他办公文档",
    FileKind.TNEF: "Outlook 的 RTF 格式邮件包",
    FileKind.UNKNOWN: "无法识别的文件",
    FileKind.XLSX: "Excel 工作簿（.xlsx）",
    FileKind.XLS: "Excel 97-2003 工作簿（.xls）",
    FileKind.CSV: "CSV 表格文件",
    FileKind.PDF: "PDF 文件",
}
ONLY_ZIP = "系统只能打开 ZIP 格式的压缩包。请直接将台账和报告作为附件发送（无需压缩），或改用 ZIP 格式打包后重新发送。"
AS_PDF = "如为整改报告，请另存为 PDF（或将签字盖章后的纸质件扫描为 PDF）后重新发送。"
KIND_HINTS = {
    FileKind.DOCX: AS_PDF,
    FileKind.DOC: AS_PDF,
    FileKind.ODT: AS_PDF,
    FileKind.ODS: "如为整改台账，请在 WPS 或 LibreOffice 中另存为 Excel 工作簿（.xlsx）后重新发送。",
    FileKind.IMAGE: "如为报告的照片或扫描图片，请将各页合并为一个 PDF 文件后重新发送。",
    FileKind.RAR: ONLY_ZIP,
    FileKind.SEVEN_ZIP: ONLY_ZIP,
    FileKind.OFD: "如为整改报告，请在 OFD 阅读器（如数科阅读器）或 WPS 中将其导出为 PDF 后重新发送。",
    FileKind.TNEF: ("台账和报告被 Outlook 封装在这个文件中，系统无法读取。请在 Outlook 中将邮件格式改为“HTML”或"
                    "“纯文本”（“设置文本格式”选项卡），重新添加附件后发送。"),
}
ARCHIVE_REASONS = {
    ParseErrorKind.BOMB: "解压后的体积异常巨大，疑似恶意文件",
    ParseErrorKind.ENCRYPTED: "压缩包设置了密码",
    ParseErrorKind.TOO_LARGE: "文件数量过多或压缩包嵌套过深",
    ParseErrorKind.TRUNCATED: "文件不完整或已损坏",
}


def check(ctx: CheckContext) -> Iterator[Finding | None]:
    unread = [r.name for r in ctx.dossier.refused if r.reason is Refusal.TOO_MANY]
    if unread:
        names = "、".join(f"《{n}》" for n in unread[:SHOWN_NAMES]) + ("等" if len(unread) > SHOWN_NAMES else "")
        yield ctx.finding(TOO_MANY, Place(), count=len(unread), names=names)
    for refused in ctx.dossier.refused:
        if refused.reason in (Refusal.TOO_MANY, Refusal.MAIL_PART):  # MAIL_PART: checks/mail_parts.py
            continue
        place = Place(file=refused.name)
        if refused.reason is Refusal.MAIL_TOO_LARGE:
            size = refused.error.detail if refused.error else ""
            yield ctx.finding(MAIL_TOO_LARGE, Place(), size=size)
        elif refused.reason is Refusal.LINK:
            yield ctx.finding(LINK, Place(), service=refused.name)
        elif refused.reason is Refusal.DANGEROUS:
            yield ctx.finding(DANGEROUS, place, name=refused.name)
        elif refused.reason is Refusal.TOO_LARGE:
            yield ctx.finding(TOO_LARGE, place, name=refused.name)
        elif refused.reason is Refusal.ARCHIVE:
            kind = refused.error.kind if refused.error else None
            why = ARCHIVE_REASONS.get(kind, "文件无法读取")
            yield ctx.finding(ARCHIVE, place, name=refused.name, why=why)
        else:
            kind = KIND_LABELS.get(refused.kind, "无法识别的文件")
            hint = KIND_HINTS.get(refused.kind) or _types_hint(ctx, refused.kind)
            yield ctx.finding(UNSUPPORTED, place, name=refused.name, kind=kind, hint=hint)


def _types_hint(ctx: CheckContext, kind: FileKind | None) -> str:
    """A spreadsheet or PDF this campaign does not take: name the formats it does take."""
    spec = ctx.campaign.spec
    if kind in (FileKind.XLSX, FileKind.XLS, FileKind.CSV):
        return f"本次整改台账只受理 {'、'.join('.' + t for t in spec.ledger.types)} 格式，请用通知所附模板另存为该格式后重新发送。"
    if kind is FileKind.PDF:
        return f"本次整改报告只受理 {'、'.join('.' + t for t in spec.report.types)} 格式。"
    return "请按通知要求发送 Excel 格式的整改台账和 PDF 格式的整改报告。"
