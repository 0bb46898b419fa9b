"""Find the rectification ledger in a workbook, whatever the file format and layout.

Units reformat the template freely: title rows, a 单位 block, extra or reordered
columns, full-width characters and line breaks in headers, merged cells, extra or
hidden sheets. Each format module (ledger_xlsx, ledger_xls, ledger_csv) turns
its file into neutral :class:`parsers.grid.Sheet` values; everything here works
on those, so the three formats are read by the same rules.

Merged cells: a merged range's value sits in its top-left cell. For finding the
header row the value fills the whole range (two-row headers with a group
heading over 整改措施 / 整改完成情况 work). In data rows it fills down the
range's first column, as a clerk reads a 一级指标 or 整改完成情况 merged over
several rows; the CellValue then points at the top-left cell, which is where
the value is and what Excel selects. 序号 is never filled: a row under a merged
序号 continues the row above and is not a row of its own.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Callable, Iterable

from parsers import ledger_calamine, ledger_csv, ledger_xls, ledger_xlsx
from parsers.grid import IndexedSheet, Sheet, column_letter, index_sheet
from parsers.guard import check_zip
from parsers.types import LEDGER_FIELDS, CellValue, FileKind, Ledger, LedgerRow, Limits, ParseError, ParseErrorKind

log = logging.getLogger(__name__)

HEADER_SCAN_ROWS = 40
# the first reader's "cannot read this", as opposed to a hostile file or a limit: worth a second reader
SECOND_READER_KINDS = frozenset({ParseErrorKind.TRUNCATED, ParseErrorKind.UNREADABLE, ParseErrorKind.WRONG_TYPE})
MIN_HEADER_FIELDS = 4  # including 序号 or 反馈问题

# Canonical field → accepted header names after normalisation. Exact match first, then
# containment for names of 4+ characters ('整改完成情况(下拉选择)'); '问题' or '说明' inside a
# longer header says too little.
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
MIN_CONTAINED_NAME = 4

# Labels of the block above the header (and, failing that, a footer below the table).
BLOCK_LABELS: dict[str, str] = {
    "填报单位": "unit", "报送单位": "unit", "单位名称": "unit", "单位": "unit",
    "联系人": "contact", "填表人": "contact", "填报人": "contact", "经办人": "contact",
    "联系方式": "phone", "联系电话": "phone", "手机号码": "phone", "手机": "phone", "电话": "phone",
}

_DECORATION = re.compile(r"^[*]+|[:*]+$|\([^()]*\)$")  # after NFKC: ：→: （）→() ＊→*
_SEQ = re.compile(r"^\(?(\d{1,4})\)?(?:[.、,]|\.0+)?$")
_ATTACHMENT_MARK = re.compile(r"^附件\s*[\d一二三四五六七八九十]*\s*[:：]?$")

_LABEL = "|".join(r"\s*".join(map(re.escape, label)) for label in sorted(BLOCK_LABELS, key=len, reverse=True))
_LABEL_DECORATION = r"(?:\s*[(（][^()（）]{0,12}[)）])?"  # 填报单位（盖章）：
_FIRST_LABEL = re.compile(rf"^\s*(?P<label>{_LABEL}){_LABEL_DECORATION}\s*(?:[:：﹕]|\s|$)")
_LABELED = re.compile(rf"(?:^|(?<=[\s,，;；、]))(?P<label>{_LABEL}){_LABEL_DECORATION}\s*[:：﹕]")
_VALUE_EDGES = " \t\r\n\u3000,，;；、"


def read_ledger(data: bytes, kind: FileKind, limits: Limits = Limits()) -> Ledger:
    """The ledger in ``data``. Raises ParseError (NO_TABLE when no sheet holds one)."""
    if kind is FileKind.XLSX:
        check_zip(data, limits)  # cheap, and the reader must stay safe when called on its own
        if ledger_xlsx.is_binary_workbook(data):
            sheets = ledger_calamine.read_sheets(data, limits)  # .xlsb: calamine is the only reader
        else:
            sheets = _with_second_reader(ledger_xlsx.read_sheets, data, limits)
    elif kind is FileKind.XLS:
        # calamine guesses the format itself: never let it open a zip that parsers.guard has not checked
        second = not data.startswith(b"PK")
        sheets = _with_second_reader(ledger_xls.read_sheets, data, limits) if second else ledger_xls.read_sheets(
            data, limits)
    elif kind is FileKind.CSV:
        sheets = ledger_csv.read_sheets(data, limits, rank=header_score)
    else:
        raise ParseError(ParseErrorKind.WRONG_TYPE, f"not a spreadsheet: {kind.value}")
    return find_ledger(sheets)


def _with_second_reader(first: Callable[[bytes, Limits], list[Sheet]], data: bytes, limits: Limits) -> list[Sheet]:
    """The first reader's sheets; when it cannot read a workbook, calamine's (see parsers.ledger_calamine
    for what is lost). When both fail, the first reader's reason stands."""
    try:
        return first(data, limits)
    except ParseError as error:
        if error.kind not in SECOND_READER_KINDS:
            raise  # encrypted, hostile, over a limit: no second reader changes that
        try:
            sheets = ledger_calamine.read_sheets(data, limits)
        except ParseError:
            raise error from None
        log.warning("first reader failed (%s: %s); values read with calamine instead", error.kind.value, error.detail)
        return sheets


