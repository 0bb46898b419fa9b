"""The small protocol every check follows.

A check is a module with ``ISSUES`` (the findings it can produce, each with a
stable code, a default severity and Chinese message templates) and a function
``check(ctx) -> Iterable[Finding]``. Checks never raise for bad input and never
look at mail or the database: they read the :class:`CheckContext`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from mailbot.dossier import Dossier, Identity, LedgerFile, ReportFile
from mailbot.findings import MAX_ECHO, Finding, Place, Severity, shorten
from mailbot.rules import Campaign, Problem, Roster, Unit


SCAN_READ = "（识别自扫描件）"
SCAN_UNSURE = "（识别自扫描件，识别结果可能有误）"
UNSURE_HINT = "如识别有误，无需处理；如确实发错了文件，请将本单位签字盖章的整改报告重新发送。"


@dataclass(frozen=True)
class Issue:
    """A kind of finding: code, default severity, and what to say (str.format templates)."""

    code: str
    title: str  # short Chinese name, for lists and the admin guide
    message: str
    hint: str = ""
    default: Severity = Severity.ERROR
    # said instead when an administrator makes a warning an error: "已按…处理" or "无需处理" would
    # tell a unit its file was taken while the same reply rejects it ("" keeps the warning's text)
    error_message: str = ""
    error_hint: str = ""

    def wording(self, severity: Severity) -> tuple[str, str]:
        """(message, hint) that fit the severity the campaign gives this issue."""
        if severity is Severity.ERROR and self.default is not Severity.ERROR:
            return self.error_message or self.message, self.error_hint or self.hint
        return self.message, self.hint


@dataclass(frozen=True)
class CheckContext:
    campaign: Campaign
    roster: Roster
    unit: Unit | None  # the unit being judged; None when it could not be determined
    dossier: Dossier
    identity: Identity | None = None  # how the unit was found (mail only; None for `mailbot check`)
    received_at: datetime | None = None  # server receive time of the mail that completed the dossier
    first_received_at: datetime | None = None  # of the unit's first mail with a ledger or report, if earlier

    @property
    def ledger_file(self) -> LedgerFile | None:
        """The single readable ledger, or None (missing, several, unreadable)."""
        lf = self.dossier.ledger
        return lf if lf is not None and lf.ledger is not None else None

    @property
    def report_file(self) -> ReportFile | None:
        rf = self.dossier.report
        return rf if rf is not None and rf.report is not None else None

    def own_problems(self) -> tuple[Problem, ...]:
        """The template rows this unit must answer (none when the unit is unknown)."""
        return self.campaign.problems_for(self.unit) if self.unit else ()

    def finding(self, issue: Issue, place: Place = Place(), *, scan: bool = False, unsure: bool = False,
                **values) -> Finding | None:
        """The finding for ``issue`` with the campaign's severity; None when the check is off.

        ``scan``: it comes from text OCR read on a scan, and says so (识别自扫描件). ``unsure``: that reading
        may be wrong (a low-confidence read, or something OCR did not find): a warning at most, whatever the
        campaign says, because an OCR mistake must not reject a correct report."""
        severity = self.campaign.severity(issue.code, issue.default)
        if severity is Severity.OFF:
            return None
        if unsure and severity is Severity.ERROR:
            severity = Severity.WARNING
        # text from the mail (a cell, a file name) is echoed in an official reply: bounded, so a 10,000-
        # character cell neither swamps the reply nor makes the office send someone's essay or link farm
        echoed = {k: shorten(v, MAX_ECHO) if isinstance(v, str) else v for k, v in values.items()}
        message, hint = issue.wording(severity)
        message, hint = message.format(**echoed), hint.format(**echoed)
        if scan:
            message += SCAN_UNSURE if unsure else SCAN_READ
            hint = UNSURE_HINT if unsure and issue.default is Severity.ERROR else hint
        return Finding(code=issue.code, severity=severity, message=message, hint=hint, place=place)

    def ledger_counts(self) -> dict[str, int]:
        """How many of the unit's own rows carry each allowed status (after synonyms): what the ledger says."""
        counts = {status: 0 for status in self.campaign.spec.statuses.allowed}
        lf = self.ledger_file
        if lf is None:
            return counts
        statuses = self.campaign.spec.statuses
        for problem in self.own_problems():
            row = lf.ledger.rows.get(problem.seq)
            status = statuses.normalize(row.text("status"))[0] if row else None
            if status:
                counts[status] += 1
        return counts


def cell_place(file: str, cell, seq: int | None = None) -> Place:
    """A place from a parsed spreadsheet cell (parsers.types.CellValue)."""
    return Place(file=file, sheet=cell.sheet, cell=cell.cell, seq=seq)


@dataclass(frozen=True)
class FileIssues:
    """The issues of one file role (ledger or report) for :func:`file_findings`."""

    missing: Issue
    multiple: Issue
    encrypted: Issue
    unreadable: Issue
    reasons: dict  # ParseErrorKind → Chinese reason
    by_kind: dict | None = None  # ParseErrorKind → a more specific Issue (e.g. NO_TABLE → not_template)


def file_findings(ctx: CheckContext, files, issues: FileIssues):
    """Missing, ambiguous, encrypted or unreadable files of one role: the same judgement for both roles."""
    if not files:
        yield ctx.finding(issues.missing)
        return
    if len(files) > 1:
        yield ctx.finding(issues.multiple, count=len(files), names="、".join(f"《{f.name}》" for f in files))
    for f in files:
        if f.error is None:
            continue
        place = Place(file=f.name, sheet=f.error.sheet, cell=f.error.cell)
        specific = (issues.by_kind or {}).get(f.error.kind)
        if f.error.kind.value == "encrypted":
            yield ctx.finding(issues.encrypted, place, name=f.name)
        elif specific is not None:
            yield ctx.finding(specific, place, name=f.name, sheet=f.error.sheet, cell=f.error.cell)
        else:
            why = issues.reasons.get(f.error.kind, "文件已损坏或格式无法识别")
            yield ctx.finding(issues.unreadable, place, name=f.name, why=why)
