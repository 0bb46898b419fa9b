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


@dataclass(frozen=True)
class LedgerFile:
    name: str  # display name, archive path included
    kind: FileKind
    sha256: str
    ledger: Ledger | None
    error: ParseError | None = None


@dataclass(frozen=True)
class ReportFile:
    name: str
    kind: FileKind
    sha256: str
    report: Report | None
    error: ParseError | None = None


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
