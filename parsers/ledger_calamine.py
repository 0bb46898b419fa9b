"""Read a workbook's values with python-calamine (the only module that imports it).

The second reader, for workbooks the first cannot load although Excel opens them:
openpyxl fails on a pivot cache saved by Excel for Mac (``Nested.from_tree()``),
on a calc chain naming a ``sharedStrings.xml`` that is not there, on an empty
``s`` attribute, on part names written with backslashes; xlrd on some .xls
whose string table miscounts. calamine (Rust) reads all of these, and it is
the only reader we have for binary .xlsb workbooks.

What this reader gives is the values a clerk sees, the merged ranges (.xlsx,
.xls) and which sheets are hidden. What is lost compared with openpyxl, and why
it does not cost a unit its ledger:

- formulas come back as their last calculated value, never as ``=...`` text (a
  formula the writer never calculated reads as empty);
- the zh-CN built-in date formats (ids 27-36, 50-58) are unknown to calamine as to
  openpyxl's own tables: such dates read as serial numbers;
- styles, data validation (the 整改完成情况 drop-down) and comments are not read;
  no check needs them (values are validated against the campaign's options);
- merged ranges are not reported for .xlsb: a merged 一级指标 then fills only its
  first row, which no check depends on.

Memory: calamine builds each sheet as a dense rectangle from its first to its last
used cell. Only the rows up to the row limit are turned into Python values, and
a sheet wider than the cell budget is not walked at all. Such a sheet, or one with
data below the row limit, is marked as overflowing at its last used row and column
(refused only if it holds the ledger; the exact cell is not looked for). A
rectangle too large to allocate kills the worker (the sandbox: OUT_OF_MEMORY).
"""

from __future__ import annotations

import io

import python_calamine
from python_calamine import CalamineWorkbook, SheetTypeEnum, SheetVisibleEnum

from parsers.grid import Sheet, to_text
from parsers.types import Limits, ParseError, ParseErrorKind

CELL_BUDGET = 5_000_000  # cells walked per sheet (each becomes a Python object, even when empty)


def read_sheets(data: bytes, limits: Limits) -> list[Sheet]:
    """Every worksheet, in workbook order; hidden ones flagged. ParseError when calamine cannot read it."""
    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(data))
    except BaseException as exc:  # noqa: BLE001 - calamine errors, and Rust panics (a BaseException)
        raise _error(exc) from None
    try:
        sheets = []
        for index, meta in enumerate(book.sheets_metadata):
            if meta.typ != SheetTypeEnum.WorkSheet:
                continue  # chart and macro sheets hold no cells
            try:
                sheets.append(_sheet(book, index, meta.name, meta.visible != SheetVisibleEnum.Visible, limits))
            except BaseException as exc:  # noqa: BLE001
                raise _error(exc) from None
        return sheets
    finally:
        book.close()


def _error(exc: BaseException) -> BaseException:
    """A typed ParseError for a calamine failure; anything that is not calamine's passes unchanged."""
    if isinstance(exc, python_calamine.PasswordError):
        return ParseError(ParseErrorKind.ENCRYPTED, f"calamine: {exc}"[:300])
    if isinstance(exc, python_calamine.CalamineError) or type(exc).__name__ == "PanicException":
        return ParseError(ParseErrorKind.UNREADABLE, f"calamine {type(exc).__name__}: {exc}"[:300])
    if isinstance(exc, (ValueError, TypeError, OverflowError)):  # a value python-calamine could not convert
        return ParseError(ParseErrorKind.UNREADABLE, f"calamine {type(exc).__name__}: {exc}"[:300])
    return exc


def _sheet(book: CalamineWorkbook, index: int, name: str, hidden: bool, limits: Limits) -> Sheet:
    xs = book.get_sheet_by_index(index)
    sheet = Sheet(name=name, hidden=hidden)
    if xs.end is None:
        return sheet  # no cell at all
    last_row, last_col = xs.end[0] + 1, xs.end[1] + 1  # 1-based: the last used row and column
    wanted = min(last_row, limits.max_sheet_rows + 1)
    if last_col * wanted > CELL_BUDGET:
        sheet.overflow = (last_row, last_col)  # far wider than any ledger: not walked
        return sheet
    # from A1, so that list positions are sheet positions; at most one row past the limit
    for row, values in enumerate(xs.to_python(skip_empty_area=False, nrows=wanted), start=1):
        for col, value in enumerate(values, start=1):
            if text := to_text(value):
                sheet.put(row, col, text, limits.max_sheet_rows, limits.max_sheet_columns)
    if sheet.overflow is None and last_row > limits.max_sheet_rows:
        sheet.overflow = (last_row, last_col)  # data further down: its last used row and column
    sheet.merged = [(r0 + 1, c0 + 1, r1 + 1, c1 + 1) for (r0, c0), (r1, c1) in xs.merged_cell_ranges or []]
    return sheet
