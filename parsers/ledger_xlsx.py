"""Read .xlsx workbooks into neutral sheets with openpyxl (the only module that imports it).

Normal mode, not read-only: ledgers are small forms, and read-only mode trusts
the declared dimension (WPS writes A1:A1) and loses merged cells. Formulas are
returned as their text, never evaluated. defusedxml, a dependency, makes
openpyxl refuse XML entity attacks. Zip sizes were checked by parsers.guard
before we are called.
"""

from __future__ import annotations

import io
import re
import zipfile
from xml.etree.ElementTree import ParseError as XMLParseError

import openpyxl
from openpyxl.utils.datetime import from_excel
from openpyxl.utils.exceptions import InvalidFileException

from parsers.grid import Sheet, to_text
from parsers.types import Limits, ParseError, ParseErrorKind

CHINESE_DATE_FORMAT_IDS = frozenset(range(27, 37)) | frozenset(range(50, 59))

try:  # defusedxml's refusals (entities, DTDs) all derive from this
    from defusedxml import DefusedXmlException
except ImportError:  # pragma: no cover - defusedxml is a hard dependency
    DefusedXmlException = ValueError


def read_sheets(data: bytes, limits: Limits) -> list[Sheet]:
    try:
        wb = _load(data)
    except ParseError as error:
        if not error.detail.startswith("TypeError"):
            raise
        # some writers (WPS among them) emit an empty <fill/> that openpyxl rejects; mend and retry once
        wb = _load(repair_styles(data))
    try:
        return [_sheet(ws, limits) for ws in wb.worksheets]
    finally:
        wb.close()


def repair_styles(data: bytes) -> bytes:
    """The same workbook with every empty ``<fill/>`` in styles.xml made a valid empty fill."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            content = src.read(info)
            if info.filename == "xl/styles.xml":
                content = re.sub(rb"<(\w+:)?fill\s*/>", rb"<\1fill><\1patternFill/></\1fill>", content)
            dst.writestr(info, content)
    return out.getvalue()


def _load(data: bytes):
    try:
        return openpyxl.load_workbook(io.BytesIO(data), data_only=False, keep_links=False, rich_text=False)
    except DefusedXmlException as exc:
        raise ParseError(ParseErrorKind.BOMB, f"XML entities refused: {exc!r}") from exc
    except zipfile.BadZipFile as exc:
        raise ParseError(ParseErrorKind.TRUNCATED, str(exc)) from exc
    except (InvalidFileException, XMLParseError) as exc:
        raise ParseError(ParseErrorKind.UNREADABLE, f"{type(exc).__name__}: {exc}") from exc
    except (KeyError, TypeError, ValueError, IndexError, AttributeError, OSError, EOFError) as exc:
        # known openpyxl crashes on odd writers, e.g. TypeError for an empty <fill/> in styles
        if _caused_by(exc, DefusedXmlException):  # openpyxl wraps the refusal in a ValueError
            raise ParseError(ParseErrorKind.BOMB, "XML entities refused") from exc
        raise ParseError(ParseErrorKind.UNREADABLE, f"{type(exc).__name__}: {exc}") from exc


def _caused_by(exc: BaseException | None, kind: type) -> bool:
    for _ in range(10):
        if exc is None:
            return False
        if isinstance(exc, kind):
            return True
        exc = exc.__cause__ or exc.__context__
    return False


def _value(cell):
    """The cell's value; numbers under a Chinese built-in date format become dates.

    openpyxl knows no format for built-in ids 27-36 and 50-58 (the zh-CN date
    formats such as yyyy年m月d日) and returns the serial number with 'General'.
    """
    value = cell.value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if getattr(getattr(cell, "_style", None), "numFmtId", None) in CHINESE_DATE_FORMAT_IDS:
            try:
                return from_excel(value)
            except (ValueError, OverflowError):
                return value
    return value


def _sheet(ws, limits: Limits) -> Sheet:
    # in normal mode max_row/max_column come from the cells really present, not the <dimension> tag
    if ws.max_row > limits.max_sheet_rows or ws.max_column > limits.max_sheet_columns:
        raise ParseError(ParseErrorKind.TOO_LARGE, f"sheet {ws.title!r} is {ws.max_row}x{ws.max_column}")
    sheet = Sheet(name=ws.title, hidden=ws.sheet_state != "visible")
    for row in ws.iter_rows():
        for cell in row:
            text = to_text(_value(cell))
            if text:
                sheet.cells[(cell.row, cell.column)] = text
    sheet.merged = [(r.min_row, r.min_col, r.max_row, r.max_col) for r in ws.merged_cells.ranges]
    return sheet
