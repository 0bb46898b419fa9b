"""Turn received files into a dossier: unpack, sniff, route, parse in a sandbox.

Parsing untrusted files happens in memory- and CPU-time-limited worker processes
(:class:`parsers.sandbox.Sandbox`), so a hostile attachment ends as a typed
error on one file instead of a hang or an out-of-memory kill of the daemon.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass

from mailbot.dossier import Dossier, LedgerFile, Refusal, RefusedFile, ReportFile
from mailbot.rules import Campaign
from mailbot.scans import ScanReader
from parsers.ledger import read_ledger
from parsers.report import read_report
from parsers.sandbox import Sandbox
from parsers.types import Attachment, FileKind, Limits, ParseError, ParseErrorKind
from parsers.unpack import Rejected, unpack

LEDGER_KINDS = {FileKind.XLSX, FileKind.XLS, FileKind.CSV}
LEDGER_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".et", ".csv"}


@dataclass(frozen=True)
class Accepted:
    """The file types a campaign takes as its ledger and its report (``[ledger] types``, ``[report] types``)."""

    ledger: frozenset[str]
    report: frozenset[str]

    @classmethod
    def of(cls, *campaigns: Campaign) -> Accepted:
        """What any of these campaigns takes: a mail is read before it is matched to one of them."""
        return cls(frozenset(t for c in campaigns for t in c.spec.ledger.types),
                   frozenset(t for c in campaigns for t in c.spec.report.types))


def read_files(files: Iterable[tuple[str, bytes]], campaign: Campaign, limits: Limits,
               scans: ScanReader | None = None) -> Dossier:
    """Every file (name, bytes) read or refused; nothing is dropped silently. ``scans``: OCR for scanned reports."""
    attachments, rejected = unpack_files(files, limits)
    with Sandbox(limits) as sandbox:
        dossier = read_attachments(attachments, rejected, Accepted.of(campaign), sandbox)
    if scans is None:
        return dossier
    data = {a.sha256: a.data for a in attachments}
    return scans.read(dossier, data.__getitem__)


def unpack_files(files: Iterable[tuple[str, bytes]], limits: Limits) -> tuple[list[Attachment], list[Rejected]]:
    """Archives opened (with limits), every file typed by its bytes."""
    attachments: list[Attachment] = []
    rejected: list[Rejected] = []
    for name, data in files:
        result = unpack(name, data, limits)
        attachments.extend(result.files)
        rejected.extend(result.rejected)
    return attachments, rejected


def read_attachments(attachments: Iterable[Attachment], rejected: Iterable[Rejected], accepted: Accepted,
                     sandbox: Sandbox) -> Dossier:
    """Route each file to the ledger or report reader by its real type; refuse the rest with a reason."""
    ledgers: list[LedgerFile] = []
    reports: list[ReportFile] = []
    refused: list[RefusedFile] = []
    attachments, extra = _within_cap(_distinct(attachments), sandbox.limits.max_files_per_mail)
    refused.extend(RefusedFile(a.display_name, a.kind, Refusal.TOO_MANY) for a in extra)
    for item in rejected:
        if item.kind is None and item.error.kind is ParseErrorKind.TOO_LARGE:
            reason = Refusal.TOO_LARGE  # one file over the size limit, inside an archive or not
        else:
            reason = Refusal.ARCHIVE if item.path or item.kind is FileKind.ZIP else Refusal.TOO_LARGE
        refused.append(RefusedFile(item.display_name, item.kind, reason, item.error))
    for attachment in attachments:
        kind = attachment.kind
        if kind in LEDGER_KINDS and kind.value in accepted.ledger:
            ledgers.append(_ledger_file(attachment, sandbox))
        elif kind is FileKind.OFFICE_ENCRYPTED:
            error = ParseError(ParseErrorKind.ENCRYPTED, "OLE EncryptedPackage")
            ledgers.append(LedgerFile(attachment.display_name, kind, attachment.sha256, None, error))
        elif kind is FileKind.PDF and kind.value in accepted.report:
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


def _distinct(attachments: Iterable[Attachment]) -> list[Attachment]:
    """One of each content: the same ledger attached twice (台账.xlsx, 台账(1).xlsx) is one ledger, not two."""
    seen: set[str] = set()
    return [a for a in attachments if not (a.sha256 in seen or seen.add(a.sha256))]


def _within_cap(attachments: list[Attachment], cap: int) -> tuple[list[Attachment], list[Attachment]]:
    """(read, not read): spreadsheets and PDFs first, so 30 photos do not crowd out the ledger and report."""
    if len(attachments) <= cap:
        return attachments, []
    ranked = sorted(attachments, key=lambda a: a.kind not in LEDGER_KINDS | {FileKind.PDF})
    kept = {id(a) for a in ranked[:cap]}
    return [a for a in attachments if id(a) in kept], [a for a in attachments if id(a) not in kept]


def restrict(dossier: Dossier, accepted: Accepted) -> Dossier:
    """The dossier as the matched campaign sees it: files of a type it does not take are refused."""
    def takes(kind: FileKind, types: frozenset[str]) -> bool:
        return kind not in LEDGER_KINDS | {FileKind.PDF} or kind.value in types  # damaged/encrypted stay

    dropped = [f for f in dossier.ledgers if not takes(f.kind, accepted.ledger)]
    dropped += [f for f in dossier.reports if not takes(f.kind, accepted.report)]
    if not dropped:
        return dossier
    return dataclasses.replace(
        dossier,
        ledgers=tuple(f for f in dossier.ledgers if takes(f.kind, accepted.ledger)),
        reports=tuple(f for f in dossier.reports if takes(f.kind, accepted.report)),
        refused=dossier.refused + tuple(RefusedFile(f.name, f.kind, Refusal.UNSUPPORTED) for f in dropped))


def _suffix(name: str) -> str:
    return "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""


def _damaged(attachment: Attachment, file_type):
    """Bytes no reader recognises under a spreadsheet or PDF name: most often a cut-off upload.

    The name is only a hint here; it never makes us parse bytes as something they are not.
    """
    error = ParseError(ParseErrorKind.TRUNCATED, "unrecognisable bytes under a known extension")
    return file_type(attachment.display_name, attachment.kind, attachment.sha256, None, error)


def _ledger_file(attachment: Attachment, sandbox: Sandbox) -> LedgerFile:
    """Read in the sandbox; ParserStalled (the server's trouble, not the file's) propagates: the mail is retried."""
    read = sandbox.call(read_ledger, attachment.data, attachment.kind, sandbox.limits)
    return LedgerFile(attachment.display_name, attachment.kind, attachment.sha256, read.value, read.error,
                      read.warnings)


def _report_file(attachment: Attachment, sandbox: Sandbox) -> ReportFile:
    read = sandbox.call(read_report, attachment.data, sandbox.limits)
    return ReportFile(attachment.display_name, attachment.kind, attachment.sha256, read.value, read.error,
                      read.warnings)
