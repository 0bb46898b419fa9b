"""A report's scanned pages with what OCR read on them: the text the checks see, and how sure the
reading is of a given part (the title, the 落款). Pure functions; the reading comes from
:mod:`parsers.ocr`, run by mailbot (cached there by the file's sha256).
"""

from __future__ import annotations

import dataclasses
import re

from parsers.report import find_dates, find_title
from parsers.types import Report, ScanReading

CONFIDENT = 0.9  # an OCR line scored at least this is taken as read (stamped scans at 150 dpi: >= 0.96)
_SPACE = re.compile(r"\s+")


def with_reading(report: Report, reading: ScanReading) -> Report:
    """The report as the checks see it once OCR read its scans: each page without a text layer carries the
    lines read on it (top to bottom); the title and dates are found again in that text."""
    texts = list(report.page_texts)
    for page in reading.pages:
        if 1 <= page.page <= len(texts) and not texts[page.page - 1].strip():
            texts[page.page - 1] = "\n".join(line.text for line in sorted(page.lines, key=lambda l: l.top))
    title = report.title if report.page_texts and report.page_texts[0].strip() else find_title(texts[0] if texts else "")
    return dataclasses.replace(report, page_texts=tuple(texts), title=title, dates=find_dates("\n".join(texts)),
                               reading=reading)


def confidence(report: Report, text: str) -> float:
    """How sure OCR is of ``text`` (a title, the 落款): the lowest score of the lines it was made of;
    1.0 when it came from a text layer or no OCR line is part of it."""
    if report.reading is None or not text:
        return 1.0
    wanted = _SPACE.sub("", text)
    scores = [line.confidence for line in report.reading.lines if (part := _SPACE.sub("", line.text)) and part in wanted]
    return min(scores, default=1.0)
