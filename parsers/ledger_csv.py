"""Read a CSV ledger in any text encoding (UTF-8 and GB18030 first), comma, tab or semicolon.

The delimiter is not guessed by counting: 反馈问题 texts are full of commas and
semicolons. The file is split with each candidate and the split in which the
caller's ``rank`` finds the best ledger header wins; ties go to the delimiter
that occurs most often. Rows are records, as Excel numbers them: a quoted
multi-line 整改措施 is one row.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable

from parsers import textcodec
from parsers.grid import Sheet
from parsers.types import Limits, ParseError, ParseErrorKind

DELIMITERS = (",", "\t", ";")
SHEET_NAME = "CSV"


def decode_text(data: bytes) -> str:
    """The file as text in its encoding (parsers.textcodec: UTF-8 and GB18030 first, then a detector).

    A few undecodable bytes (a file cut inside a character, one stray byte) do not
    cost the unit its ledger: they become U+FFFD. NUL bytes or many bad bytes mean
    the file is not text at all.
    """
    try:
        text = textcodec.decode_text(data)
    except ValueError as exc:
        raise ParseError(ParseErrorKind.WRONG_TYPE, str(exc)) from exc
    if "\x00" in text:
        raise ParseError(ParseErrorKind.WRONG_TYPE, "NUL bytes: binary, not text")
    return text


def read_sheets(data: bytes, limits: Limits, rank: Callable[[Sheet], int] | None = None) -> list[Sheet]:
    """One sheet named 'CSV', split with the delimiter that ``rank`` likes best."""
    text = decode_text(data)
    candidates: list[tuple[tuple[int, int], Sheet]] = []
    refused: ParseError | None = None
    for delimiter in DELIMITERS:
        try:
            sheet = _split(text, delimiter, limits)
        except ParseError as error:
            refused = error
            continue
        candidates.append(((rank(sheet) if rank else 0, text.count(delimiter)), sheet))
    if not candidates:
        assert refused is not None
        raise refused
    return [max(candidates, key=lambda item: item[0])[1]]


def _split(text: str, delimiter: str, limits: Limits) -> Sheet:
    sheet = Sheet(name=SHEET_NAME)
    try:
        for row, record in enumerate(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), start=1):
            if sheet.overflow and row > limits.max_sheet_rows:
                break  # the one sheet is refused (parsers.ledger): the rest need not be split
            for col, value in enumerate(record, start=1):
                if value := value.strip():
                    sheet.put(row, col, value, limits.max_sheet_rows, limits.max_sheet_columns)
    except csv.Error as exc:
        raise ParseError(ParseErrorKind.UNREADABLE, f"csv.Error: {exc}") from exc
    return sheet
