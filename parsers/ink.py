"""Is anything on a rendered page? Blank and near-blank pages carry no ink.

A scanner turns an empty sheet into grey paper with noise, dust and, at the edges, the shadow of
the sheet or of a punched hole; a "white image" is a picture of nothing. Ink is what a reader
would call writing: pixels clearly darker than the page's own paper colour, counted inside the
margins, on a page scaled down to ``WORK_WIDTH`` (which also averages single specks of dust away).
"""

from __future__ import annotations

from PIL import Image

WORK_WIDTH = 300  # px: a 14 pt line of text stays several pixels high
MARGIN = 0.05  # share of each side ignored: scanner edges, sheet shadows, punched holes
CONTRAST = 60  # grey levels below the paper that count as ink
MIN_INK_SHARE = 0.0003  # inside the margins: one short line of text is ~0.1 %, a noisy empty scan ~0.01 %


def has_ink(image: Image.Image) -> bool:
    return ink_share(image) >= MIN_INK_SHARE


def ink_share(image: Image.Image) -> float:
    """Share of the page (inside the margins) that is ink."""
    grey = image.convert("L")
    if grey.width > WORK_WIDTH:
        grey = grey.resize((WORK_WIDTH, max(1, round(grey.height * WORK_WIDTH / grey.width))), Image.Resampling.BOX)
    mx, my = round(grey.width * MARGIN), round(grey.height * MARGIN)
    grey = grey.crop((mx, my, grey.width - mx, grey.height - my))
    histogram = grey.histogram()
    total = sum(histogram)
    if not total:
        return 0.0
    paper = _median(histogram, total)
    ink = sum(histogram[: max(0, paper - CONTRAST)])
    return ink / total


def _median(histogram: list[int], total: int) -> int:
    seen = 0
    for level, count in enumerate(histogram):
        seen += count
        if seen * 2 >= total:
            return level
    return 255
