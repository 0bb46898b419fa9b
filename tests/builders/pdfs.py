"""Rectification report PDFs built in memory for the report reader's tests.

Typed reports use reportlab's built-in STSong-Light CID font (pdfplumber extracts
it as Unicode). A "scan" is a page image drawn with Pillow -- grey bars for text
lines, a red ring seal with a star -- placed on a page with no text layer, JPEG
compressed as scanners do. Files reportlab cannot make (a font without a Unicode
map, a stamp annotation, an unknown security handler) are assembled by hand.
"""

from __future__ import annotations

import io
import math
import re

from PIL import Image, ImageDraw
from reportlab.lib.pagesizes import A4
from reportlab.lib.pdfencrypt import StandardEncryption
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

FONT = "STSong-Light"
SEAL_RED = (220, 30, 35)
PAGE_PX = (1240, 1754)  # A4 at 150 dpi
UNIT = "田坪乡"
SIGNATURE_DATE = "二〇二一年十一月二十四日"


def _canvas(buf: io.BytesIO, **options) -> canvas.Canvas:
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    return canvas.Canvas(buf, pagesize=A4, **options)


def text_report(unit: str = UNIT, pages: int = 1, seal: str | bool = "", date_line: str = SIGNATURE_DATE,
                head: tuple[str, ...] = (), title: tuple[str, ...] | None = None, body: tuple[str, ...] | None = None,
                signature: str | None = None) -> bytes:
    """A typed report: optional lines above the title, a two-line title, body, 落款 and date;
    pages after the first carry one short line each.

    ``seal``: "" none, "image" (or True) an electronic seal picture, "vector" a seal drawn as red
    paths. ``title``, ``body`` and ``signature`` (落款) default to a correct report of ``unit``.
    """
    seal = "image" if seal is True else seal or ""
    title = title or (f"西吉县{unit}关于政务公开反馈问题", "整改落实情况的报告")
    body = body or ("县人民政府办公室：",
            f"按照西政办函〔2021〕56号文件要求，{unit}对照反馈问题逐项整改，",
            "于2021年11月10日前全部完成，现将整改情况报告如下：",
            "一、整改工作开展情况", "二、下一步工作打算")
    buf = io.BytesIO()
    c = _canvas(buf)
    width, height = A4
    for number in range(1, pages + 1):
        y = height - 80
        if number == 1:
            c.setFont(FONT, 12)
            for line in head:
                c.drawCentredString(width / 2, y, line)
                y -= 24
            c.setFont(FONT, 20)
            for line in title:
                c.drawCentredString(width / 2, y, line)
                y -= 30
            c.setFont(FONT, 14)
            for line in body:
                c.drawString(72, y, line)
                y -= 24
        else:
            c.setFont(FONT, 14)
            c.drawString(72, y, f"（{number}）整改措施落实情况。")
        if number == pages:
            c.setFont(FONT, 14)
            c.drawRightString(width - 90, 200, signature if signature is not None else f"西吉县{unit}人民政府")
            c.drawRightString(width - 90, 176, date_line)
            if seal == "image":
                c.drawImage(ImageReader(seal_image(300)), width - 240, 130, 120, 120, mask="auto")
            elif seal == "vector":
                _vector_seal(c, width - 180, 190, 60)
        c.showPage()
    c.save()
    return buf.getvalue()


def _vector_seal(c: canvas.Canvas, cx: float, cy: float, r: float) -> None:
    """A seal as office suites draw it: a red circle, a red star, red text on the arc."""
    c.saveState()
    c.setStrokeColorRGB(0.86, 0.12, 0.14)
    c.setFillColorRGB(0.86, 0.12, 0.14)
    c.setLineWidth(3.5)
    c.circle(cx, cy, r - 2, stroke=1, fill=0)
    path = c.beginPath()
    for i, (x, y) in enumerate(_star(cx, cy, r * 0.3, r * 0.12, up=1)):
        path.moveTo(x, y) if i == 0 else path.lineTo(x, y)
    path.close()
    c.drawPath(path, stroke=0, fill=1)
    c.setFont(FONT, 11)
    for k, char in enumerate("西吉县田坪乡人民政府"):
        angle = math.radians(150 - k * 13.3)
        c.saveState()
        c.translate(cx + r * 0.72 * math.cos(angle), cy + r * 0.72 * math.sin(angle))
        c.rotate(math.degrees(angle) - 90)
        c.drawCentredString(0, -4, char)
        c.restoreState()
    c.restoreState()


