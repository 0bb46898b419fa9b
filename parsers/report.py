"""Read a rectification report PDF with pdfplumber (the only module that imports it).

Returns the text per page, whether there is a text layer at all, the title, the
dates mentioned, and red-seal evidence (:mod:`parsers.seal`) for the pages that
could carry a seal. What pdfplumber/pdfminer do with bad files, and what we make
of it:

- encrypted: opening raises ``PdfminerException`` wrapping ``PDFPasswordIncorrect``
  (or another ``PDFEncryptionError``: unknown handler) -> ENCRYPTED. A file
  encrypted with an empty user password opens like any other and is read.
- damaged: pdfminer rebuilds a lost or wrong xref by scanning for ``N 0 obj`` as
  long as the ``trailer`` survives, and turns broken content streams into empty
  pages. A file cut short loses its trailer; then opening fails (``No /Root
  object!`` or ``PSEOF``) -> TRUNCATED. pdfium cannot open such files either.
- pages are walked lazily (``PDFPage.create_pages``), never through
  ``pdf.pages``, which would build every page of a 5000-page file; a page tree
  broken part way keeps the pages before the break. Each page is closed after use.
- an xref table that parses but is numbered wrongly (off by one) leaves pdfminer
  with no pages; the table is then rebuilt by scanning the file, as pdfium does.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import unicodedata

import pdfplumber
from pdfminer.pdfdocument import PDFDocument, PDFEncryptionError, PDFNoValidXRef
from pdfminer.pdfpage import PDFPage
from pdfminer.pdfparser import PDFParser
from pdfminer.pdftypes import resolve1
from pdfminer.psparser import literal_name
from pdfplumber.page import Page

from parsers.ink import has_ink
from parsers.seal import detect_seal
from parsers.types import Limits, ParseError, ParseErrorKind, Report, SealEvidence

MAX_CID_SHARE = 0.3  # above this share of "(cid:NNN)" the page's text is garbage
MIN_TEXT_CHARS = 10  # fewer characters over a full-page image: a scanner's stamp, not text
FULL_PAGE_IMAGE = 0.5  # image area / page area
SEAL_FIRST_PAGES = 5  # seals are looked for on these and on the last page read
RENDER_DPI = 72  # for the seal, and to see whether a page without text has anything on it
MAX_RENDER_SIDE = 1600  # px: a hostile MediaBox must not become a giant bitmap
TITLE_LINES = 4
MAX_TITLE = 200  # characters: real titles are under 100; the campaign's title patterns run on it, outside the sandbox

_CID = re.compile(r"\(cid:\d+\)")
_CJK = "\u3000-\u303f\u3400-\u9fff\uff00-\uffef"
_CJK_GAP = re.compile(f"(?<=[{_CJK}])\\s+(?=[{_CJK}])")
_DOC_NUMBER = re.compile(r"^\S{0,20}[〔\[［(（]\d{4}[〕\]］)）]第?\d+号(签发人[:：]\S*)?$")
_PREAMBLE = re.compile(r"^(附件\d*[:：]?|(特急|加急|特提|平急|急件|绝密|机密|秘密)(★.*)?)$")
_SENTENCE = re.compile(r"[。，；]")
_NUMBERED = re.compile(r"^([一二三四五六七八九十]+、|[（(][一二三四五六七八九十\d]+[）)]|\d+[、.．])")
_DOCUMENT_KINDS = ("汇报", "说明", "请示", "总结", "通知", "意见", "方案", "函")
_CN_DIGITS = {"〇": 0, "零": 0, "○": 0, "O": 0, "0": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5,
              "六": 6, "七": 7, "八": 8, "九": 9}
_DATE_ARABIC = re.compile(r"(?<!\d)((?:19|20)\d{2})\s*(?:年\s*(\d{1,2})\s*月\s*(\d{1,2})(?!\d)\s*日?"
                          r"|([-./])\s*(\d{1,2})\s*\4\s*(\d{1,2})(?!\d))")
_DATE_CHINESE = re.compile(r"([〇零○O0一二三四五六七八九]{4})\s*年\s*([一二三四五六七八九十]{1,3})\s*月"
                           r"\s*([一二三四五六七八九十]{1,3})\s*日")


def read_report(data: bytes, limits: Limits = Limits()) -> Report:
    """The report as a clerk reads it; ParseError when the file cannot be read at all."""
    if b"%PDF-" not in data[:1024]:
        raise ParseError(ParseErrorKind.WRONG_TYPE, "no %PDF- header")
    if len(data) > limits.max_file_bytes:
        raise ParseError(ParseErrorKind.TOO_LARGE, f"{len(data)} bytes")
    try:
        pdf = pdfplumber.open(io.BytesIO(data), raise_unicode_errors=False)
    except MemoryError:
        raise
    except Exception as exc:  # noqa: BLE001 - pdfminer fails on damaged files with many types
        raise _open_error(exc) from exc
    try:
        page_objects, more = _first_pages(pdf.doc, limits.max_pdf_pages)
        if not page_objects:  # an xref table that parses but points at the wrong objects
            page_objects, more = _first_pages(_rebuilt(data), limits.max_pdf_pages)
        seal_pages = set(range(1, SEAL_FIRST_PAGES + 1)) | {len(page_objects)}
        texts: list[str] = []
        scanned: list[int] = []
        blank: list[int] = []
        seals: list[SealEvidence] = []
        readable = 0
        for number, page_object in enumerate(page_objects, start=1):
            result = _read_page(pdf, page_object, number, number in seal_pages)
            if result is None:  # unreadable page: the user still gets the others
                texts.append("")
                continue
            readable += 1
            text, is_scan, seal, inked = result
            texts.append(text)
            scanned += [number] if is_scan else []
            blank += [] if inked else [number]
            seals += [seal] if seal is not None else []
    finally:
        pdf.flush_cache()
    if not readable:
        raise ParseError(ParseErrorKind.TRUNCATED, "no readable page")
    return Report(
        pages=len(texts),
        page_texts=tuple(texts),
        has_text_layer=any(t.strip() for t in texts),
        scanned_pages=tuple(scanned),
        title=find_title(texts[0]),
        dates=find_dates("\n".join(texts)),
        seals=tuple(seals),
        truncated_pages=more,
        blank_pages=tuple(blank),
    )


def _open_error(exc: BaseException) -> ParseError:
    """ENCRYPTED when an encryption error is anywhere in the chain, else TRUNCATED (damaged)."""
    seen: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in seen:
        seen.append(current)
        if isinstance(current, PDFEncryptionError):
            return ParseError(ParseErrorKind.ENCRYPTED, f"{type(current).__name__}: {current}"[:300])
        inner = current.args[0] if current.args and isinstance(current.args[0], BaseException) else None
        current = inner or current.__cause__ or current.__context__
    root = seen[-1]
    return ParseError(ParseErrorKind.TRUNCATED, f"{type(root).__name__}: {root}"[:300])


def _first_pages(doc: PDFDocument | None, cap: int) -> tuple[list[PDFPage], bool]:
    """The first ``cap`` pages and whether there are more; a broken page tree ends the list."""
    found: list[PDFPage] = []
    if doc is None:
        return found, False
    try:
        for page in PDFPage.create_pages(doc):
            if len(found) == cap:
                return found, True
            found.append(page)
    except MemoryError:
        raise
    except Exception:  # noqa: BLE001 - keep the pages before the damage
        pass
    return found, False


class _ScannedXref(PDFDocument):
    """A document whose cross-reference table is rebuilt by scanning for ``N 0 obj``, as pdfminer does
    for a table it cannot parse (and pdfium for any table that does not fit the file)."""

    def find_xref(self, parser: PDFParser) -> int:
        raise PDFNoValidXRef("rebuilding the cross-reference table")


def _rebuilt(data: bytes) -> PDFDocument | None:
    """The document again, its xref table ignored: a table numbered off by one (a writer's bug that
    pdfium and Acrobat mend) leaves pdfminer with no catalog and no pages."""
    try:
        return _ScannedXref(PDFParser(io.BytesIO(data)))
    except MemoryError:
        raise
    except Exception:  # noqa: BLE001 - then the file really has no readable page
        return None


def starts_with_scan(data: bytes) -> bool:
    """Whether the first page is a scan (an image, no text layer to read): a look without rendering, a few
    milliseconds, that lets the daemon send the mail to its OCR lane before reading it whole. False when
    the file is not a PDF or cannot be opened (the full read says why)."""
    if b"%PDF-" not in data[:1024]:
        return False
    try:
        with pdfplumber.open(io.BytesIO(data), raise_unicode_errors=False) as pdf:
            [first], _ = _first_pages(pdf.doc, 1)
            page = Page(pdf, first, page_number=1)
            text, images = _text_and_images(page)
            return bool(images) and not text.strip()
    except MemoryError:
        raise
    except Exception:  # noqa: BLE001 - a damaged or empty file: not this look's to judge
        return False


def _text_and_images(page: Page) -> tuple[str, list[dict]]:
    """The page's text layer ("" when it is unusable or only a scanner's stamp on a scan) and its images."""
    text = page.extract_text() or ""
    if cid_share(text) > MAX_CID_SHARE:
        text = ""
    images = page.images
    if images and len(re.sub(r"\s", "", text)) < MIN_TEXT_CHARS and _covers_page(page, images):
        text = ""  # a scan with a scanner's page number or watermark on top
    return text, images


def _read_page(pdf: pdfplumber.PDF, page_object: PDFPage, number: int, look_for_seal: bool
               ) -> tuple[str, bool, SealEvidence | None, bool] | None:
    """(text, is a scan, seal evidence, has text or ink) of one page, or None when the page cannot be read."""
    page = None
    try:
        try:
            page = Page(pdf, page_object, page_number=number)
            text, images = _text_and_images(page)
            seal_here = look_for_seal and bool(images or _has_stamp_annotation(page_object) or _has_red_paths(page))
        except MemoryError:
            raise
        except Exception:  # noqa: BLE001 - a damaged page is an empty page, not a failed report
            return None
        image = _render(page) if seal_here or not text.strip() else None
        seal = detect_seal(image, number) if seal_here and image is not None else None
        inked = bool(text.strip()) or image is None or has_ink(image)  # unrenderable: benefit of the doubt
        return text, bool(images) and not text.strip(), seal, inked
    finally:
        if page is not None:
            page.close()


def cid_share(text: str) -> float:
    """Share of the characters inside ``(cid:NNN)`` tokens: a font without a Unicode map."""
    if not text:
        return 0.0
    return sum(len(m) for m in _CID.findall(text)) / len(text)


def _covers_page(page: Page, images: list[dict]) -> bool:
    area = float(page.width * page.height) or 1.0
    return max((i["x1"] - i["x0"]) * (i["bottom"] - i["top"]) for i in images) / area >= FULL_PAGE_IMAGE


def _has_stamp_annotation(page_object: PDFPage) -> bool:
    """An electronic seal may be a stamp annotation's appearance, not page content.

    Signature-field (Widget) seals are not looked at: pdfplumber renders without
    pdfium's form environment, which is what draws widgets, so they would always
    read as "no seal".
    """
    annots = resolve1(page_object.annots)
    for ref in annots if isinstance(annots, list) else []:
        annot = resolve1(ref)
        if isinstance(annot, dict) and "AP" in annot and literal_name(annot.get("Subtype")) == "Stamp":
            return True
    return False


def _has_red_paths(page: Page) -> bool:
    """A seal drawn as vector paths (office suites' stamp shapes) has red curves."""
    return any(_is_red(c.get("stroking_color")) or _is_red(c.get("non_stroking_color")) for c in page.curves)


def _is_red(color: object) -> bool:
    if not isinstance(color, (tuple, list)) or not all(isinstance(v, (int, float)) for v in color):
        return False
    if len(color) == 4:  # CMYK
        c, m, y, k = color
        color = ((1 - c) * (1 - k), (1 - m) * (1 - k), (1 - y) * (1 - k))
    if len(color) != 3:
        return False
    r, g, b = color
    return r >= 0.5 and max(g, b) <= 0.6 * r


def _render(page: Page):
    longest = max(page.width, page.height)
    dpi = min(RENDER_DPI, RENDER_DPI * MAX_RENDER_SIDE / longest) if longest > 0 else RENDER_DPI
    try:
        return page.to_image(resolution=dpi).original
    except MemoryError:
        raise
    except Exception:  # noqa: BLE001 - a page pdfium cannot render gives no evidence, not a crash
        return None


def find_title(first_page: str) -> str:
    """The heading of page 1, its wrapped lines joined.

    Titles wrap ("西吉县田坪乡关于政务公开反馈问题" / "整改落实情况的报告"), so lines are
    joined up to the one naming the 报告 (or ending in another kind of document:
    汇报, 说明 …, so that a wrong title is still shown whole). A letterhead above the
    document number (田政发〔2021〕12号), urgency marks, 附件 labels and date lines
    are skipped; the addressee line (县人民政府办公室：), a sentence or a numbered
    heading ends the title, so "现将情况报告如下：" in the body is never taken.
    """
    lines = [_CJK_GAP.sub("", line.strip()) for line in first_page.splitlines() if line.strip()]
    for index, line in enumerate(lines[:5]):
        if _DOC_NUMBER.match(line.replace(" ", "")):
            lines = lines[index + 1:]
            break
    while lines and (_PREAMBLE.match(lines[0].replace(" ", "")) or _only_date(lines[0])):
        lines = lines[1:]
    head: list[str] = []
    for line in lines[:TITLE_LINES]:
        if line.endswith(("：", ":")) or _SENTENCE.search(line) or _NUMBERED.match(line):
            break
        head.append(line)
        if "报告" in line or line.endswith(_DOCUMENT_KINDS):
            break
    return "".join(head)[:MAX_TITLE]


def _only_date(line: str) -> bool:
    compact = unicodedata.normalize("NFKC", line).replace(" ", "")
    return bool(_DATE_ARABIC.fullmatch(compact) or _DATE_CHINESE.fullmatch(compact))


def find_dates(text: str) -> tuple[str, ...]:
    """Dates in the text as ISO strings, in order of appearance, without repeats; impossible ones dropped."""
    text = unicodedata.normalize("NFKC", text)  # full-width digits and dots
    found: list[tuple[int, str]] = []
    for m in _DATE_ARABIC.finditer(text):
        month, day = (m.group(2), m.group(3)) if m.group(2) else (m.group(5), m.group(6))
        found.append((m.start(), _iso(int(m.group(1)), int(month), int(day))))
    for m in _DATE_CHINESE.finditer(text):
        year = int("".join(str(_CN_DIGITS[c]) for c in m.group(1)))
        found.append((m.start(), _iso(year, _chinese_number(m.group(2)), _chinese_number(m.group(3)))))
    return tuple(dict.fromkeys(iso for _, iso in sorted(found) if iso))


def _chinese_number(text: str) -> int:
    """十一 -> 11, 二十四 -> 24, 三十 -> 30, 十 -> 10 (months and days); 0 when malformed."""
    tens, ten, ones = text.partition("十")
    if not ten:
        return _CN_DIGITS.get(text, 0) if len(text) == 1 else 0
    if len(tens) > 1 or len(ones) > 1 or "十" in ones:
        return 0
    return (_CN_DIGITS.get(tens, 0) if tens else 1) * 10 + (_CN_DIGITS.get(ones, 0) if ones else 0)


def _iso(year: int, month: int, day: int) -> str:
    try:
        return dt.date(year, month, day).isoformat()
    except ValueError:
        return ""
