"""Read legacy .xls (and WPS .et) workbooks with xlrd (the only module that imports it).

xlrd gives a formula's cached result, not its text: .xls formulas are never
evaluated here either, but they cannot be shown as '=...'. Sheet sizes are
judged by the cells holding a value: WPS and old templates carry formatted
blank cells down to row 65536.
"""

from __future__ import annotations

import io
import logging
import struct

import xlrd
from xlrd.compdoc import CompDocError

from parsers.grid import Sheet, to_text
from parsers.types import Limits, ParseError, ParseErrorKind

log = logging.getLogger(__name__)

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
MAX_WARNINGS = 20
_DAMAGE = (CompDocError, AssertionError, IndexError, KeyError, ValueError, TypeError, struct.error, EOFError,
           UnicodeDecodeError, OverflowError)


def read_sheets(data: bytes, limits: Limits) -> list[Sheet]:
    """Every sheet, in workbook order; hidden ones flagged. What xlrd warns about is logged (the sandbox
    hands it to the daemon's log with the mail)."""
    book = _open(data)
    try:
        return [_sheet(book, index, limits) for index in range(book.nsheets)]
    except xlrd.XLRDError as exc:
        raise ParseError(ParseErrorKind.TRUNCATED, f"XLRDError: {exc}") from exc
    except _DAMAGE as exc:
        raise ParseError(ParseErrorKind.TRUNCATED, f"{type(exc).__name__}: {exc}") from exc
    finally:
        book.release_resources()
        for line in book.logfile.getvalue().splitlines()[:MAX_WARNINGS]:
            if line.strip():
                log.warning("xlrd: %s", line.strip())


def _open(data: bytes):
    # xlrd writes its warnings to stdout unless given a log of its own
    options = {"file_contents": data, "on_demand": True, "ragged_rows": True, "logfile": io.StringIO()}
    try:
        try:
            return xlrd.open_workbook(formatting_info=True, **options)  # merged_cells need formatting_info
        except NotImplementedError:  # xlrd cannot read formatting of some files: merges are then lost
            return xlrd.open_workbook(**options)
    except xlrd.XLRDError as exc:
        raise ParseError(_error_kind(str(exc), data), str(exc)) from exc
    except _DAMAGE as exc:
        kind = ParseErrorKind.TRUNCATED if data.startswith(OLE_MAGIC) else ParseErrorKind.WRONG_TYPE
        raise ParseError(kind, f"{type(exc).__name__}: {exc}") from exc


def _error_kind(message: str, data: bytes) -> ParseErrorKind:
    lowered = message.lower()
    if "encrypt" in lowered:
        return ParseErrorKind.ENCRYPTED
    if "xlsx" in lowered or "can't find workbook" in lowered or not data.startswith(OLE_MAGIC):
        return ParseErrorKind.WRONG_TYPE  # an xlsx, a .doc, or no OLE file at all
    return ParseErrorKind.UNREADABLE


def _text(book, cell) -> str:
    if cell.ctype == xlrd.XL_CELL_DATE:
        try:
            return to_text(xlrd.xldate.xldate_as_datetime(cell.value, book.datemode))
        except (ValueError, OverflowError, xlrd.xldate.XLDateError):
            return to_text(cell.value)
    if cell.ctype == xlrd.XL_CELL_BOOLEAN:
        return to_text(bool(cell.value))
    if cell.ctype == xlrd.XL_CELL_ERROR:
        return xlrd.error_text_from_code.get(cell.value, "#ERR")
    if cell.ctype in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK):
        return ""
    return to_text(cell.value)


def _sheet(book, index: int, limits: Limits) -> Sheet:
    xs = book.sheet_by_index(index)
    sheet = Sheet(name=xs.name, hidden=bool(getattr(xs, "visibility", 0)))
    for row in range(xs.nrows):
        if sheet.overflow and row >= limits.max_sheet_rows:
            break  # refused or ignored as a whole (parsers.ledger): the rest need not be read
        for col in range(xs.row_len(row)):  # ragged rows: only the cells the file has
            if text := _text(book, xs.cell(row, col)):
                sheet.put(row + 1, col + 1, text, limits.max_sheet_rows, limits.max_sheet_columns)
    sheet.merged = [(r0 + 1, c0 + 1, r1, c1) for r0, r1, c0, c1 in getattr(xs, "merged_cells", [])]
    book.unload_sheet(index)
    return sheet
