"""Is there a red official seal (公章) on a rendered page? A colour-and-shape heuristic.

A Chinese official seal is a red ring, about 4 cm across, with a star in the middle
and the unit's name along the ring. Red alone proves nothing (a red-headed title
红头 is red too), so the heuristic looks for a red *shape* of seal size:

1. downscale the page to ``WORK_SIZE`` px on the long side (speed; a seal stays
   ~80 px wide on an A4 page);
2. mask the pixels that are seal red in HSV: hue within ~15 degrees of red
   (PIL's hue is 0-255: <= 10 or >= 235, i.e. 0-14 or 330-360 degrees), saturation
   >= 90 and value >= 70, so pink paper, black ink and shadows stay out;
3. dilate the mask (``JOIN`` px) so the ring, the star and the ring text of one
   seal become one blob, then label 8-connected blobs on the mask's runs;
4. a blob is a seal when its box is roughly square (aspect 0.75-1.33), its side is
   6-45 % of the page width, the red pixels fill 6-75 % of the box (a ring with
   text, not a solid block and not a few specks), and the red lies inside the box's
   inscribed ellipse (roundness: a square block leaves ~21 % of its red in the
   corners, a ring leaves none), and some red sits in the middle (the star or a
   centre line: a bare red circle drawn with a pen has none).

Every large blob is tried, not just the largest: a red-headed document with a seal
has a wide red title band that is bigger than the seal.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from PIL import Image, ImageChops, ImageDraw, ImageFilter

from parsers.types import SealEvidence

WORK_SIZE = 600  # long side of the downscaled page, pixels
RED_HUE_MAX, RED_HUE_MIN = 10, 235  # PIL hue 0-255: red is <= 10 or >= 235
MIN_SATURATION, MIN_VALUE = 90, 70
JOIN = 5  # dilation window, px at WORK_SIZE: joins ring, star and ring text
MIN_SIDE, MAX_SIDE = 0.06, 0.45  # blob side relative to page width
MIN_ASPECT, MAX_ASPECT = 0.75, 1.33
MIN_FILL, MAX_FILL = 0.06, 0.75  # red pixels (undilated) / box area; a 0.5 mm ring with thin text: 0.07
MIN_ROUNDNESS = 0.88  # squareness x share of the red inside the inscribed ellipse
MIN_CENTRE = 0.03  # share of the red in the middle half (the star): a bare red pen circle has none
MAX_CANDIDATES = 12  # largest blobs examined per page

_RUN = re.compile(rb"[^\x00]+")


@dataclass(frozen=True)
class Blob:
    box: tuple[int, int, int, int]  # x0, y0, x1, y1 (inclusive) in mask pixels
    pixels: int  # dilated pixels in the blob


def red_mask(image: Image.Image) -> Image.Image:
    """Mode "L" mask: 255 where a pixel is seal red, else 0."""
    hue, sat, val = image.convert("RGB").convert("HSV").split()
    hue = hue.point([255 if x <= RED_HUE_MAX or x >= RED_HUE_MIN else 0 for x in range(256)])
    sat = sat.point([255 if x >= MIN_SATURATION else 0 for x in range(256)])
    val = val.point([255 if x >= MIN_VALUE else 0 for x in range(256)])
    return ImageChops.darker(ImageChops.darker(hue, sat), val)


def detect_seal(image: Image.Image, page: int) -> SealEvidence:
    """Red-seal evidence for one page image; ``blob_box`` is in the image's pixels."""
    scale = min(1.0, WORK_SIZE / max(image.size))
    small = image.convert("RGB")
    if scale < 1.0:
        small = small.resize((max(1, round(image.width * scale)), max(1, round(image.height * scale))),
                             Image.Resampling.BILINEAR)
    mask = red_mask(small)
    red = mask.histogram()[255]
    red_share = round(red / float(mask.width * mask.height), 5)
    if red == 0:
        return SealEvidence(page=page, found=False, red_share=0.0)
    blobs = find_blobs(mask.filter(ImageFilter.MaxFilter(JOIN)))
    scored = [_shape(mask, blob.box) for blob in blobs[:MAX_CANDIDATES]]
    box, roundness, found = next((s for s in scored if s[2]), scored[0])
    x0, y0, x1, y1 = box
    back = 1 / scale
    page_box = (round(x0 * back), round(y0 * back), round(x1 * back), round(y1 * back))
    return SealEvidence(page=page, found=found, red_share=red_share, blob_box=page_box,
                        roundness=round(roundness, 3))


