"""Read legacy .xls (and WPS .et) workbooks with xlrd (the only module that imports it)."""

from __future__ import annotations

import xlrd

from parsers.grid import Sheet, to_text
from parsers.types import Limits, ParseError, ParseErrorKind


def read_sheets(data: bytes, limits: Limits) -> list[Sheet]:
    try:
        try:
            book = xlrd.open_workbook(file_contents=data, formatting_info=True, on_demand=True)
        except NotImplementedError:  # formatting_info is unsupported for some files; merges are then lost
            book = xlrd.open_workbook(file_contents=data, on_demand=True)
    except xlrd.XLRDError as exc:
        kind = ParseErrorKind.ENCRYPTED if "encrypt" in str(exc).lower() else ParseErrorKind.UNREADABLE
        raise ParseError(kind, str(exc)) from exc
    except (AssertionError, IndexError, KeyError, ValueError, struct_error(), EOFError) as exc:
        raise ParseError(ParseErrorKind.TRUNCATED, f"{type(exc).__name__}: {exc}") from exc
    try:
        return [_sheet(book, index, limits) for index in range(book.nsheets)]
    except (AssertionError, IndexError, KeyError, ValueError, struct_error()) as exc:
        raise ParseError(ParseErrorKind.TRUNCATED, f"{type(exc).__name__}: {exc}") from exc
    finally:
        book.release_resources()


def struct_error():
    import struct

    return struct.error


def _sheet(book, index: int, limits: Limits) -> Sheet:
    xs = book.sheet_by_index(index)
    if xs.nrows > limits.max_sheet_rows or xs.ncols > limits.max_sheet_columns:
        raise ParseError(ParseErrorKind.TOO_LARGE, f"sheet {xs.name!r} is {xs.nrows}x{xs.ncols}")
    sheet = Sheet(name=xs.name, hidden=bool(getattr(xs, "visibility", 0)))
    for r in range(xs.nrows):
        for c in range(xs.ncols):
            cell = xs.cell(r, c)
            value = cell.value
            if cell.ctype == xlrd.XL_CELL_DATE:
                try:
                    value = xlrd.xldate.xldate_as_datetime(value, book.datemode)
                except (ValueError, OverflowError):
                    pass
            elif cell.ctype in (xlrd.XL_CELL_ERROR, xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK):
                value = None
            text = to_text(value)
            if text:
                sheet.cells[(r + 1, c + 1)] = text
    sheet.merged = [(r0 + 1, c0 + 1, r1, c1) for r0, r1, c0, c1 in getattr(xs, "merged_cells", [])]
    return sheet
