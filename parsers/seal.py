"""Is there a red official seal (公章) on a rendered page? A colour-and-shape heuristic.

A Chinese official seal is a red ring (with a star and text inside) roughly
3.5-4.5 cm across. The page is downscaled, red pixels are masked in HSV
(hue within ~15 degrees of red, strongly saturated, not dark), the mask is
dilated so the ring, star and text join, and the largest red blob must be
square-ish, of seal size relative to the page, and neither a solid block nor
scattered text. Red alone proves nothing: a red-headed title (红头) is a wide
band and is rejected by its shape.
"""

from __future__ import annotations

from PIL import Image, ImageChops, ImageFilter

from parsers.types import SealEvidence

WORK_SIZE = 400  # long side of the downscaled page, pixels
HUE_LOW, HUE_HIGH = 11, 244  # PIL hue 0-255: red is <= 10 or >= 245
MIN_SATURATION, MIN_VALUE = 90, 70
MIN_SIDE, MAX_SIDE = 0.06, 0.45  # blob side relative to page width
MIN_ASPECT, MAX_ASPECT = 0.75, 1.33
MIN_FILL, MAX_FILL = 0.08, 0.75  # red pixels / blob box area (after dilation)


def red_mask(image: Image.Image) -> Image.Image:
    """255 where a pixel is seal red, else 0 (mode L)."""
    h, s, v = image.convert("RGB").convert("HSV").split()
    hue = h.point(lambda x: 255 if x < HUE_LOW or x > HUE_HIGH else 0)
    sat = s.point(lambda x: 255 if x >= MIN_SATURATION else 0)
    val = v.point(lambda x: 255 if x >= MIN_VALUE else 0)
    return ImageChops.multiply(ImageChops.multiply(hue, sat), val)


def detect_seal(image: Image.Image, page: int) -> SealEvidence:
    scale = WORK_SIZE / max(image.size)
    small = image.resize((max(1, round(image.width * scale)), max(1, round(image.height * scale))))
    mask = red_mask(small)
    width, height = mask.size
    red_total = mask.histogram()[255]
    red_share = red_total / float(width * height)
    if red_total == 0:
        return SealEvidence(page=page, found=False, red_share=0.0)
    joined = mask.filter(ImageFilter.MaxFilter(3))
    box, count = _largest_blob(joined.tobytes(), width, height)
    x0, y0, x1, y1 = box
    w, h = x1 - x0 + 1, y1 - y0 + 1
    aspect = w / h
    fill = count / float(w * h)
    side = max(w, h) / width
    found = MIN_ASPECT <= aspect <= MAX_ASPECT and MIN_SIDE <= side <= MAX_SIDE and MIN_FILL <= fill <= MAX_FILL
    roundness = min(aspect, 1 / aspect) * (1.0 if MIN_FILL <= fill <= MAX_FILL else 0.5)
    back = 1 / scale
    scaled_box = (round(x0 * back), round(y0 * back), round((x1 + 1) * back), round((y1 + 1) * back))
    return SealEvidence(page=page, found=found, red_share=round(red_share, 5), blob_box=scaled_box,
                        roundness=round(roundness, 3))


def _largest_blob(data: bytes, width: int, height: int) -> tuple[tuple[int, int, int, int], int]:
    """Bounding box and pixel count of the largest 4-connected non-zero component."""
    seen = bytearray(len(data))
    best_box, best_count = (0, 0, 0, 0), 0
    for start in (i for i, value in enumerate(data) if value):
        if seen[start]:
            continue
        seen[start] = 1
        stack = [start]
        count, x0, y0, x1, y1 = 0, width, height, 0, 0
        while stack:
            index = stack.pop()
            y, x = divmod(index, width)
            count += 1
            x0, x1, y0, y1 = min(x0, x), max(x1, x), min(y0, y), max(y1, y)
            for n, ok in ((index + 1, x + 1 < width), (index - 1, x > 0),
                          (index + width, y + 1 < height), (index - width, y > 0)):
                if ok and data[n] and not seen[n]:
                    seen[n] = 1
                    stack.append(n)
        if count > best_count:
            best_box, best_count = (x0, y0, x1, y1), count
    return best_box, best_count
