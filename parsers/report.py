"""Read a rectification report PDF with pdfplumber (the only module that imports it).

Returns the text per page, whether there is a text layer at all (a scan has
none; text made of ``(cid:NNN)`` tokens counts as none), the title, the dates
mentioned, and, on pages that carry images, the red-seal evidence of
:mod:`parsers.seal`. Pages are closed as soon as they are read to bound memory.
"""

from __future__ import annotations

import datetime as dt
import io
import re

import pdfplumber
from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect
from pdfminer.pdfparser import PDFSyntaxError
from pdfminer.psparser import PSException
from pdfplumber.utils.exceptions import PdfminerException

from parsers.seal import detect_seal
from parsers.types import Limits, ParseError, ParseErrorKind, Report, SealEvidence

CID = re.compile(r"\(cid:\d+\)")
MAX_CID_SHARE = 0.3
SEAL_PAGES_FIRST = 5
RENDER_DPI = 72
_DOC_NUMBER = re.compile(r"^\S{0,12}〔\d{4}〕\d+号$")
_CN_DIGITS = {"〇": 0, "零": 0, "○": 0, "Ｏ": 0, "O": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5,
              "六": 6, "七": 7, "八": 8, "九": 9}
_DATE_ARABIC = re.compile(r"(\d{4})\s*(?:年|[-./])\s*(\d{1,2})\s*(?:月|[-./])\s*(\d{1,2})\s*日?")
_DATE_CHINESE = re.compile(r"([〇零○Ｏ一二三四五六七八九]{4})年([一二三四五六七八九十]{1,3})月([一二三四五六七八九十]{1,3})日")


def cid_share(text: str) -> float:
    """Share of the characters that sit inside ``(cid:NNN)`` tokens (no ToUnicode map)."""
    if not text:
        return 0.0
    return sum(len(m) for m in CID.findall(text)) / len(text)


def read_report(data: bytes, limits: Limits = Limits()) -> Report:
    if b"%PDF-" not in data[:1024]:
        raise ParseError(ParseErrorKind.WRONG_TYPE, "no %PDF- header")
    try:
        pdf = pdfplumber.open(io.BytesIO(data))
    except PdfminerException as exc:
        raise _error(exc) from exc
    except (PDFSyntaxError, PSException, ValueError, KeyError, TypeError) as exc:
        raise ParseError(ParseErrorKind.TRUNCATED, f"{type(exc).__name__}: {exc}") from exc
    try:
        return _read(pdf, limits)
    except PdfminerException as exc:
        raise _error(exc) from exc
    finally:
        pdf.close()


def _error(exc: PdfminerException) -> ParseError:
    cause = exc.args[0] if exc.args else exc.__cause__
    if isinstance(cause, (PDFPasswordIncorrect, PDFEncryptionError)) or isinstance(exc.__cause__, PDFPasswordIncorrect):
        return ParseError(ParseErrorKind.ENCRYPTED, "password required")
    return ParseError(ParseErrorKind.TRUNCATED, f"{type(cause).__name__}: {cause}")


def _read(pdf, limits: Limits) -> Report:
    try:
        pages = pdf.pages
    except (PDFSyntaxError, PSException, KeyError, TypeError, ValueError) as exc:
        raise ParseError(ParseErrorKind.TRUNCATED, f"{type(exc).__name__}: {exc}") from exc
    total = len(pages)
    if total == 0:
        raise ParseError(ParseErrorKind.TRUNCATED, "no readable page")
    count = min(total, limits.max_pdf_pages)
    seal_pages = set(range(1, min(count, SEAL_PAGES_FIRST) + 1)) | {count}
    texts: list[str] = []
    scanned: list[int] = []
    seals: list[SealEvidence] = []
    for number in range(1, count + 1):
        page = pages[number - 1]
        try:
            text = page.extract_text() or ""
            has_images = bool(page.images)
            if cid_share(text) > MAX_CID_SHARE:
                text = ""
            texts.append(text)
            if not text.strip() and has_images:
                scanned.append(number)
            if has_images and number in seal_pages:
                evidence = _seal(page, number)
                if evidence is not None:
                    seals.append(evidence)
        except (PDFSyntaxError, PSException, KeyError, TypeError, ValueError) as exc:
            if number == 1:
                raise ParseError(ParseErrorKind.TRUNCATED, f"{type(exc).__name__}: {exc}") from exc
            texts.append("")
        finally:
            page.close()
    full = "\n".join(texts)
    return Report(
        pages=count,
        page_texts=tuple(texts),
        has_text_layer=any(t.strip() for t in texts),
        scanned_pages=tuple(scanned),
        title=find_title(texts[0] if texts else ""),
        dates=find_dates(full),
        seals=tuple(seals),
        truncated_pages=total > count,
    )


def _seal(page, number: int) -> SealEvidence | None:
    try:
        image = page.to_image(resolution=RENDER_DPI).original
    except Exception:  # noqa: BLE001 - a page that will not render gives no evidence, not a crash
        return None
    return detect_seal(image, number)


def find_title(first_page: str) -> str:
    """The heading of page 1: its first lines, up to the one ending the title.

    Titles wrap over two or three lines ("西吉县田坪乡关于…" / "整改落实情况的报告");
    they end at the line holding 报告, else before the addressee line ("县人民政府办公室：")
    or the first long body line.
    """
    lines = [line.strip() for line in first_page.splitlines() if line.strip()]
    lines = [line for line in lines[:8] if not _DOC_NUMBER.match(line.replace(" ", "")) and not _only_date(line)]
    head: list[str] = []
    for line in lines[:4]:
        if line.endswith(("：", ":")) or (head and len(line) > 40):
            break
        head.append(line)
        if "报告" in line:
            break
    return "".join(head[:3])


def _only_date(line: str) -> bool:
    compact = line.replace(" ", "")
    return bool(compact) and bool(_DATE_ARABIC.fullmatch(compact) or _DATE_CHINESE.fullmatch(compact))


def _chinese_number(text: str) -> int:
    """十一 → 11, 二十四 → 24, 三十 → 30 (months and days only)."""
    if "十" not in text:
        return _CN_DIGITS.get(text, 0)
    tens, _, ones = text.partition("十")
    return (_CN_DIGITS.get(tens, 1) if tens else 1) * 10 + (_CN_DIGITS.get(ones, 0) if ones else 0)


def find_dates(text: str) -> tuple[str, ...]:
    """Dates in the text, ISO formatted, in order, without repeats; impossible dates dropped."""
    found: list[tuple[int, str]] = []
    for m in _DATE_ARABIC.finditer(text):
        found.append((m.start(), _iso(int(m.group(1)), int(m.group(2)), int(m.group(3)))))
    for m in _DATE_CHINESE.finditer(text):
        year = int("".join(str(_CN_DIGITS[c]) for c in m.group(1)))
        found.append((m.start(), _iso(year, _chinese_number(m.group(2)), _chinese_number(m.group(3)))))
    return tuple(dict.fromkeys(iso for _, iso in sorted(found) if iso))


def _iso(year: int, month: int, day: int) -> str:
    try:
        return dt.date(year, month, day).isoformat()
    except ValueError:
        return ""