def _shape(mask: Image.Image, blob_box: tuple[int, int, int, int]) -> tuple[tuple[int, int, int, int], float, bool]:
    """(box, roundness, looks like a seal) for the red inside one dilated blob's box.

    The box is shrunk to the undilated red, so dilation does not thin a solid
    disc's fill below ``MAX_FILL`` or round off a square's corners.
    """
    bx0, by0, bx1, by1 = blob_box
    crop = mask.crop((bx0, by0, bx1 + 1, by1 + 1))
    x0, y0, x1, y1 = crop.getbbox() or (0, 0, crop.width, crop.height)
    crop = crop.crop((x0, y0, x1, y1))
    w, h = crop.size
    red = crop.histogram()[255]
    inside = _red_in_ellipse(crop, (-1, -1, w, h))  # 1 px of slack for the ring's jagged edge
    centre = _red_in_ellipse(crop, (w / 4, h / 4, w * 3 / 4, h * 3 / 4))
    aspect = w / h
    roundness = min(aspect, 1 / aspect) * (inside / red if red else 0.0)
    side = max(w, h) / mask.width
    fill = red / float(w * h)
    found = (MIN_ASPECT <= aspect <= MAX_ASPECT and MIN_SIDE <= side <= MAX_SIDE
             and MIN_FILL <= fill <= MAX_FILL and roundness >= MIN_ROUNDNESS and centre >= MIN_CENTRE * red)
    return (bx0 + x0, by0 + y0, bx0 + x1, by0 + y1), roundness, found


def _red_in_ellipse(crop: Image.Image, box: tuple[float, float, float, float]) -> int:
    ellipse = Image.new("L", crop.size, 0)
    ImageDraw.Draw(ellipse).ellipse(box, fill=255)
    return ImageChops.darker(crop, ellipse).histogram()[255]


def find_blobs(mask: Image.Image) -> list[Blob]:
    """8-connected blobs of a 0/255 mask, largest first.

    Works on runs of set pixels per row (found by a C-speed regex) joined with
    union-find, so the cost grows with the number of runs, not of pixels: a page
    takes a few milliseconds in pure Python.
    """
    width, data = mask.width, mask.tobytes()
    parent: list[int] = []
    runs: list[tuple[int, int, int]] = []  # (row, start, end exclusive)
    previous: list[int] = []  # run indexes on the row above
    for y in range(mask.height):
        current: list[int] = []
        above = 0
        for m in _RUN.finditer(data, y * width, (y + 1) * width):
            start, end = m.start() - y * width, m.end() - y * width
            index = len(runs)
            runs.append((y, start, end))
            parent.append(index)
            while above < len(previous) and runs[previous[above]][2] < start:
                above += 1  # runs above that end left of this one (diagonal touch allowed)
            k = above
            while k < len(previous) and runs[previous[k]][1] <= end:
                _union(parent, index, previous[k])
                k += 1
            current.append(index)
        previous = current
    stats: dict[int, list[int]] = {}
    for index, (y, start, end) in enumerate(runs):
        root = _find(parent, index)
        s = stats.setdefault(root, [start, y, end - 1, y, 0])
        s[0], s[1], s[2], s[3] = min(s[0], start), min(s[1], y), max(s[2], end - 1), max(s[3], y)
        s[4] += end - start
    blobs = [Blob(box=(s[0], s[1], s[2], s[3]), pixels=s[4]) for s in stats.values()]
    return sorted(blobs, key=lambda b: b.pixels, reverse=True)


def _find(parent: list[int], i: int) -> int:
    while parent[i] != i:
        parent[i] = parent[parent[i]]
        i = parent[i]
    return i


def _union(parent: list[int], a: int, b: int) -> None:
    ra, rb = _find(parent, a), _find(parent, b)
    if ra != rb:
        parent[max(ra, rb)] = min(ra, rb)
