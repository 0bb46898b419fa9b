"""What the checks judge: a unit's files, each read or refused. Imports only parser types.

A dossier holds every ledger and report candidate found (after unpacking
archives), plus the files that were refused and why. In the daemon it is built
from the unit's newest ledger and newest report, possibly from different mails.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from parsers.types import FileKind, Ledger, ParseError, Report


class Refusal(str, Enum):
    DANGEROUS = "dangerous"  # executable content, whatever its name
    UNSUPPORTED = "unsupported"  # a type this campaign does not accept (docx, images...)
    TOO_LARGE = "too_large"  # over a size limit, not read
    ARCHIVE = "archive"  # a zip that could not be unpacked safely
    MAIL_TOO_LARGE = "mail_too_large"  # the whole mail was over the size limit: not downloaded
    TOO_MANY = "too_many"  # beyond Limits.max_files_per_mail: not read at all
    LINK = "link"  # a 超大附件 or cloud-drive download link in the body instead of the file: never followed
    MAIL_PART = "mail_part"  # a part of the mail not read: undecodable, nested too deep, too many (error.detail)


@dataclass(frozen=True)
class LedgerFile:
    name: str  # display name, archive path included
    kind: FileKind
    sha256: str
    ledger: Ledger | None
    error: ParseError | None = None
    warnings: tuple[str, ...] = ()  # what the reading libraries warned about, for the log (never for the unit)


@dataclass(frozen=True)
class ReportFile:
    name: str
    kind: FileKind
    sha256: str
    report: Report | None
    error: ParseError | None = None
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class RefusedFile:
    name: str
    kind: FileKind | None
    reason: Refusal
    error: ParseError | None = None


@dataclass(frozen=True)
class Dossier:
    ledgers: tuple[LedgerFile, ...] = ()
    reports: tuple[ReportFile, ...] = ()
    refused: tuple[RefusedFile, ...] = ()

    @property
    def ledger(self) -> LedgerFile | None:
        """The one ledger, when there is exactly one."""
        return self.ledgers[0] if len(self.ledgers) == 1 else None

    @property
    def report(self) -> ReportFile | None:
        return self.reports[0] if len(self.reports) == 1 else None

    @property
    def warnings(self) -> tuple[tuple[str, str], ...]:
        """(file name, warning) for every file read: what libraries said while reading it."""
        return tuple((f.name, w) for f in (*self.ledgers, *self.reports) for w in f.warnings)


IDENTITY_LABELS = {  # Identity.how, as staff read it in `mailbot show`
    "registered": "登记邮箱",
    "inferred": "根据附件内容认定（发件邮箱未登记）",
    "conflict": "材料指向不同单位（单位不一致）",
    "unknown": "无法确认",
    "given": "人工指定",
}

SOURCE_LABELS = {
    "address": "发件邮箱",
    "forward": "转发邮件的原发件邮箱",
    "ledger": "台账“单位”栏",
    "subject": "邮件主题",
    "filename": "附件名称",
    "report": "报告标题或落款",
    "scan": "报告扫描件识别出的标题或落款",
}


@dataclass(frozen=True)
class Evidence:
    source: str  # a key of SOURCE_LABELS
    unit: str  # roster name
    text: str  # what was seen (address, cell text, subject...)

    def describe(self) -> str:
        return f"{SOURCE_LABELS.get(self.source, self.source)}（{self.text}）指向“{self.unit}”"


@dataclass(frozen=True)
class Identity:
    """Which unit a mail is from, and on what evidence."""

    unit: str | None
    how: str  # registered | inferred | conflict | unknown | given
    evidence: tuple[Evidence, ...] = ()
    address: str = ""  # the sender address the decision was about

    @property
    def units(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(e.unit for e in self.evidence))
