"""Read the scanned pages of reports with OCR (optional extra ``mailbot[ocr]``), as a clerk reads them.

First what decides the checks: the top of the first page (title, addressee, the opening paragraph
with the 文号 and the counts) and the end of the last (落款 and date); the rest of the text only
when the counts were not found there, page by page, at most ``[ocr] max_pages`` pages. Each page
is read in the OCR sandbox (its own worker process, memory limit and time per page), so a hostile
or huge scan costs one page's time and ends as a reading that "failed", never as a hang.

Readings are kept in the database by the file's sha256 and the engine's version
(:class:`mailbot.models.OcrRecord`): a resubmission, an earlier report completing a dossier and
`rules replay` do not read the scan again, and several workers on one PostgreSQL share them.
Without the extra (or with ``[ocr] enabled = false``) nothing is read: scans are judged as before.
"""

from __future__ import annotations

import dataclasses
import json
import logging
from collections.abc import Callable, Iterable

from mailbot import queries as q
from mailbot import store as db
from mailbot.dossier import Dossier, ReportFile
from mailbot.models import OcrRecord
from mailbot.settings import OcrSettings
from parsers import ocr
from parsers.report import find_title, starts_with_scan
from parsers.report_facts import stated_counts
from parsers.sandbox import ParserStalled, Sandbox
from parsers.scan_text import with_reading
from parsers.types import Attachment, FileKind, Limits, OcrLine, PageReading, ParseError, ParseErrorKind, Report, ScanReading

log = logging.getLogger("mailbot")

INSTALL = ("安装方法：.venv/bin/pip install -c deploy/constraints.txt -e '.[ocr]' && "
           ".venv/bin/pip install --no-deps -c deploy/constraints.txt rapidocr-onnxruntime（见部署说明“扫描件文字识别”）")


class ScanReader:
    """OCR for a runtime: off (no extra, or switched off), or a one-process OCR sandbox with its own limits."""

    def __init__(self, settings: OcrSettings = OcrSettings(), store: db.Store | None = None,
                 sandbox: Sandbox | None = None) -> None:
        """``sandbox``: an OCR sandbox to share (kept open by :meth:`close`); by default one of its own."""
        self.settings = settings
        self.store = store  # the cache; None: read every time (`mailbot check`)
        self.engine = ocr.engine_name()
        self.off_reason = ("已在设置中关闭（[ocr] enabled = false）" if not settings.enabled else
                           "未安装文字识别组件（mailbot[ocr]）" if not self.engine else "")
        self._sandbox, self._owned = sandbox, sandbox is None

    @property
    def enabled(self) -> bool:
        return not self.off_reason

    @property
    def sandbox(self) -> Sandbox:
        if self._sandbox is None:
            self._sandbox = ocr_sandbox(self.settings)
        return self._sandbox

    def pending(self, dossier: Dossier) -> tuple[ReportFile, ...]:
        """Reports with scanned pages OCR has not read yet (nothing when OCR is off)."""
        if not self.enabled:
            return ()
        return tuple(rf for rf in dossier.reports if rf.report is not None and rf.report.reading is None
                     and _to_read(rf.report))

    def looks_scanned(self, files: Iterable[Attachment], sandbox: Sandbox) -> bool:
        """Whether a file is a PDF whose first page is a scan not read before: a cheap look in ``sandbox``
        (the parse sandbox) that sends the mail to the scan lane before its files are read. A file the look
        cannot open is left to the full read, which says why."""
        if not self.enabled:
            return False
        for attachment in files:
            if attachment.kind is not FileKind.PDF or self._lookup(attachment.sha256) is not None:
                continue
            try:
                if sandbox.run(starts_with_scan, attachment.data):
                    return True
            except (ParseError, ParserStalled):
                continue
        return False

    def cached(self, dossier: Dossier) -> Dossier:
        """The dossier with every reading already on record put in; nothing is read."""
        return self._with(dossier, lambda rf: self._lookup(rf.sha256))

    def read(self, dossier: Dossier, data: Callable[[str], bytes]) -> Dossier:
        """The dossier with its scans read: from the record, else by OCR (then recorded). ``data``: a file's
        bytes by its sha256 (the archive)."""
        def reading(rf: ReportFile) -> ScanReading | None:
            found = self._lookup(rf.sha256)
            if found is None:
                found = self._ocr(rf.report, data(rf.sha256))
                self._keep(rf.sha256, found)
            return found

        return self._with(dossier, reading)

    def probe(self) -> str:
        """Load the engine in the OCR sandbox: its name; ParseError when it cannot run here."""
        return self.sandbox.run(ocr.probe)

    def close(self) -> None:
        if self._sandbox is not None and self._owned:
            self._sandbox.close()
            self._sandbox = None

    def _with(self, dossier: Dossier, reading: Callable[[ReportFile], ScanReading | None]) -> Dossier:
        pending = {id(rf) for rf in self.pending(dossier)}
        if not pending:
            return dossier
        reports = []
        for rf in dossier.reports:
            found = reading(rf) if id(rf) in pending else None
            reports.append(dataclasses.replace(rf, report=with_reading(rf.report, found)) if found else rf)
        return dataclasses.replace(dossier, reports=tuple(reports))

    def _ocr(self, report: Report, data: bytes) -> ScanReading:
        """Read the pages that decide the checks, then more while the counts are missing, within the limits."""
        pages = _to_read(report)
        first, last = pages[0], pages[-1]
        plan = [(first, "whole")] if first == last else [(first, "head"), (last, "tail")]
        if first != 1:  # the title is in a text layer: only the end is a scan
            plan = [(last, "tail")]
        read: dict[int, PageReading] = {}
        failed = ""
        while plan and not failed:
            page, goal = plan.pop(0)
            try:
                got = self.sandbox.run(ocr.read_page, data, page, goal)
            except ParseError as error:
                failed = _failure(error)
                log.warning("OCR of page %s stopped: %s", page, error)
                break
            read[page] = _merged(read.get(page), got)
            if not plan:
                plan = self._more(pages, read)
        return ScanReading(self.engine, tuple(read[p] for p in sorted(read)), failed)

    def _more(self, pages: tuple[int, ...], read: dict[int, PageReading]) -> list[tuple[int, str]]:
        """The next page to read whole, while a report's counts were not found and the page budget allows."""
        text = "\n".join(line.text for p in sorted(read) for line in read[p].lines)
        if stated_counts(text) is not None:
            return []
        if 1 in read and "报告" not in find_title("\n".join(line.text for line in read[1].lines)):
            return []  # not a report (a notice, minutes): its counts would not be compared
        for page in pages:
            whole = read.get(page) is not None and read[page].whole
            if not whole and (page in read or len(read) < self.settings.max_pages):
                return [(page, "whole")]
        return []

    def _lookup(self, sha256: str) -> ScanReading | None:
        if self.store is None:
            return None
        with self.store.session() as session:
            row = q.ocr_reading(session, sha256, self.engine)
        return _decoded(row.reading, self.engine) if row is not None else None

    def _keep(self, sha256: str, reading: ScanReading) -> None:
        if self.store is None or reading.failed.startswith(UNAVAILABLE):
            return  # an engine that cannot run here says nothing about the file: read it again once fixed
        try:
            with self.store.session() as session:
                session.add(OcrRecord(sha256=sha256, engine=self.engine, reading=_encoded(reading)))
                db.try_commit(session)  # another worker recorded the same file first: the same reading
        except db.DatabaseError as exc:  # the reading is still used for this mail; the next one reads again
            log.warning("could not record the OCR reading of %s: %s", sha256[:12], exc)


