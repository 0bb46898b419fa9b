"""Read .xlsx workbooks into neutral sheets with openpyxl (the only module that imports it).

Normal mode, not read-only: ledgers are small forms, and read-only mode trusts
the declared dimension (WPS writes A1:A1) and loses merged cells. Formulas are
returned as their text, never evaluated. defusedxml, a dependency, makes
openpyxl refuse XML entity attacks. Zip sizes were checked by parsers.guard
before we are called; sheet sizes are judged by the cells that hold a value,
never by what the file declares.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable
from xml.etree.ElementTree import ParseError as XMLParseError

import openpyxl
from openpyxl.utils import column_index_from_string
from openpyxl.utils.datetime import from_excel
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet.formula import ArrayFormula, DataTableFormula

from parsers.grid import Sheet, to_text
from parsers.types import Limits, ParseError, ParseErrorKind

# zh-CN built-in number formats openpyxl does not know (yyyy年m月d日 and kin): their numbers are dates
CHINESE_DATE_FORMAT_IDS = frozenset(range(27, 37)) | frozenset(range(50, 59))
_EMPTY_FILL = re.compile(rb"<(\w+:)?fill\s*/>")
_MERGE = re.compile(rb'<(?:\w+:)?mergeCell\s+ref="([A-Z]{1,3})(\d+):([A-Z]{1,3})(\d+)"\s*/>')
_SHEET_PART = re.compile(r"^xl/worksheets/[^/]+\.xml$")

try:  # defusedxml's refusals (entities, DTDs) all derive from this
    from defusedxml import DefusedXmlException
except ImportError:  # pragma: no cover - defusedxml is a hard dependency
    DefusedXmlException = ValueError


def read_sheets(data: bytes, limits: Limits) -> list[Sheet]:
    """Every worksheet (chart sheets have no cells), in workbook order."""
    names = _part_names(data)
    if "xl/workbook.xml" not in names:
        detail = "binary .xlsb workbook" if "xl/workbook.bin" in names else "a zip without xl/workbook.xml"
        raise ParseError(ParseErrorKind.WRONG_TYPE, detail)
    data = _rewrite_parts(data, lambda name, content: _drop_oversized_merges(name, content, limits))
    try:
        wb = _load(data)
    except ParseError as error:
        if not error.detail.startswith("TypeError"):
            raise
        wb = _load(repair_styles(data))  # retry once with empty <fill/> elements mended
    try:
        return [_sheet(ws, limits) for ws in wb.worksheets]
    finally:
        wb.close()


def is_binary_workbook(data: bytes) -> bool:
    """An .xlsb: an Excel package whose workbook part is binary, which openpyxl cannot read."""
    names = {name.lower().replace("\\", "/") for name in _part_names(data)}
    return "xl/workbook.bin" in names and "xl/workbook.xml" not in names


def repair_styles(data: bytes) -> bytes:
    """The workbook with every empty ``<fill/>`` in styles.xml (WPS and others) made a valid empty fill."""

    def mend(name: str, content: bytes) -> bytes | None:
        if name != "xl/styles.xml":
            return None
        mended = _EMPTY_FILL.sub(rb"<\1fill><\1patternFill/></\1fill>", content)
        return mended if mended != content else None

    return _rewrite_parts(data, mend)


def _part_names(data: bytes) -> set[str]:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            return set(zf.namelist())
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise ParseError(ParseErrorKind.TRUNCATED, f"{type(exc).__name__}: {exc}") from exc


def _rewrite_parts(data: bytes, edit: Callable[[str, bytes], bytes | None]) -> bytes:
    """The same zip with each part replaced by ``edit(name, content)``; None from ``edit``: unchanged."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as src:
            changed = {}
            for info in src.infolist():
                new = edit(info.filename, src.read(info)) if _wanted(info.filename) else None
                if new is not None:
                    changed[info.filename] = new
            if not changed:
                return data
            out = io.BytesIO()
            with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
                for info in src.infolist():
                    dst.writestr(info, changed.get(info.filename) or src.read(info))
            return out.getvalue()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, KeyError) as exc:
        raise ParseError(ParseErrorKind.TRUNCATED, f"{type(exc).__name__}: {exc}") from exc


