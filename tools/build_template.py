"""Build the campaign's template workbook from the ledger printed in the notice.

Usage: python tools/build_template.py rules/campaigns/xzbh-2021-56

Reads ``notice.txt`` in that folder (the 37-row ledger at its end, tab-separated,
as copied from the official document) and writes ``template.xlsx``: the file the
office sends out and the one source of the problems and their 责任单位.
Run once; the administrator edits the workbook afterwards, not this script.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.worksheet.datavalidation import DataValidation

HEADER = ("序号", "一级指标", "二级指标", "评测内容", "反馈问题", "责任单位", "整改措施", "整改完成情况", "备注")
WIDTHS = (6, 10, 14, 36, 48, 16, 40, 16, 20)
STATUSES = ("完成整改", "正在整改", "未整改")
SHEET = "台账"
FIRST_DATA_ROW = 7


def parse_notice(text: str) -> tuple[str, list[list[str]]]:
    """The ledger title and its rows (9 cells each) from the notice text."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("序号\t"))
    title = next(line.strip() for line in reversed(lines[:start]) if "台账" in line)
    rows = []
    for line in lines[start + 1:]:
        cells = [re.sub(r"</?p>", "", c).strip() for c in line.split("\t")]
        if not cells[0].isdigit():
            continue  # blank lines and the '----' separator of the source
        rows.append((cells + [""] * 9)[:9])
    return title, rows


def build(title: str, rows: list[list[str]]) -> Workbook:
    wb = Workbook()
    ws = wb.active
    ws.title = SHEET
    thin = Side(style="thin")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)
    wrap = Alignment(wrap_text=True, vertical="center")

    ws["A1"] = "附件"
    ws["A2"] = title
    ws.merge_cells("A2:I2")
    ws["A2"].font = Font(size=16, bold=True)
    ws["A2"].alignment = Alignment(horizontal="center")
    for row, label in ((3, "单位："), (4, "联系人："), (5, "联系方式：")):
        ws.cell(row=row, column=1, value=label)
        ws.merge_cells(start_row=row, start_column=2, end_row=row, end_column=4)
    for col, (name, width) in enumerate(zip(HEADER, WIDTHS), start=1):
        cell = ws.cell(row=6, column=col, value=name)
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.border = box
        ws.column_dimensions[cell.column_letter].width = width

    for offset, values in enumerate(rows):
        r = FIRST_DATA_ROW + offset
        for col, value in enumerate(values, start=1):
            cell = ws.cell(row=r, column=col, value=int(value) if col == 1 else (value or None))
            cell.alignment = wrap
            cell.border = box
    _merge_level1(ws, rows)

    last = FIRST_DATA_ROW + len(rows) - 1
    dropdown = DataValidation(
        type="list",
        formula1='"' + ",".join(STATUSES) + '"',
        allow_blank=True,
        showErrorMessage=True,
        errorTitle="整改完成情况",
        error="请从下拉列表中选择：完成整改、正在整改、未整改",
    )
    ws.add_data_validation(dropdown)
    dropdown.add(f"H{FIRST_DATA_ROW}:H{last}")
    ws.freeze_panes = f"A{FIRST_DATA_ROW}"
    return wb


def _merge_level1(ws, rows: list[list[str]]) -> None:
    """一级指标 is a merged column in the official file: merge each label over the blank rows below it."""
    r = 0
    while r < len(rows):
        end = r
        while end + 1 < len(rows) and not rows[end + 1][1] and rows[r][1]:
            end += 1
        if end > r:
            ws.merge_cells(start_row=FIRST_DATA_ROW + r, start_column=2, end_row=FIRST_DATA_ROW + end, end_column=2)
        r = end + 1


def main(folder: str) -> None:
    path = Path(folder)
    title, rows = parse_notice((path / "notice.txt").read_text(encoding="utf-8"))
    build(title, rows).save(path / "template.xlsx")
    print(f"{path / 'template.xlsx'}: {len(rows)} rows")


if __name__ == "__main__":
    main(sys.argv[1])
