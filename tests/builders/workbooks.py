"""Spreadsheets laid out the many ways units really send them, built in memory.

``LedgerSpec`` describes a ledger compactly; ``xlsx``/``xls``/``csv`` write it in
each format. Post-processing helpers reproduce writer quirks (a lying
``<dimension>``, an empty ``<fill/>``) by editing the saved zip.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import dataclass, field

import openpyxl
import xlwt

HEADER = ("序号", "一级指标", "反馈问题", "责任单位", "整改措施", "整改完成情况", "备注")


@dataclass
class LedgerSpec:
    title: str = "2021 年宁夏回族自治区第三方评估反馈问题台账"
    unit: str = "田坪乡"
    contact: str = "李明"
    phone: str = "13909541234"
    block_in_one_cell: bool = True  # "单位：田坪乡" vs "单位：" | "田坪乡"
    header: tuple[str, ...] = HEADER
    rows: list[tuple] = field(default_factory=lambda: [
        (1, "能力保障", "未公开年报", "各乡镇、各部门(单位)", "已补发年报", "完成整改", ""),
        (2, "", "渠道信息不全", "各乡镇、各部门(单位)", "正在补充", "正在整改", ""),
        (3, "公开渠道", "栏目缺失", "各乡镇、各部门(单位)", "", "未整改", "系统升级中"),
    ])
    extra_title_rows: int = 0
    sheet: str = "台账"

    def grid(self) -> list[list[object]]:
        """The ledger as rows of cell values, title and block included."""
        width = len(self.header)
        out: list[list[object]] = [[""] * width for _ in range(self.extra_title_rows)]
        out.append([self.title] + [""] * (width - 1))
        for label, value in (("单位", self.unit), ("联系人", self.contact), ("联系方式", self.phone)):
            if self.block_in_one_cell:
                out.append([f"{label}：{value}"] + [""] * (width - 1))
            else:
                out.append([f"{label}：", value] + [""] * (width - 2))
        out.append(list(self.header))
        out.extend(list(r) for r in self.rows)
        return out

    @property
    def header_row(self) -> int:
        return self.extra_title_rows + 5


def xlsx(spec: LedgerSpec, *, extra_sheets: tuple[str, ...] = (), hidden: tuple[str, ...] = (),
         ledger_position: int = 0, merge: tuple[str, ...] = (), formulas: dict[str, str] | None = None,
         copies: tuple[str, ...] = ()) -> bytes:
    """The ledger on its sheet (and on every sheet named in ``copies``), other sheets with instructions."""
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    names = list(extra_sheets)
    names.insert(ledger_position, spec.sheet)
    for name in names:
        ws = wb.create_sheet(name)
        if name == spec.sheet or name in copies:
            for row in spec.grid():
                ws.append([v if v != "" else None for v in row])
            for ref in merge:
                ws.merge_cells(ref)
            for ref, formula in (formulas or {}).items():
                ws[ref] = formula
        else:
            ws.append(["填表说明", "请按模板填写"])
            ws.append(["序号", "说明"])
        if name in hidden:
            ws.sheet_state = "hidden"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def xls(spec: LedgerSpec, *, hidden_first_sheet: bool = False, merge_level1: tuple[int, int] | None = None) -> bytes:
    """A real BIFF8 .xls written by xlwt; optionally a hidden list sheet first and a merged 一级指标."""
    book = xlwt.Workbook(encoding="utf-8")
    if hidden_first_sheet:
        lists = book.add_sheet("下拉列表")
        for i, v in enumerate(("完成整改", "正在整改", "未整改")):
            lists.write(i, 0, v)
        lists.visibility = 1
    ws = book.add_sheet(spec.sheet)
    grid = spec.grid()
    merged_rows = set()
    if merge_level1:
        first, last = merge_level1  # 0-based rows of the sheet
        ws.write_merge(first, last, 1, 1, grid[first][1])
        merged_rows = set(range(first, last + 1))
    for r, row in enumerate(grid):
        for c, value in enumerate(row):
            if c == 1 and r in merged_rows:
                continue
            if value != "":
                ws.write(r, c, value)
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def csv_bytes(spec: LedgerSpec, encoding: str = "utf-8-sig", delimiter: str = ",") -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=delimiter)
    for row in spec.grid():
        writer.writerow(row)
    return buf.getvalue().encode(encoding)


def rewrite_part(data: bytes, part: str, edit) -> bytes:
    """The same zip with ``part``'s text replaced by ``edit(text)``."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            content = src.read(info)
            if info.filename == part:
                content = edit(content.decode("utf-8")).encode("utf-8")
            dst.writestr(info.filename, content)
    return out.getvalue()


def lying_dimension(data: bytes) -> bytes:
    """What WPS writes: <dimension ref="A1:A1"/> whatever the sheet holds."""
    return rewrite_part(data, "xl/worksheets/sheet1.xml",
                        lambda text: re.sub(r'<dimension ref="[^"]+"\s*/>', '<dimension ref="A1:A1"/>', text))


def empty_fill(data: bytes) -> bytes:
    """An empty <fill/> in styles, which makes some openpyxl versions raise TypeError."""
    return rewrite_part(data, "xl/styles.xml", lambda text: re.sub(r"<fills count=\"(\d+)\">",
                        lambda m: f'<fills count="{int(m.group(1)) + 1}"><fill/>', text, count=1))


def builtin_chinese_date(data: bytes, cell: str) -> bytes:
    """Give ``cell`` (holding a date) the zh-CN built-in format id 31 (yyyy年m月d日), as Chinese Excel saves it."""
    wb = openpyxl.load_workbook(io.BytesIO(data))
    ws = wb.active
    ws[cell].number_format = 'yyyy"年"m"月"d"日"'
    buf = io.BytesIO()
    wb.save(buf)

    def edit(text: str) -> str:
        m = re.search(r'<numFmt numFmtId="(\d+)" formatCode="yyyy&quot;', text)
        custom = m.group(1)
        text = re.sub(rf'<numFmt numFmtId="{custom}"[^>]*/>', "", text)
        return text.replace(f'numFmtId="{custom}"', 'numFmtId="31"')

    return rewrite_part(buf.getvalue(), "xl/styles.xml", edit)