def _wanted(name: str) -> bool:
    return name == "xl/styles.xml" or bool(_SHEET_PART.match(name))


def _drop_oversized_merges(name: str, content: bytes, limits: Limits) -> bytes | None:
    """A sheet without merged ranges larger than the limits (B1:B1048576 from merging a whole column).

    openpyxl materialises every cell of a merged range; such a range would cost
    gigabytes, and no ledger needs it.
    """
    if not _SHEET_PART.match(name) or b"mergeCell" not in content:
        return None

    def keep(match: re.Match[bytes]) -> bytes:
        c0, r0, c1, r1 = (g.decode() for g in match.groups())
        rows = int(r1) - int(r0) + 1
        cols = column_index_from_string(c1) - column_index_from_string(c0) + 1
        fits = rows <= limits.max_sheet_rows and cols <= limits.max_sheet_columns
        return match.group(0) if fits else b""

    kept = _MERGE.sub(keep, content)
    return kept if kept != content else None


def _load(data: bytes):
    try:
        return openpyxl.load_workbook(io.BytesIO(data), data_only=False, keep_links=False, rich_text=False)
    except DefusedXmlException as exc:  # parsers.guard refuses DTDs first; this is the second line
        raise ParseError(ParseErrorKind.XML_ENTITIES, f"XML entities refused: {exc!r}") from exc
    except zipfile.BadZipFile as exc:
        raise ParseError(ParseErrorKind.TRUNCATED, str(exc)) from exc
    except (InvalidFileException, XMLParseError) as exc:
        raise ParseError(ParseErrorKind.UNREADABLE, f"{type(exc).__name__}: {exc}") from exc
    except (KeyError, TypeError, ValueError, IndexError, AttributeError, OSError, EOFError) as exc:
        # known openpyxl crashes on odd writers, e.g. TypeError for an empty <fill/> in styles
        if _caused_by(exc, DefusedXmlException):  # openpyxl wraps the refusal in a ValueError
            raise ParseError(ParseErrorKind.XML_ENTITIES, "XML entities refused") from exc
        raise ParseError(ParseErrorKind.UNREADABLE, f"{type(exc).__name__}: {exc}") from exc


def _caused_by(exc: BaseException | None, kind: type) -> bool:
    for _ in range(10):
        if exc is None:
            return False
        if isinstance(exc, kind):
            return True
        exc = exc.__cause__ or exc.__context__
    return False


def cell_text(cell) -> str:
    """The text a clerk sees; formulas as written ('=SUM(A1:A3)'), never their result."""
    value = cell.value
    if isinstance(value, ArrayFormula):
        return (value.text or "").strip()
    if isinstance(value, DataTableFormula):
        return ""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        # openpyxl knows no format for the zh-CN built-in ids and returns the serial number
        if getattr(getattr(cell, "_style", None), "numFmtId", None) in CHINESE_DATE_FORMAT_IDS:
            try:
                value = from_excel(value)
            except (ValueError, OverflowError, TypeError):
                pass
    return to_text(value)


def _sheet(ws, limits: Limits) -> Sheet:
    sheet = Sheet(name=ws.title, hidden=ws.sheet_state != "visible")
    # ws._cells holds only the cells in the file; iter_rows() would create every cell of the
    # max_row x max_column rectangle, which one styled cell in row 1048576 makes enormous.
    for (row, col), cell in ws._cells.items():
        text = cell_text(cell)
        if text:  # styled empty cells (borders drawn to row 10000) do not make a sheet large
            sheet.put(row, col, text, limits.max_sheet_rows, limits.max_sheet_columns)
    sheet.merged = [(r.min_row, r.min_col, r.max_row, r.max_col) for r in ws.merged_cells.ranges]
    return sheet