UNAVAILABLE = "unavailable"


def ocr_sandbox(settings: OcrSettings) -> Sandbox:
    """One OCR worker process with its own limits (memory, CPU time per page), at a lower CPU priority."""
    return Sandbox(Limits(parse_memory_mb=settings.memory_mb, parse_timeout_seconds=settings.seconds_per_page), workers=1,
                   background=True)


def _to_read(report: Report) -> tuple[int, ...]:
    """Pages without a text layer that carry ink: what OCR reads (blank back sides are skipped)."""
    return tuple(n for n, text in enumerate(report.page_texts, start=1)
                 if not text.strip() and n not in report.blank_pages)


def _merged(before: PageReading | None, now: PageReading) -> PageReading:
    if before is None or now.whole:
        return now
    seen = {(line.text, line.top) for line in before.lines}
    lines = sorted((*before.lines, *(l for l in now.lines if (l.text, l.top) not in seen)), key=lambda l: l.top)
    return PageReading(now.page, tuple(lines), whole=before.whole or now.whole)


def _failure(error: ParseError) -> str:
    if error.kind is ParseErrorKind.UNREADABLE and "OCR engine unavailable" in error.detail:
        return f"{UNAVAILABLE}: {error.detail}"[:300]
    return f"{error.kind.value}: {error.detail}"[:300]


def _encoded(reading: ScanReading) -> str:
    pages = [{"page": p.page, "whole": p.whole, "lines": [[l.text, l.confidence, l.top] for l in p.lines]}
             for p in reading.pages]
    return json.dumps({"pages": pages, "failed": reading.failed}, ensure_ascii=False)


def _decoded(text: str, engine: str) -> ScanReading:
    data = json.loads(text)
    pages = tuple(PageReading(p["page"], tuple(OcrLine(t, c, top) for t, c, top in p["lines"]), p["whole"])
                  for p in data["pages"])
    return ScanReading(engine, pages, data.get("failed", ""))