def _star(cx: float, cy: float, outer: float, inner: float, up: int = -1) -> list[tuple[float, float]]:
    """Five-pointed star; ``up`` = -1 for image coordinates (y down), 1 for PDF (y up)."""
    return [(cx + (outer if i % 2 == 0 else inner) * math.sin(i * math.pi / 5),
             cy - up * (outer if i % 2 == 0 else inner) * math.cos(i * math.pi / 5)) for i in range(10)]


def seal_image(size: int = 300, color: tuple[int, int, int] = SEAL_RED, thin: bool = False) -> Image.Image:
    """A round official seal on a transparent ground: a ring, a star, the unit's name as
    character-like marks along the upper arc and a short line under the star.

    ``thin``: a 0.5 mm ring (1/80 of the diameter) and characters of hairline strokes,
    as a lightly inked stamp leaves them; otherwise a bold ring and block characters.
    """
    img = Image.new("RGBA", (size, size), (255, 255, 255, 0))
    d = ImageDraw.Draw(img)
    ink = color + (255,)
    d.ellipse((1, 1, size - 2, size - 2), outline=ink, width=max(1, size // (80 if thin else 24)))
    d.polygon(_star(size / 2, size / 2, size * 0.15, size * 0.06), fill=ink)
    cell, stroke = size * 0.085, max(1, size // 120)
    for k in range(11):  # characters along the arc, gaps between them
        angle = math.radians(-160 + k * 14)
        x = size / 2 + size * 0.34 * math.cos(angle)
        y = size / 2 + size * 0.34 * math.sin(angle)
        if thin:  # 三 crossed by a vertical stroke
            for j in range(3):
                d.line((x - cell / 2, y + (j - 1) * cell / 2, x + cell / 2, y + (j - 1) * cell / 2), fill=ink, width=stroke)
            d.line((x, y - cell / 2, x, y + cell / 2), fill=ink, width=stroke)
        else:
            d.rectangle((x - cell / 2, y - cell / 2, x + cell / 2, y - cell / 6), fill=ink)
            d.rectangle((x - cell / 2, y + cell / 6, x + cell / 2, y + cell / 2), fill=ink)
    for k in range(4):  # 专用章-style line below the star
        x = size * (0.32 + k * 0.1)
        d.rectangle((x, size * 0.7, x + cell * 0.8, size * 0.7 + cell * 0.8), outline=ink, width=stroke + 1)
    return img


def scanned_page(seal: bool = True, red_title: bool = False, seal_size: int = 300,
                 seal_color: tuple[int, int, int] = SEAL_RED, rotate: float = 0, thin: bool = False) -> Image.Image:
    """A 150 dpi A4 page photo-copied: grey text lines, a title, signature, maybe a seal or a 红头."""
    page = Image.new("RGB", PAGE_PX, (246, 245, 240))
    d = ImageDraw.Draw(page)
    d.rectangle((330, 260, 910, 292), fill=(40, 40, 40))  # title, two lines
    d.rectangle((430, 310, 810, 342), fill=(40, 40, 40))
    for i, y in enumerate(range(420, 1300, 46)):
        d.rectangle((150 + (60 if i % 6 == 0 else 0), y, 1090 - (i % 3) * 110, y + 20), fill=(70, 70, 70))
    d.rectangle((760, 1420, 1090, 1445), fill=(50, 50, 50))  # 落款 and date
    d.rectangle((800, 1470, 1090, 1495), fill=(50, 50, 50))
    if red_title:
        for x in range(130, 1110, 98):  # 西吉县田坪乡人民政府文件 in big red characters
            d.rectangle((x, 70, x + 80, 110), fill=SEAL_RED)
            d.rectangle((x + 10, 125, x + 70, 165), fill=SEAL_RED)
        d.rectangle((110, 215, 1130, 222), fill=SEAL_RED)  # the red rule under the header
    if seal:
        stamp = seal_image(seal_size, seal_color, thin)
        stamp = stamp.rotate(rotate, expand=True) if rotate else stamp
        page.paste(stamp, (920 - stamp.width // 2, 1460 - stamp.height // 2), stamp)
    return page


def scanned_report(pages: tuple[Image.Image, ...] = (), text_overlay: str = "", **page_options) -> bytes:
    """A PDF whose pages are JPEG images only (no text layer), as from a scanner.

    ``text_overlay``: a few characters of real text on top, as scanner apps stamp a
    page number or their name.
    """
    buf = io.BytesIO()
    c = _canvas(buf)
    for image in pages or (scanned_page(**page_options),):
        jpeg = io.BytesIO()
        image.save(jpeg, "JPEG", quality=80)
        jpeg.seek(0)
        c.drawImage(ImageReader(jpeg), 0, 0, A4[0], A4[1])
        if text_overlay:
            c.setFont(FONT, 9)
            c.drawString(A4[0] - 120, 20, text_overlay)
        c.showPage()
    c.save()
    return buf.getvalue()


def encrypted_report(user_password: str = "xiji2021", restricted: bool = False) -> bytes:
    """RC4-encrypted by reportlab; with ``user_password=""`` anyone may open it.

    ``restricted``: copying and editing forbidden (WPS's 权限设置, common on official PDFs).

    The text is ASCII: reportlab leaves the strings inside its CID font dictionary
    unencrypted, pdfminer decrypts them into garbage and then reads STSong text as
    (cid:NNN) -- a reportlab defect, not something offices send.
    """
    buf = io.BytesIO()
    allowed = 0 if restricted else 1
    c = _canvas(buf, encrypt=StandardEncryption(user_password, ownerPassword="owner-secret", canPrint=1,
                                                canModify=allowed, canCopy=allowed, canAnnotate=allowed))
    c.setFont("Helvetica", 16)
    c.drawString(72, 760, "Tianping rectification report 2021-11-24")
    c.showPage()
    c.save()
    return buf.getvalue()


def truncated(data: bytes, fraction: float = 0.5) -> bytes:
    """The start of a file, as when an upload or a mail is cut off."""
    return data[: int(len(data) * fraction)]


def wrong_startxref(data: bytes) -> bytes:
    """A file whose xref offset points nowhere (an editor's bad incremental save); the trailer stays."""
    return re.sub(rb"startxref\s+\d+", b"startxref\n17", data)


def raw_pdf(objects: list[bytes], trailer_extra: bytes = b"") -> bytes:
    """Assemble numbered objects (1 = catalog) into a PDF with a correct xref table."""
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R %s>>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, trailer_extra, xref)
    return bytes(out)


def _stream(content: bytes, extra: bytes = b"") -> bytes:
    return b"<< /Length %d %s>>\nstream\n" % (len(content), extra) + content + b"\nendstream"


def _page_objects(content: bytes, resources: bytes, annots: bytes = b"") -> list[bytes]:
    return [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources "
            + resources + annots + b" >>",
            _stream(content)]


def cid_report() -> bytes:
    """Text in a Type0 font with Identity-H encoding, no ToUnicode and no known ordering:
    pdfminer can only say "(cid:NNN)", as with many Word/WPS exports of Chinese fonts."""
    glyphs = b"".join(b"<%s> Tj T* " % "".join(f"{g:04X}" for g in range(start, start + 14)).encode()
                      for start in range(100, 1500, 100))
    content = b"BT /F1 16 Tf 20 TL 72 780 Td " + glyphs + b"ET"
    return raw_pdf(_page_objects(content, b"<< /Font << /F1 5 0 R >> >>") + [
        b"<< /Type /Font /Subtype /Type0 /BaseFont /SimSun /Encoding /Identity-H /DescendantFonts [6 0 R] >>",
        b"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /SimSun /DW 1000 /FontDescriptor 7 0 R"
        b" /CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> >>",
        b"<< /Type /FontDescriptor /FontName /SimSun /Flags 4 /FontBBox [0 -141 1000 859] /ItalicAngle 0"
        b" /Ascent 859 /Descent -141 /CapHeight 700 /StemV 80 >>"])


def stamp_annotation_report(subtype: bytes = b"Stamp") -> bytes:
    """A typed page whose electronic seal is an annotation's appearance, not page content."""
    text = b"BT /F1 14 Tf 18 TL 72 780 Td (Tianping rectification report) Tj T* (Signed 2021-11-24) Tj ET"
    ring = b"0.86 0.12 0.14 RG 0.86 0.12 0.14 rg 6 w " + _circle(60, 60, 56)
    star = _star(60, 60, 20, 8, up=1)
    ring += b"%.1f %.1f m " % star[0] + b"".join(b"%.1f %.1f l " % p for p in star[1:]) + b"h f"
    ring += b"".join(b" %.1f %.1f 7 7 re f" % (60 + 38 * math.cos(a) - 3.5, 60 + 38 * math.sin(a) - 3.5)
                     for a in (math.radians(200 - i * 20) for i in range(12)))
    fields = b" /FT /Sig /T (seal)" if subtype == b"Widget" else b""  # a signature field
    return raw_pdf(_page_objects(text, b"<< /Font << /F1 5 0 R >> >>", b" /Annots [6 0 R]") + [
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Type /Annot /Subtype /%s /Rect [400 120 520 240] /F 4 /AP << /N 7 0 R >>%s >>" % (subtype, fields),
        _stream(ring, b"/Type /XObject /Subtype /Form /BBox [0 0 120 120] ")])


def _circle(cx: float, cy: float, r: float) -> bytes:
    """Stroke a circle as four Bezier quarters (PDF has no circle operator)."""
    ops, quarter = b"%.1f %.1f m " % (cx + r, cy), [(1, 0.5523), (0.5523, 1), (0, 1)]
    for _ in range(4):
        ops += b"".join(b"%.1f %.1f " % (cx + r * x, cy + r * y) for x, y in quarter) + b"c "
        quarter = [(-y, x) for x, y in quarter]
    return ops + b"S "


def unknown_security_handler() -> bytes:
    """Encrypted with a handler pdfminer does not know (certificate security, Adobe.PubSec)."""
    content = b"BT /F1 14 Tf 72 780 Td (secret) Tj ET"
    return raw_pdf(_page_objects(content, b"<< /Font << /F1 5 0 R >> >>")
                   + [b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
                      b"<< /Filter /Adobe.PubSec /V 4 /Length 128 >>"],
                   trailer_extra=b"/Encrypt 6 0 R /ID [<00112233445566778899aabbccddeeff><00112233445566778899aabbccddeeff>] ")


def plain_pages(texts: tuple[str, ...], bad_media_box: tuple[int, ...] = ()) -> bytes:
    """ASCII pages by hand; the pages in ``bad_media_box`` (1-based) carry a MediaBox no
    reader can use, so they cannot be read while the others can."""
    count = len(texts)
    kids = b" ".join(b"%d 0 R" % (3 + 2 * i) for i in range(count))
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, count)]
    font = 3 + 2 * count
    for number, text in enumerate(texts, start=1):
        box = b"[0 0 (wide) 842]" if number in bad_media_box else b"[0 0 595 842]"
        objects.append(b"<< /Type /Page /Parent 2 0 R /MediaBox %s /Contents %d 0 R"
                       b" /Resources << /Font << /F1 %d 0 R >> >> >>" % (box, 4 + 2 * (number - 1), font))
        objects.append(_stream(b"BT /F1 14 Tf 72 780 Td (%s) Tj ET" % text.encode("ascii")))
    return raw_pdf(objects + [b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"])


def odd_matrix_report(text: bytes = b"Report") -> bytes:
    """A page whose content stream has a transformation matrix that is not all numbers: pdfminer
    reads the page and logs a warning about it (a library warning that must reach the log with its mail)."""
    font = b"<< /Font << /F1 << /Type /Font /Subtype /Type1 /BaseFont /Helvetica >> >> >>"
    content = b"1 0 0 /x 0 0 cm BT /F1 12 Tf 72 700 Td (" + text + b") Tj ET"
    return raw_pdf(_page_objects(content, font))


def xref_off_by_one(data: bytes) -> bytes:
    """The PDF with its cross-reference table numbered from 1 instead of 0 (``xref 1 N``), so every entry
    points at the object before it: a writer's bug Acrobat and pdfium mend by rebuilding the table."""
    head, sep, tail = data.rpartition(b"\nxref\n0 ")
    assert sep, "no classic xref table"
    return head + b"\nxref\n1 " + tail
