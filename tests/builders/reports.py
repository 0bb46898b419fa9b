"""Build rectification report PDFs in memory: text reports, scans with a drawn seal, broken ones.

Chinese text uses reportlab's built-in STSong-Light CID font, which pdfplumber
extracts as Unicode. A "scan" is a page image drawn with Pillow (grey bars for
text lines, a red ring seal with a star) placed on a page with no text layer.
"""

from __future__ import annotations

import io
import math

from PIL import Image, ImageDraw
from reportlab.lib.pagesizes import A4
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

FONT = "STSong-Light"
pdfmetrics.registerFont(UnicodeCIDFont(FONT))

SEAL_RED = (220, 30, 35)


def text_report(
    unit: str = "田坪乡",
    title_lines: tuple[str, ...] | None = None,
    body: tuple[str, ...] = (),
    signature: str | None = None,
    date_line: str = "二〇二一年十一月二十四日",
    seal: bool = False,
    pages: int = 1,
) -> bytes:
    """A typed report: a two-line title naming the unit, body, 落款 and date."""
    title_lines = title_lines or (f"西吉县{unit}关于政务公开反馈问题", "整改落实情况的报告")
    body = body or (
        "县人民政府办公室：",
        f"按照西政办函〔2021〕56号文件要求，{unit}高度重视，对照反馈问题台账逐项整改，现将整改情况报告如下。",
        "一、整改工作开展情况",
        "二、下一步工作打算",
    )
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4)
    width, height = A4
    for page in range(1, pages + 1):
        y = height - 90
        if page == 1:
            c.setFont(FONT, 18)
            for line in title_lines:
                c.drawCentredString(width / 2, y, line)
                y -= 28
            c.setFont(FONT, 12)
            for line in body:
                c.drawString(72, y, line[:38])
                y -= 22
        else:
            c.setFont(FONT, 12)
            c.drawString(72, y, f"（第{page}页）整改措施落实情况说明。")
        if page == pages:
            c.setFont(FONT, 12)
            c.drawRightString(width - 90, 200, signature if signature is not None else f"西吉县{unit}人民政府")
            c.drawRightString(width - 90, 178, date_line)
            if seal:
                c.drawImage(ImageReader(seal_image(160)), width - 250, 150, 120, 120, mask="auto")
        c.showPage()
    c.save()
    return buf.getvalue()


def seal_image(size: int = 300, color: tuple[int, int, int] = SEAL_RED) -> Image.Image:
    """A round official seal: a thick ring, a star, and a band of 'text' marks along the ring."""
    img = Image.new("RGBA", (size, size), (255, 255, 255, 0))
    d = ImageDraw.Draw(img)
    ring = max(3, size // 25)
    d.ellipse((ring, ring, size - ring, size - ring), outline=color + (255,), width=ring)
    cx = cy = size / 2
    r_out, r_in = size * 0.16, size * 0.065
    star = [(cx + (r_out if i % 2 == 0 else r_in) * math.sin(i * math.pi / 5),
             cy - (r_out if i % 2 == 0 else r_in) * math.cos(i * math.pi / 5)) for i in range(10)]
    d.polygon(star, fill=color + (255,))
    for k in range(14):  # the unit's name along the upper arc, as blocks
        angle = math.radians(-150 + k * 22)
        x = cx + size * 0.32 * math.cos(angle)
        y = cy + size * 0.32 * math.sin(angle)
        d.rectangle((x - size * 0.03, y - size * 0.03, x + size * 0.03, y + size * 0.03), fill=color + (255,))
    return img


def scanned_page(seal: bool = True, red_title: bool = False, seal_size: int = 300) -> Image.Image:
    """A 150 dpi A4 page image: grey text lines, a signature area, optionally a seal or a red title band."""
    page = Image.new("RGB", (1240, 1754), (250, 250, 247))
    d = ImageDraw.Draw(page)
    for i, y in enumerate(range(300, 1300, 48)):
        d.rectangle((150, y, 1090 - (i % 3) * 120, y + 18), fill=(60, 60, 60))
    d.rectangle((300, 160, 940, 200), fill=(30, 30, 30))  # title
    if red_title:
        d.rectangle((120, 60, 1120, 130), fill=SEAL_RED)  # 红头 band: wide, not a seal
        d.rectangle((120, 150, 1120, 156), fill=SEAL_RED)
    if seal:
        stamp = seal_image(seal_size)
        page.paste(stamp, (760, 1350), stamp)
    return page


def scanned_report(pages: tuple[Image.Image, ...] | None = None, **page_options) -> bytes:
    """A PDF whose pages are only images: no text layer, as from a scanner."""
    pages = pages or (scanned_page(**page_options),)
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4)
    for image in pages:
        c.drawImage(ImageReader(image), 0, 0, A4[0], A4[1])
        c.showPage()
    c.save()
    return buf.getvalue()


def encrypted_report(password: str = "xiji2021") -> bytes:
    from reportlab.lib.pdfencrypt import StandardEncryption

    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4, encrypt=StandardEncryption(password, canPrint=1))
    c.setFont(FONT, 14)
    c.drawString(72, 760, "田坪乡关于政务公开反馈问题整改落实情况的报告")
    c.showPage()
    c.save()
    return buf.getvalue()


def truncated(data: bytes) -> bytes:
    """The first half of a file, as when an upload is cut off."""
    return data[: len(data) // 2]
