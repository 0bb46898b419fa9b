"""Read a CSV ledger: UTF-8 (with or without BOM) or GB18030, comma, tab or semicolon."""

from __future__ import annotations

import csv
import io

from parsers.grid import Sheet
from parsers.types import Limits, ParseError, ParseErrorKind


def decode_text(data: bytes) -> str:
    """UTF-8 first (strict), then GB18030, which also covers GBK/GB2312 files from Excel."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ParseError(ParseErrorKind.UNREADABLE, "neither UTF-8 nor GB18030 text")


def read_sheets(data: bytes, limits: Limits) -> list[Sheet]:
    text = decode_text(data)
    lines = [line for line in text.splitlines()[:50] if line.strip()]
    delimiter = max(",\t;", key=lambda d: sum(line.count(d) for line in lines))
    sheet = Sheet(name="CSV")
    try:
        for r, record in enumerate(csv.reader(io.StringIO(text), delimiter=delimiter), start=1):
            if r > limits.max_sheet_rows or len(record) > limits.max_sheet_columns:
                raise ParseError(ParseErrorKind.TOO_LARGE, f"CSV row {r} over the limits")
            for c, value in enumerate(record, start=1):
                if value.strip():
                    sheet.cells[(r, c)] = value.strip()
    except csv.Error as exc:
        raise ParseError(ParseErrorKind.UNREADABLE, str(exc)) from exc
    return [sheet]
