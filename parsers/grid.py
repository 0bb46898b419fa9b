"""A neutral view of a spreadsheet sheet, so one function finds the ledger in any format.

Each format reader (xlsx, xls, csv) turns its workbook into :class:`Sheet`
values; :mod:`parsers.ledger` never sees a library object.
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

    def put(self, row: int, col: int, text: str, max_rows: int, max_cols: int) -> bool:
        """Keep a non-empty cell inside the limits; False (and ``overflow`` set) beyond them."""
        if row > max_rows or col > max_cols:
            if self.overflow is None:
                self.overflow = (row, col)
            return False
        self.cells[(row, col)] = text
        return True

    def get(self, row: int, col: int) -> str:
        return self.cells.get((row, col), "")

    @property
    def max_row(self) -> int:
        return max((r for r, _ in self.cells), default=0)

    @property
    def max_col(self) -> int:
        return max((c for _, c in self.cells), default=0)


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
