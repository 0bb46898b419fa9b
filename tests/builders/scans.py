"""Scanned reports for the OCR tests: a typed report rendered to page images, then stamped, tilted
and soiled as a scanner leaves it, and put back into a PDF of images only.

The typed report embeds a subset of Droid Sans Fallback (``fonts/cjk-subset.ttf``, made by
``tools/build_test_font.py``), so pdfium can draw its Chinese glyphs: the non-embedded STSong-Light
of :mod:`tests.builders.pdfs` renders as nothing. A character outside the subset is refused here,
not drawn as an empty box that OCR would then "misread".
"""

from __future__ import annotations

import io
import random
import re
from pathlib import Path

import pypdfium2 as pdfium
from PIL import Image, ImageFilter
from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

from tests.builders.pdfs import SIGNATURE_DATE, UNIT, scanned_report, seal_image

FONT_FILE = Path(__file__).resolve().parent / "fonts" / "cjk-subset.ttf"
FONT = "CJKSubset"
COUNTS = (14, 13, 0, 1)  # 共, 已完成整改, 正在整改, 未整改: as the example report states them
BODY = (
    "一、高度重视，加强组织领导",
    "收到反馈问题清单后，我乡立即召开专题会议进行安排部署，成立了以乡长为组长的整改工作领导小组，",
    "明确分管领导和具体经办人员，对照问题清单逐条制定整改措施，明确整改时限和责任人。",
    "二、逐项对照，抓好问题整改",
    "针对政府信息公开专栏内容更新不及时的问题，安排专人负责信息发布审核工作，",
    "建立了信息公开工作台账，按月检查栏目更新情况，确保信息及时准确发布。",
    "针对政策解读形式单一的问题，采用图片和文字相结合的方式开展解读，提高群众知晓率。",
    "三、健全机制，巩固整改成效",
    "下一步，我乡将进一步完善政务公开工作制度，加强业务培训，持续做好整改后续工作。",
)


def _font() -> str:
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(FONT, str(FONT_FILE)))
    return FONT


def _runs(text: str, size: float) -> list[tuple[str, str, float]]:
    """(font, text, width) runs: ASCII in Helvetica (pdfium draws its own), the rest in the CJK subset,
    which has no Latin glyphs."""
    covered = pdfmetrics.getFont(_font()).face.charToGlyph
    missing = {c for c in text if ord(c) > 0x7E and ord(c) not in covered}
    if missing:
        raise ValueError(f"not in the test font (rerun tools/build_test_font.py with them): {''.join(sorted(missing))}")
    runs = []
    for part in re.findall(r"[\x20-\x7e]+|[^\x20-\x7e]+", text):
        font = "Helvetica" if part[0] <= "~" else FONT
        runs.append((font, part, pdfmetrics.stringWidth(part, font, size)))
    return runs


def _draw(c: canvas.Canvas, x: float, y: float, text: str, size: float, align: str = "left") -> None:
    runs = _runs(text, size)
    total = sum(width for _, _, width in runs)
    x -= {"left": 0, "centre": total / 2, "right": total}[align]
    for font, part, width in runs:
        c.setFont(font, size)
        c.drawString(x, y, part)
        x += width


def counts_sentence(counts: tuple[int, int, int, int] = COUNTS, place: str = "我乡") -> str:
    total, done, doing, undone = counts
    return f"涉及{place}的反馈问题共{total}个，已完成整改{done}个，正在整改{doing}个，未整改{undone}个。"


def typed_report(unit: str = UNIT, pages: int = 3, title: tuple[str, ...] | None = None,
                 opening: tuple[str, ...] | None = None, signature: str | None = None,
                 date_line: str = SIGNATURE_DATE, counts: tuple[int, int, int, int] | None = COUNTS) -> bytes:
    """A typed report with an embedded font: title, addressee, an opening paragraph naming the notice's
    文号 and the counts, body paragraphs over ``pages`` pages, and 落款 and date at the end of the last."""
    title = title or (f"西吉县{unit}关于政务公开反馈问题", "整改落实情况的报告")
    opening = opening or ("县人民政府办公室：",
                          "按照西政办函〔2021〕56号文件要求，我乡对照反馈问题逐项整改。",
                          *((counts_sentence(counts),) if counts else ()),
                          "现将整改情况报告如下：")
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4)
    width, height = A4
    for number in range(1, pages + 1):
        y = height - 90
        if number == 1:
            for line in title:
                _draw(c, width / 2, y, line, 20, "centre")
                y -= 32
            y -= 10
            for line in opening:
                _draw(c, 72, y, line, 14)
                y -= 26
        for line in BODY[: 4 if number == pages else len(BODY)]:
            _draw(c, 72, y, line, 12)
            y -= 24
        if number == pages:
            _draw(c, width - 90, y - 60, signature if signature is not None else f"西吉县{unit}人民政府", 14, "right")
            _draw(c, width - 90, y - 86, date_line, 14, "right")
        c.showPage()
    c.save()
    return buf.getvalue()