def find_ledger(sheets: list[Sheet]) -> Ledger:
    """The ledger on the sheet whose header matches best; ties: visible first, then first.

    A sheet with data beyond the row/column limits is refused only when it is that sheet:
    a huge data or pivot sheet beside the ledger does not cost the unit its submission.
    """
    best: tuple[tuple[int, int, int], IndexedSheet, int, dict[str, int]] | None = None
    for order, sheet in enumerate(sheets):
        index = index_sheet(sheet)
        row, columns = _header_row(index)
        if row is None:
            continue
        key = (len(columns), 0 if sheet.hidden else 1, -order)
        if best is None or key > best[0]:
            best = (key, index, row, columns)
    if best is None:
        raise ParseError(ParseErrorKind.NO_TABLE, "no sheet has a ledger header row")
    _, index, header_row, columns = best
    if index.sheet.overflow:
        row, col = index.sheet.overflow
        cell = f"{column_letter(col)}{row}"
        raise ParseError(ParseErrorKind.OVERFLOW, f"sheet {index.sheet.name!r} has data in {cell}",
                         sheet=index.sheet.name, cell=cell)
    return _ledger(index, header_row, columns, tuple(s.name for s in sheets))


def header_score(sheet: Sheet) -> int:
    """How many ledger columns the sheet's best header row names (0: no ledger header)."""
    _, columns = _header_row(index_sheet(sheet))
    return len(columns)


def normalize_header(text: str) -> str:
    """'整改完成\\n情况（必填）：' → '整改完成情况': NFKC, no whitespace, no trailing decoration."""
    text = re.sub(r"\s+", "", unicodedata.normalize("NFKC", text or ""))
    previous = None
    while previous != text:
        previous, text = text, _DECORATION.sub("", text)
    return text


def match_field(text: str) -> str | None:
    """The ledger field one header cell names, or None."""
    norm = normalize_header(text)
    return _exact_field(norm) or _contained_field(norm, set())


def parse_seq(text: str) -> int | None:
    """序号 as written by hand: 1, 1.0, '1.', '１', '（1）', '1、' → 1."""
    match = _SEQ.match(re.sub(r"\s+", "", unicodedata.normalize("NFKC", text or "")))
    return int(match.group(1)) if match else None


# --- header row ---------------------------------------------------------------------------


def _exact_field(norm: str) -> str | None:
    return next((name for name, names in HEADER_NAMES.items() if norm in names), None) if norm else None


def _contained_field(norm: str, taken: set[str]) -> str | None:
    for name, names in HEADER_NAMES.items():
        if name not in taken and any(len(n) >= MIN_CONTAINED_NAME and n in norm for n in names):
            return name
    return None


def _match_row(index: IndexedSheet, row: int) -> dict[str, int]:
    """Field → column for one candidate header row: exact names win over contained ones."""
    norms = {col: normalize_header(index.header_text(row, col)) for col in range(1, index.width + 1)}
    columns: dict[str, int] = {}
    for col, norm in norms.items():
        name = _exact_field(norm)
        if name and name not in columns:
            columns[name] = col
    used = set(columns.values())
    for col, norm in norms.items():
        if col not in used and norm and (name := _contained_field(norm, set(columns))):
            columns[name] = col
            used.add(col)
    return {name: columns[name] for name in LEDGER_FIELDS if name in columns}


