"""A neutral view of a spreadsheet sheet, so one function finds the ledger in any format.

Each format reader (xlsx, xls, csv) turns its workbook into :class:`Sheet`
values; :mod:`parsers.ledger` never sees a library object. :class:`IndexedSheet`
is the same sheet arranged for searching: cells by row, merges resolved.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field


@dataclass
class Sheet:
    name: str
    hidden: bool = False
    cells: dict[tuple[int, int], str] = field(default_factory=dict)  # (row, col), 1-based → text
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)  # min_row, min_col, max_row, max_col
    # The first cell with data beyond the row/column limits, left out of ``cells``. A sheet
    # with one is refused only if it is the one holding the ledger (see parsers.ledger).
    overflow: tuple[int, int] | None = None

    def put(self, row: int, col: int, text: str, max_rows: int, max_cols: int) -> None:
        """Keep a non-empty cell inside the limits; beyond them, only note the first such cell."""
        if row <= max_rows and col <= max_cols:
            self.cells[(row, col)] = text
        elif self.overflow is None:
            self.overflow = (row, col)

    def get(self, row: int, col: int) -> str:
        return self.cells.get((row, col), "")

    @property
    def max_row(self) -> int:
        return max((r for r, _ in self.cells), default=0)

    @property
    def max_col(self) -> int:
        return max((c for _, c in self.cells), default=0)


@dataclass(frozen=True)
class IndexedSheet:
    """A sheet's cells by row, and every merged cell mapped to its range's top-left."""

    sheet: Sheet
    rows: dict[int, dict[int, str]]  # row → column → text, rows ascending
    width: int  # last column holding text
    anchors: dict[tuple[int, int], tuple[int, int]]  # covered (row, col) → top-left (row, col)

    def text(self, row: int, col: int) -> str:
        return self.rows.get(row, {}).get(col, "")

    def header_text(self, row: int, col: int) -> str:
        """The text a merged header shows in every cell it covers."""
        anchor = self.anchors.get((row, col), (row, col))
        return self.text(*anchor)

    def data_cell(self, row: int, col: int, header_row: int) -> tuple[str, int, int]:
        """Text and place of a data cell; a vertical merge below the header fills down its first column."""
        text = self.text(row, col)
        anchor = self.anchors.get((row, col))
        if not text and anchor and anchor[1] == col and anchor[0] > header_row:
            return self.text(*anchor), anchor[0], col
        return text, row, col

    def merged_end(self, row: int, col: int) -> int:
        """The last column of the merged range that starts at or covers (row, col)."""
        ends = [c1 for r0, c0, r1, c1 in self.sheet.merged if r0 <= row <= r1 and c0 <= col <= c1]
        return max(ends, default=col)


def index_sheet(sheet: Sheet) -> IndexedSheet:
    rows: dict[int, dict[int, str]] = {}
    for (row, col), text in sorted(sheet.cells.items()):
        if text:
            rows.setdefault(row, {})[col] = text
    last_row = max(rows, default=0)
    width = max((max(cols) for cols in rows.values()), default=0)
    # Valid merges never overlap, so they cover at most the sheet's area: a bound against files
    # whose merged ranges are huge or stacked on each other.
    budget = last_row * width
    anchors: dict[tuple[int, int], tuple[int, int]] = {}
    for r0, c0, r1, c1 in sheet.merged:
        if not sheet.cells.get((r0, c0)):
            continue  # an empty merged range fills nothing
        for row in range(r0, min(r1, last_row) + 1):
            for col in range(c0, min(c1, width) + 1):
                if (row, col) != (r0, c0):
                    anchors.setdefault((row, col), (r0, c0))
            budget -= min(c1, width) - c0 + 1
            if budget <= 0:
                break
        if budget <= 0:
            break
    return IndexedSheet(sheet, rows, width, anchors)


def column_letter(col: int) -> str:
    """1 → A, 28 → AB, as Excel names columns."""
    letters = ""
    while col > 0:
        col, rest = divmod(col - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def to_text(value: object) -> str:
    """A cell value as the text a clerk sees: 3 not 3.0, dates as ISO, None as ''."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return repr(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time(0) else value.isoformat(sep=" ")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    return str(value).strip()