def page_images(pdf: bytes, dpi: int = 100) -> list[Image.Image]:
    """Each page of ``pdf`` as a scanner's RGB image."""
    document = pdfium.PdfDocument(pdf)
    try:
        return [document[i].render(scale=dpi / 72).to_pil().convert("RGB") for i in range(len(document))]
    finally:
        document.close()


def soiled(page: Image.Image, seal: bool = False, tilt: float = 0.0, noise: int = 0, seed: int = 1) -> Image.Image:
    """A page as it comes out of an office scanner: greyish paper, a red seal over the signature
    (lower right), tilted by ``tilt`` degrees, with speckle noise of amplitude ``noise``."""
    page = Image.eval(page, lambda v: min(v, 246))  # paper is never white
    if seal:
        side = page.width // 5
        stamp = seal_image(side)
        page.paste(stamp, (int(page.width * 0.68), int(page.height * 0.38)), stamp)
    if tilt:
        page = page.rotate(tilt, resample=Image.Resampling.BICUBIC, expand=False, fillcolor=(246, 245, 240))
    if noise:
        rng = random.Random(seed)
        specks = Image.effect_noise(page.size, noise).convert("RGB")
        page = Image.blend(page, specks, 0.12).filter(ImageFilter.SMOOTH)
        pixels = page.load()
        for _ in range(page.width * page.height // 2000):  # dust
            pixels[rng.randrange(page.width), rng.randrange(page.height)] = (30, 30, 30)
    return page


def scanned(pdf: bytes, dpi: int = 100, seal: bool = True, tilt: float = 0.0, noise: int = 0,
            blank_pages: int = 0) -> bytes:
    """``pdf`` printed, signed, stamped on its last page and scanned back as an image-only PDF;
    ``blank_pages``: empty back sides a duplex scanner adds at the end."""
    images = page_images(pdf, dpi)
    last = len(images) - 1
    pages = [soiled(image, seal=seal and i == last, tilt=tilt, noise=noise, seed=i) for i, image in enumerate(images)]
    pages += [soiled(Image.new("RGB", images[0].size, (255, 255, 255)), noise=noise, seed=99 + i)
              for i in range(blank_pages)]
    return scanned_report(tuple(pages))


def scanned_typed_report(dpi: int = 100, seal: bool = True, tilt: float = 0.0, noise: int = 0,
                         blank_pages: int = 0, **report) -> bytes:
    """A typed report (:func:`typed_report` options), scanned."""
    return scanned(typed_report(**report), dpi=dpi, seal=seal, tilt=tilt, noise=noise, blank_pages=blank_pages)


def blank_report(kind: str = "empty", pages: int = 1) -> bytes:
    """Reports with nothing on them: "empty" (pages without content), "white" (a white scan),
    "near_blank" (a scan of an empty sheet: grey paper, noise, dust, a punched hole's shadow)."""
    if kind == "empty":
        buf = io.BytesIO()
        c = canvas.Canvas(buf, pagesize=A4)
        for _ in range(pages):
            c.showPage()
        c.save()
        return buf.getvalue()
    size = (827, 1169)  # A4 at 100 dpi
    images = []
    for i in range(pages):
        page = Image.new("RGB", size, (255, 255, 255))
        if kind == "near_blank":
            page = soiled(page, noise=40, seed=i)
            dot = Image.new("RGB", (14, 14), (90, 90, 90))
            page.paste(dot, (30, size[1] // 3))  # a punched hole's shadow in the margin
        images.append(page)
    return scanned_report(tuple(images))