def _header_row(index: IndexedSheet) -> tuple[int | None, dict[str, int]]:
    """The first row of the first 40 that names the most fields (at least 4, with 序号 or 反馈问题)."""
    best_row, best_columns = None, {}
    for row in range(1, HEADER_SCAN_ROWS + 1):
        columns = _match_row(index, row)
        valid = len(columns) >= MIN_HEADER_FIELDS and ("seq" in columns or "problem" in columns)
        if valid and len(columns) > len(best_columns):
            best_row, best_columns = row, columns
    return best_row, best_columns


# --- the ledger ---------------------------------------------------------------------------


def _ledger(index: IndexedSheet, header_row: int, columns: dict[str, int], sheet_names: tuple[str, ...]) -> Ledger:
    name = index.sheet.name
    rows: dict[int, LedgerRow] = {}
    duplicates: list[int] = []
    last_row = header_row
    seq_col = columns.get("seq")
    for row in (r for r in index.rows if r > header_row):
        seq = parse_seq(index.text(row, seq_col)) if seq_col else None
        if seq is None:
            continue  # blank, a section heading, a row continuing a merged 序号, a footer
        last_row = row
        if seq in rows:
            duplicates.append(seq)
            continue
        cells = {}
        for field_name, col in columns.items():
            text, at_row, at_col = index.data_cell(row, col, header_row)
            cells[field_name] = CellValue(text, name, at_row, column_letter(at_col))
        rows[seq] = LedgerRow(seq=seq, row=row, cells=cells)
    table_width = max(columns.values())
    block = _block(index, range(1, header_row), table_width)
    if len(block) < 3 and seq_col:  # some forms put 填表人 / 联系电话 under the table
        footer = _block(index, range(last_row + 1, max(index.rows, default=0) + 1), table_width)
        block = {**footer, **block}
    return Ledger(
        sheet=name,
        header_row=header_row,
        columns={field_name: column_letter(col) for field_name, col in columns.items()},
        header_texts={field_name: index.header_text(header_row, col) for field_name, col in columns.items()},
        unit=block.get("unit"),
        contact=block.get("contact"),
        phone=block.get("phone"),
        rows=rows,
        duplicate_seqs=tuple(dict.fromkeys(duplicates)),
        sheets=sheet_names,
        title=_title(index, header_row),
    )


def _title(index: IndexedSheet, header_row: int) -> str:
    """The first text above the header that is neither a block line nor an '附件1' mark."""
    for row in (r for r in index.rows if r < header_row):
        for text in index.rows[row].values():
            if _labels_in(text):
                return ""  # the block starts: whatever comes after it is not the title
            if not _ATTACHMENT_MARK.match(unicodedata.normalize("NFKC", text).strip()):
                return text
    return ""


def _labels_in(text: str) -> list[tuple[str, str]]:
    """[('unit', '田坪乡'), ('contact', '李明')] for '单位：田坪乡  联系人：李明'; [] if not a block cell.

    A label starts the cell ('联系人', '联系人 李明', '单位（盖章）：…') or, followed by a colon,
    comes after a space: '单位负责人：张三　填表人：李明' yields only the 填表人.
    """
    first = _FIRST_LABEL.match(text) or _LABELED.search(text)
    if first is None:
        return []
    found = [first, *_LABELED.finditer(text, first.end())]
    out = []
    for i, match in enumerate(found):
        end = found[i + 1].start("label") if i + 1 < len(found) else len(text)
        key = BLOCK_LABELS[re.sub(r"\s+", "", match.group("label"))]
        out.append((key, text[match.end():end].strip(_VALUE_EDGES)))
    return out


def _block(index: IndexedSheet, rows: Iterable[int], table_width: int) -> dict[str, CellValue]:
    """单位 / 联系人 / 联系方式: the text after the label, else the next non-empty cell to the right.

    A blank value points where it should be written: the cell right of the label
    (the template's merged B3:D3) if that lies within the table, else the label cell.
    """
    name = index.sheet.name
    found: dict[str, CellValue] = {}
    for row in rows:
        cells = index.rows.get(row, {})
        for col, text in cells.items():
            labels = _labels_in(text)
            for i, (key, value) in enumerate(labels):
                if key in found:
                    continue
                if value or i < len(labels) - 1:
                    found[key] = CellValue(value, name, row, column_letter(col))
                    continue
                right = next((c for c in sorted(cells) if c > col), None)
                if right is not None and not _labels_in(cells[right]):
                    found[key] = CellValue(cells[right], name, row, column_letter(right))
                    continue
                after = index.merged_end(row, col) + 1
                place = after if after <= table_width else col
                found[key] = CellValue("", name, row, column_letter(place))
    return found
