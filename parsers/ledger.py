"""Find the rectification ledger in a workbook, whatever the file format and layout.

Units reformat the template freely: title rows, a 单位 block, extra or reordered
columns, full-width characters and line breaks in headers, merged cells, extra or
hidden sheets. The header row is found by its column names; the sheet whose
header matches best wins. The 单位/联系人/联系方式 block above it is read as
"label：value" in one cell or label and value in neighbouring cells.
"""

from __future__ import annotations

import re
import unicodedata

from parsers.grid import Sheet, column_letter
from parsers.types import CellValue, FileKind, Ledger, LedgerRow, Limits, ParseError, ParseErrorKind

HEADER_SCAN_ROWS = 40
MIN_HEADER_SCORE = 4

# Canonical field → accepted header names after normalisation (exact match first, then containment).
HEADER_NAMES: dict[str, tuple[str, ...]] = {
    "seq": ("序号", "编号"),
    "level1": ("一级指标",),
    "level2": ("二级指标",),
    "content": ("评测内容", "评估内容", "测评内容"),
    "problem": ("反馈问题", "存在问题", "问题"),
    "owner": ("责任单位", "责任部门"),
    "measure": ("整改措施", "整改举措"),
    "status": ("整改完成情况", "完成情况", "整改情况", "整改进度"),
    "remark": ("备注", "说明"),
}
BLOCK_LABELS = {
    "unit": ("填报单位", "报送单位", "单位名称", "单位"),
    "contact": ("联系人",),
    "phone": ("联系方式", "联系电话", "电话"),
}
_DECORATION = re.compile(r"[:：*＊]+$|\((必填|选填|下拉选择|请选择)\)$")
_SEQ = re.compile(r"^[(（]?(\d{1,4})[)）.、]?$")


def normalize_header(text: str) -> str:
    text = unicodedata.normalize("NFKC", text or "")
    text = re.sub(r"\s+", "", text)
    previous = None
    while previous != text:
        previous, text = text, _DECORATION.sub("", text)
    return text


def match_field(text: str) -> str | None:
    """The ledger field a header cell names, or None."""
    norm = normalize_header(text)
    if not norm:
        return None
    for field_name, names in HEADER_NAMES.items():
        if norm in names:
            return field_name
    for field_name, names in HEADER_NAMES.items():
        if any(len(name) >= 4 and name in norm for name in names):
            return field_name
    return None


def parse_seq(text: str) -> int | None:
    m = _SEQ.match(unicodedata.normalize("NFKC", text).strip())
    return int(m.group(1)) if m else None


def read_ledger(data: bytes, kind: FileKind, limits: Limits = Limits()) -> Ledger:
    """The ledger in ``data``. Raises ParseError (NO_TABLE when no sheet holds one)."""
    if kind is FileKind.XLSX:
        from parsers.guard import check_zip
        from parsers.ledger_xlsx import read_sheets

        check_zip(data, limits)  # declared and actual sizes, before openpyxl inflates anything
    elif kind is FileKind.XLS:
        from parsers.ledger_xls import read_sheets
    elif kind is FileKind.CSV:
        from parsers.ledger_csv import read_sheets
    else:
        raise ParseError(ParseErrorKind.WRONG_TYPE, f"not a spreadsheet: {kind.value}")
    sheets = read_sheets(data, limits)
    return find_ledger(sheets)


def find_ledger(sheets: list[Sheet]) -> Ledger:
    best: tuple[int, int, int, Sheet, int, dict[str, int]] | None = None
    for order, sheet in enumerate(sheets):
        row, columns = _header_row(sheet)
        if row is None:
            continue
        key = (len(columns), 0 if sheet.hidden else 1, -order)
        if best is None or key > best[:3]:
            best = (*key, sheet, row, columns)
    if best is None:
        raise ParseError(ParseErrorKind.NO_TABLE, "no sheet has a ledger header row")
    sheet, header_row, columns = best[3], best[4], best[5]
    return _ledger(sheet, header_row, columns, tuple(s.name for s in sheets))


def _header_row(sheet: Sheet) -> tuple[int | None, dict[str, int]]:
    best_row, best_cols = None, {}
    for row in range(1, min(sheet.max_row, HEADER_SCAN_ROWS) + 1):
        columns: dict[str, int] = {}
        for col in range(1, sheet.max_col + 1):
            field_name = match_field(sheet.get(row, col))
            if field_name and field_name not in columns:
                columns[field_name] = col
        if len(columns) >= MIN_HEADER_SCORE and ("seq" in columns or "problem" in columns):
            if len(columns) > len(best_cols):
                best_row, best_cols = row, columns
    return best_row, best_cols


def _cell(sheet: Sheet, row: int, col: int) -> CellValue:
    return CellValue(text=sheet.get(row, col), sheet=sheet.name, row=row, column=column_letter(col))


def _ledger(sheet: Sheet, header_row: int, columns: dict[str, int], sheet_names: tuple[str, ...]) -> Ledger:
    block = _header_block(sheet, header_row)
    rows: dict[int, LedgerRow] = {}
    duplicates: list[int] = []
    seq_col = columns.get("seq")
    for row in range(header_row + 1, sheet.max_row + 1):
        seq = parse_seq(sheet.get(row, seq_col)) if seq_col else None
        if seq is None:
            continue
        if seq in rows:
            duplicates.append(seq)
            continue
        cells = {name: _cell(sheet, row, col) for name, col in columns.items()}
        rows[seq] = LedgerRow(seq=seq, row=row, cells=cells)
    title = next(
        (sheet.get(r, c) for r in range(1, header_row) for c in range(1, sheet.max_col + 1)
         if sheet.get(r, c) and _block_label(sheet.get(r, c)) is None and len(sheet.get(r, c)) > 4),
        "",
    )
    return Ledger(
        sheet=sheet.name,
        header_row=header_row,
        columns={name: column_letter(col) for name, col in columns.items()},
        header_texts={name: sheet.get(header_row, col) for name, col in columns.items()},
        unit=block.get("unit"),
        contact=block.get("contact"),
        phone=block.get("phone"),
        rows=rows,
        duplicate_seqs=tuple(dict.fromkeys(duplicates)),
        sheets=sheet_names,
        title=title,
    )


def _block_label(text: str) -> tuple[str, str] | None:
    """('unit', 'value after the colon') for '单位：田坪乡', or None if not a block label."""
    norm = unicodedata.normalize("NFKC", text).strip()
    for key, labels in BLOCK_LABELS.items():
        for label in labels:
            m = re.match(rf"^{label}\s*[:：]?\s*(.*)$", norm, re.S)
            if m and (norm == label or norm[len(label):len(label) + 1] in ":： " or m.group(1) == ""):
                return key, m.group(1).strip()
    return None


def _header_block(sheet: Sheet, header_row: int) -> dict[str, CellValue]:
    """单位 / 联系人 / 联系方式 values above the header; a blank value points at its label cell."""
    found: dict[str, CellValue] = {}
    for row in range(1, header_row):
        for col in range(1, sheet.max_col + 1):
            label = _block_label(sheet.get(row, col))
            if label is None or label[0] in found:
                continue
            key, value = label
            if value:
                found[key] = CellValue(value, sheet.name, row, column_letter(col))
                continue
            right = next((c for c in range(col + 1, sheet.max_col + 1) if sheet.get(row, c)), None)
            if right is not None and _block_label(sheet.get(row, right)) is None:
                found[key] = _cell(sheet, row, right)
            else:
                found[key] = CellValue("", sheet.name, row, column_letter(col + 1))
    return found
