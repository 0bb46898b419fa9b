"""Read scanned report pages with RapidOCR (the only module that imports it; optional extra ``mailbot[ocr]``).

``rapidocr-onnxruntime`` 1.4.4 ships its PP-OCRv4 Chinese models inside the wheel: CPU only, no
network. A page is rendered with pypdfium2 and read as a clerk reads it, only as far as a check
needs it (goals):

- ``head``: the top of the page (title, addressee, the opening paragraph with the notice's 文号 and
  the counts), lines top-down until the counts are stated or ``HEAD_LINES`` were read;
- ``tail``: the end of the text (落款 and date), lines bottom-up until a date and a line above it
  were read, at most ``TAIL_LINES``;
- ``whole``: every line.

Finding the lines (detection) is cheap; recognising them is most of the cost (~0.2 s per long
line on one core), so lines are recognised in small batches and reading stops as soon as the goal
is met. The engine is built once per worker process and kept: it runs in the OCR sandbox's worker
(:mod:`parsers.sandbox`), one ONNX thread, so a scan being read leaves the other core to text mail.
"""

from __future__ import annotations

import re
from importlib import metadata

from parsers.report import find_dates
from parsers.report_facts import stated_counts
from parsers.types import OcrLine, PageReading, ParseError, ParseErrorKind

PACKAGE = "rapidocr-onnxruntime"
DPI = 120  # body text (12-14 pt) is ~25 px high: what the recogniser is trained on
MAX_SIDE = 2000  # px: a hostile MediaBox must not become a giant bitmap
HEAD_BAND = 0.55  # share of the page from the top where the title and opening paragraph are
HEAD_LINES = 12
TAIL_LINES = 6
BATCH = 2  # lines recognised between two looks at the goal
DET_SIDE = 960  # px, long side of the image the line finder sees: lines are found as well, in a third of the time
MIN_SCORE = 0.5  # lines scored lower are noise (the seal's ring text, specks)
GOALS = ("head", "tail", "whole")
_JUNK = re.compile(r"[\s口□■○●·.,:;，。：；、_\-—]*")  # a seal's ring text, specks and rules read as boxes and dots

_engine = None


def engine_name() -> str:
    """The engine and its version, without loading it: a cached reading by another version is not reused."""
    try:
        return f"{PACKAGE} {metadata.version(PACKAGE)}"
    except metadata.PackageNotFoundError:
        return ""


def installed() -> bool:
    return bool(engine_name())


def _get_engine():
    global _engine
    if _engine is None:
        try:
            from rapidocr_onnxruntime import RapidOCR
        except Exception as exc:  # noqa: BLE001 - not installed, or a native library missing: say which
            raise ParseError(ParseErrorKind.UNREADABLE, f"OCR engine unavailable: {type(exc).__name__}: {exc}") from exc
        _engine = RapidOCR(intra_op_num_threads=1, inter_op_num_threads=1, use_cls=False, print_verbose=False,
                           det_limit_side_len=DET_SIDE, det_limit_type="max")
    return _engine


def probe() -> str:
    """Load the engine (what ``mailbot doctor`` runs in the OCR sandbox): its name, or ParseError."""
    _get_engine()
    return engine_name()


def read_page(data: bytes, page: int, goal: str, dpi: int = DPI) -> PageReading:
    """The lines of 1-based ``page`` that ``goal`` needs, in reading order."""
    if goal not in GOALS:
        raise ValueError(f"unknown goal {goal!r}")
    import numpy as np
    import pypdfium2 as pdfium

    engine = _get_engine()
    try:
        document = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        raise ParseError(ParseErrorKind.TRUNCATED, f"pdfium: {exc}") from exc
    try:
        if not 1 <= page <= len(document):
            raise ParseError(ParseErrorKind.UNREADABLE, f"no page {page}")
        pdf_page = document[page - 1]
        width, height = pdf_page.get_size()
        scale = min(dpi / 72, MAX_SIDE / max(width, height, 1))
        band = HEAD_BAND if goal == "head" else 1.0
        picture = pdf_page.render(scale=scale, crop=(0, height * (1 - band), 0, 0)).to_pil().convert("RGB")
        pdf_page.close()
    finally:
        document.close()
    image = engine.load_img(np.asarray(picture))  # the engine's own colour order, as RapidOCR()(image) does
    page_height = height * scale
    boxes = _boxes(engine, image)
    if goal == "tail":
        boxes = boxes[::-1]
    limit = {"head": HEAD_LINES, "tail": TAIL_LINES, "whole": len(boxes)}[goal]
    lines: list[OcrLine] = []
    done = 0
    for start in range(0, min(limit, len(boxes)), BATCH):
        batch = boxes[start:min(start + BATCH, limit)]
        done += len(batch)
        crops = engine.get_crop_img_list(image, batch)
        results, _ = engine.text_rec(crops)
        for box, result in zip(batch, results):
            text, score = str(result[0]).strip(), float(result[1])
            if score >= MIN_SCORE and not _JUNK.fullmatch(text):
                lines.append(OcrLine(text, round(score, 3), round(float(box[0][1]) / page_height, 4)))
        if _goal_met(goal, lines):
            break
    lines.sort(key=lambda line: line.top)
    return PageReading(page, tuple(lines), whole=goal != "head" and done == len(boxes))


def _boxes(engine, image) -> list:
    """Text line boxes (4 corner points each) in reading order: top to bottom, left to right."""
    boxes, _ = engine.text_det(image)
    if boxes is None or len(boxes) == 0:
        return []
    return list(engine.sorted_boxes(boxes))


def _goal_met(goal: str, lines: list[OcrLine]) -> bool:
    if goal == "head":
        return stated_counts("".join(line.text for line in sorted(lines, key=lambda l: l.top))) is not None
    if goal == "tail":
        ordered = sorted(lines, key=lambda line: line.top)
        dated = [i for i, line in enumerate(ordered) if find_dates(line.text)]
        return bool(dated) and dated[-1] > 0 and bool(re.search(r"[\u4e00-\u9fff]{3}", ordered[dated[-1] - 1].text))
    return False
