"""Turn received files into a dossier: unpack, sniff, route, parse in a sandbox.

Parsing untrusted files happens in memory- and time-limited worker processes
(:class:`parsers.sandbox.Sandbox`), so a hostile attachment ends as a typed
error on one file instead of a hang or an out-of-memory kill of the daemon.
"""

from __future__ import annotations

from collections.abc import Iterable

from mailbot.dossier import Dossier, LedgerFile, Refusal, RefusedFile, ReportFile
from mailbot.rules import Campaign
from parsers.ledger import read_ledger
from parsers.report import read_report
from parsers.sandbox import Sandbox
from parsers.types import Attachment, FileKind, Limits, ParseError, ParseErrorKind, Report
from parsers.unpack import Rejected, unpack

LEDGER_KINDS = {FileKind.XLSX, FileKind.XLS, FileKind.CSV}
LEDGER_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".et", ".csv"}


def read_files(files: Iterable[tuple[str, bytes]], campaign: Campaign, limits: Limits) -> Dossier:
    """Every file (name, bytes) read or refused; nothing is dropped silently."""
    with Sandbox(limits) as sandbox:
        return read_attachments(*unpack_files(files, limits), campaign, sandbox)


def unpack_files(files: Iterable[tuple[str, bytes]], limits: Limits) -> tuple[list[Attachment], list[Rejected]]:
    """Archives opened (with limits), every file typed by its bytes."""
    attachments: list[Attachment] = []
    rejected: list[Rejected] = []
    for name, data in files:
        result = unpack(name, data, limits)
        attachments.extend(result.files)
        rejected.extend(result.rejected)
    return attachments, rejected


def read_attachments(attachments: Iterable[Attachment], rejected: Iterable[Rejected], campaign: Campaign,
                     sandbox: Sandbox) -> Dossier:
    """Route each file to the ledger or report reader by its real type; refuse the rest with a reason."""
    ledgers: list[LedgerFile] = []
    reports: list[ReportFile] = []
    refused: list[RefusedFile] = []
    ledger_types = set(campaign.spec.ledger.types)
    report_types = set(campaign.spec.report.types)
    for item in rejected:
        if item.kind is None and item.error.kind is ParseErrorKind.TOO_LARGE:
            reason = Refusal.TOO_LARGE  # one file over the size limit, inside an archive or not
        else:
            reason = Refusal.ARCHIVE if item.path or item.kind is FileKind.ZIP else Refusal.TOO_LARGE
        refused.append(RefusedFile(item.display_name, item.kind, reason, item.error))
    for attachment in attachments:
        kind = attachment.kind
        if kind in LEDGER_KINDS and kind.value in ledger_types:
            ledgers.append(_ledger_file(attachment, sandbox))
        elif kind is FileKind.OFFICE_ENCRYPTED:
            error = ParseError(ParseErrorKind.ENCRYPTED, "OLE EncryptedPackage")
            ledgers.append(LedgerFile(attachment.display_name, kind, attachment.sha256, None, error))
        elif kind is FileKind.PDF and kind.value in report_types:
            reports.append(_report_file(attachment, sandbox))
        elif kind is FileKind.UNKNOWN and _suffix(attachment.name) in LEDGER_SUFFIXES:
            ledgers.append(_damaged(attachment, LedgerFile))
        elif kind is FileKind.UNKNOWN and _suffix(attachment.name) == ".pdf":
            reports.append(_damaged(attachment, ReportFile))
        elif kind is FileKind.EXECUTABLE:
            refused.append(RefusedFile(attachment.display_name, kind, Refusal.DANGEROUS))
        else:
            refused.append(RefusedFile(attachment.display_name, kind, Refusal.UNSUPPORTED))
    return Dossier(tuple(ledgers), tuple(reports), tuple(refused))


def _suffix(name: str) -> str:
    return "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""


def _damaged(attachment: Attachment, file_type):
    """Bytes no reader recognises under a spreadsheet or PDF name: most often a cut-off upload.

    The name is only a hint here; it never makes us parse bytes as something they are not.
    """
    error = ParseError(ParseErrorKind.TRUNCATED, "unrecognisable bytes under a known extension")
    return file_type(attachment.display_name, attachment.kind, attachment.sha256, None, error)


def _ledger_file(attachment: Attachment, sandbox: Sandbox) -> LedgerFile:
    try:
        ledger = sandbox.run(read_ledger, attachment.data, attachment.kind, sandbox.limits)
        return LedgerFile(attachment.display_name, attachment.kind, attachment.sha256, ledger)
    except ParseError as error:
        return LedgerFile(attachment.display_name, attachment.kind, attachment.sha256, None, error)


def _report_file(attachment: Attachment, sandbox: Sandbox) -> ReportFile:
    try:
        report: Report = sandbox.run(read_report, attachment.data, sandbox.limits)
        return ReportFile(attachment.display_name, attachment.kind, attachment.sha256, report)
    except ParseError as error:
        return ReportFile(attachment.display_name, attachment.kind, attachment.sha256, None, error)
