"""Spreadsheets laid out the many ways units really send them, built in memory.

``LedgerSpec`` describes a ledger compactly; ``xlsx``/``xls``/``csv_bytes`` write it
in each format. Post-processing helpers reproduce writer quirks (a lying
``<dimension>``, an empty ``<fill/>``, a merge over a whole column, a styled cell
in the last row) by editing the saved zip, so no binary file is committed.
"""

from __future__ import annotations

import csv
import io
import re
import struct
import zipfile
from dataclasses import dataclass, field

import openpyxl
import xlwt
from openpyxl.styles import Border, Side

HEADER = ("序号", "一级指标", "反馈问题", "责任单位", "整改措施", "整改完成情况", "备注")
LABELS = ("单位", "联系人", "联系方式")


@dataclass
class LedgerSpec:
    title: str = "2021 年宁夏回族自治区第三方评估反馈问题台账"
    unit: str = "田坪乡"
    contact: str = "李明"
    phone: str = "13909541234"
    block_in_one_cell: bool = True  # "单位：田坪乡" vs "单位：" | "田坪乡"
    block_on_one_line: bool = False  # "单位：田坪乡　　联系人：李明　　联系方式：…" in one cell
    block_below: bool = False  # the block under the table, as a footer
    labels: tuple[str, str, str] = LABELS
    header: tuple[str, ...] = HEADER
    rows: list[tuple] = field(default_factory=lambda: [
        (1, "能力保障", "未公开年报", "各乡镇、各部门(单位)", "已补发年报", "完成整改", ""),
        (2, "", "渠道信息不全", "各乡镇、各部门(单位)", "正在补充", "正在整改", ""),
        (3, "公开渠道", "栏目缺失", "各乡镇、各部门(单位)", "", "未整改", "系统升级中"),
    ])
    extra_title_rows: int = 0
    sheet: str = "台账"

    def block(self) -> list[list[object]]:
        width = len(self.header)
        pairs = list(zip(self.labels, (self.unit, self.contact, self.phone)))
        if self.block_on_one_line:
            return [["　　".join(f"{label}：{value}" for label, value in pairs)] + [""] * (width - 1)]
        if self.block_in_one_cell:
            return [[f"{label}：{value}"] + [""] * (width - 1) for label, value in pairs]
        return [[f"{label}：", value] + [""] * (width - 2) for label, value in pairs]

    def grid(self) -> list[list[object]]:
        """The ledger as rows of cell values, title and block included."""
        width = len(self.header)
        out: list[list[object]] = [[""] * width for _ in range(self.extra_title_rows)]
        out.append([self.title] + [""] * (width - 1))
        if not self.block_below:
            out.extend(self.block())
        out.append(list(self.header))
        out.extend(list(r) for r in self.rows)
        if self.block_below:
            out.extend(self.block())
        return out

    @property
    def header_row(self) -> int:
        """1-based row of the header."""
        block_rows = 0 if self.block_below else len(self.block())
        return self.extra_title_rows + 2 + block_rows

    def row_of(self, index: int) -> int:
        """1-based sheet row of ``rows[index]``."""
        return self.header_row + 1 + index


def xlsx(spec: LedgerSpec, *, extra_sheets: tuple[str, ...] = (), hidden: tuple[str, ...] = (),
         ledger_position: int = 0, merge: tuple[str, ...] = (), formulas: dict[str, object] | None = None,
         copies: tuple[str, ...] = (), styled_blanks_to: int = 0) -> bytes:
    """The ledger on its sheet (and on every sheet named in ``copies``), other sheets with instructions.

    ``styled_blanks_to``: empty cells with borders down to that row, as templates drawn for 'enough rows'.
    """
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
            thin = Border(top=Side(style="thin"), bottom=Side(style="thin"))
            for row in range(ws.max_row + 1, styled_blanks_to + 1):
                for col in range(1, len(spec.header) + 1):
                    ws.cell(row=row, column=col).border = thin
        else:
            ws.append(["填表说明", "请按模板填写"])
            ws.append(["序号", "说明"])
        if name in hidden:
            ws.sheet_state = "hidden"
    return _saved(wb)


def grouped_header_xlsx(spec: LedgerSpec) -> bytes:
    """A two-row header: 整改情况 over 整改措施 | 整改完成情况, every other heading merged over both rows."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = spec.sheet
    ws.append([spec.title])
    ws.append([f"单位：{spec.unit}"])
    ws.append(["序号", "一级指标", "反馈问题", "责任单位", "整改情况", None, "备注"])
    ws.append([None, None, None, None, "整改措施", "整改完成情况", None])
    for col in "ABCDG":
        ws.merge_cells(f"{col}3:{col}4")
    ws.merge_cells("E3:F3")
    for row in spec.rows:
        ws.append([v if v != "" else None for v in row])
    return _saved(wb)


def grid_xlsx(sheets: dict[str, list[list[object]]], *, merges: dict[str, tuple[str, ...]] | None = None,
              hidden: tuple[str, ...] = ()) -> bytes:
    """Sheets written row by row exactly as given ('' and None leave a cell empty), for odd layouts."""
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append([None if v == "" else v for v in row])
        for ref in (merges or {}).get(name, ()):
            ws.merge_cells(ref)
        if name in hidden:
            ws.sheet_state = "hidden"
    return _saved(wb)


def xls(spec: LedgerSpec, *, hidden_first_sheet: bool = False, merge_level1: tuple[int, int] | None = None,
        extra: dict[tuple[int, int], object] | None = None, styled_blanks_to: int = 0,
        data_sheet_rows: int = 0) -> bytes:
    """A real BIFF8 .xls written by xlwt.

    ``hidden_first_sheet``: a hidden list sheet before the ledger; ``merge_level1``: 0-based first and
    last sheet rows of a merged 一级指标; ``extra``: (row, col) 0-based → value (a date, a bool, an
    ``xlwt.Formula``); ``styled_blanks_to``: formatted blank cells down to that 0-based row;
    ``data_sheet_rows``: a sheet of that many rows of raw data after the ledger.
    """
    book = xlwt.Workbook(encoding="utf-8")
    if hidden_first_sheet:
        lists = book.add_sheet("下拉列表")
        for i, v in enumerate(("完成整改", "正在整改", "未整改")):
            lists.write(i, 0, v)
        lists.visibility = 1  # BOUNDSHEET visibility: 1 hidden, 2 very hidden
    ws = book.add_sheet(spec.sheet)
    grid = spec.grid()
    merged_rows = set()
    if merge_level1:
        first, last = merge_level1
        ws.write_merge(first, last, 1, 1, grid[first][1])
        merged_rows = set(range(first, last + 1))
    for r, row in enumerate(grid):
        for c, value in enumerate(row):
            if c == 1 and r in merged_rows:
                continue
            if value != "" and (r, c) not in (extra or {}):
                ws.write(r, c, value)
    date_style = xlwt.easyxf(num_format_str="YYYY-MM-DD")
    for (r, c), value in (extra or {}).items():
        if hasattr(value, "year"):
            ws.write(r, c, value, date_style)
        else:
            ws.write(r, c, value)
    border = xlwt.easyxf("borders: top thin, bottom thin")
    for r in range(len(grid), styled_blanks_to + 1):
        ws.write(r, 0, None, border)
    if data_sheet_rows:
        data = book.add_sheet("原始数据")
        for r in range(data_sheet_rows):
            data.write(r, 0, f"记录{r + 1}")
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def encrypted_xls() -> bytes:
    """A password-protected .xls as xlrd sees one: a Workbook stream whose globals hold FILEPASS."""
    from tests.builders.hostile import ole_file

    def record(code: int, body: bytes) -> bytes:
        return struct.pack("<HH", code, len(body)) + body

    bof = record(0x0809, struct.pack("<HHHHII", 0x0600, 0x0005, 0x0DBB, 0x07CC, 0, 0x06))  # BIFF8 globals
    filepass = record(0x002F, struct.pack("<H", 1) + bytes(52))  # RC4 encryption header
    return ole_file({"Workbook": bof + filepass + record(0x000A, b"")})


def csv_bytes(spec: LedgerSpec, encoding: str = "utf-8-sig", delimiter: str = ",") -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=delimiter)
    for row in spec.grid():
        writer.writerow(row)
    return buf.getvalue().encode(encoding)


def _saved(wb: openpyxl.Workbook) -> bytes:
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def add_sheet(data: bytes, name: str, cells: dict[tuple[int, int], object]) -> bytes:
    """The workbook with one more sheet holding ``cells`` ((row, col), 1-based → value)."""
    book = openpyxl.load_workbook(io.BytesIO(data))
    ws = book.create_sheet(name)
    for (row, col), value in cells.items():
        ws.cell(row=row, column=col, value=value)
    return _saved(book)


def rewrite_part(data: bytes, part: str, edit) -> bytes:
    """The same zip with ``part``'s text replaced by ``edit(text)``."""
    return edit_parts(data, {part: edit})


def lying_dimension(data: bytes) -> bytes:
    """What WPS writes: <dimension ref="A1:A1"/> whatever the sheet holds."""
    return rewrite_part(data, "xl/worksheets/sheet1.xml",
                        lambda text: re.sub(r'<dimension ref="[^"]+"\s*/>', '<dimension ref="A1:A1"/>', text))


def empty_fill(data: bytes) -> bytes:
    """An empty <fill/> in styles, which makes some openpyxl versions raise TypeError."""
    return rewrite_part(data, "xl/styles.xml", lambda text: re.sub(r"<fills count=\"(\d+)\">",
                        lambda m: f'<fills count="{int(m.group(1)) + 1}"><fill/>', text, count=1))


def whole_column_merge(data: bytes, column: str = "H") -> bytes:
    """A merge over a whole column (what '合并' on a selected column writes): 1,048,576 cells."""
    ref = f"{column}1:{column}1048576"

    def edit(text: str) -> str:
        if "<mergeCells" in text:
            return re.sub(r"<mergeCells count=\"(\d+)\">", lambda m: f'<mergeCells count="{int(m.group(1)) + 1}">'
                          f'<mergeCell ref="{ref}"/>', text, count=1)
        return text.replace("</sheetData>", f'</sheetData><mergeCells count="1"><mergeCell ref="{ref}"/></mergeCells>')

    return rewrite_part(data, "xl/worksheets/sheet1.xml", edit)


def cell_in_last_row(data: bytes, value: str | None = None, sheet: int = 1) -> bytes:
    """A cell in row 1,048,576 of the ``sheet``-th sheet: styled and empty (harmless) or holding ``value``."""
    cell = (f'<c r="A1048576" t="inlineStr"><is><t>{value}</t></is></c>' if value is not None
            else '<c r="A1048576" s="0"/>')
    return rewrite_part(data, f"xl/worksheets/sheet{sheet}.xml",
                        lambda text: text.replace("</sheetData>", f'<row r="1048576">{cell}</row></sheetData>'))


def builtin_chinese_date(data: bytes, cell: str) -> bytes:
    """Give ``cell`` (holding a date) the zh-CN built-in format id 31 (yyyy年m月d日), as Chinese Excel saves it."""
    wb = openpyxl.load_workbook(io.BytesIO(data))
    ws = wb.active
    ws[cell].number_format = 'yyyy"年"m"月"d"日"'

    def edit(text: str) -> str:
        m = re.search(r'<numFmt numFmtId="(\d+)" formatCode="yyyy&quot;', text)
        custom = m.group(1)
        text = re.sub(rf'<numFmt numFmtId="{custom}"[^>]*/>', "", text)
        return text.replace(f'numFmtId="{custom}"', 'numFmtId="31"')

    return rewrite_part(_saved(wb), "xl/styles.xml", edit)


# --- valid workbooks openpyxl cannot load (Excel and calamine read them) ------------------------

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PIVOT_CACHE = f"{REL_NS}/pivotCacheDefinition"
PIVOT_TABLE = f"{REL_NS}/pivotTable"
# A pivot cache with a grouped field, as Excel for Mac saves it: openpyxl's CacheDefinition.from_tree
# raises TypeError ("Nested.from_tree() missing 1 required positional argument") on <discretePr>.
PIVOT_CACHE_XML = (
    f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><pivotCacheDefinition xmlns="{MAIN_NS}" '
    'refreshedBy="joel" createdVersion="8" refreshedVersion="8" minRefreshableVersion="3" recordCount="0">'
    '<cacheSource type="worksheet"><worksheetSource ref="A1:G6" sheet="台账"/></cacheSource>'
    '<cacheFields count="1"><cacheField name="序号" numFmtId="0" databaseField="0"><fieldGroup base="0">'
    '<discretePr count="2"><x v="1"/><x v="0"/></discretePr><groupItems count="2"><n v="5"/><s v="Group1"/>'
    '</groupItems></fieldGroup></cacheField></cacheFields></pivotCacheDefinition>')
PIVOT_TABLE_XML = (
    f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><pivotTableDefinition xmlns="{MAIN_NS}" name="透视表1" '
    'cacheId="1" dataCaption="值"><location ref="J1:K2" firstHeaderRow="1" firstDataRow="1" firstDataCol="1"/>'
    '<pivotFields count="1"><pivotField showAll="0"/></pivotFields></pivotTableDefinition>')


def edit_parts(data: bytes, edits: dict[str, object]) -> bytes:
    """The same zip with parts edited: name → new bytes, a function of the old text, or None to drop it.
    Names not in the zip are added; ``{"old": ("rename", "new")}`` renames a part."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    names = [info.filename for info in src.infolist()]
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for name in names + [n for n in edits if n not in names]:
            edit = edits.get(name, ...)
            content = src.read(name) if name in names else b""
            if edit is None:
                continue
            if isinstance(edit, tuple):
                name = edit[1]
            elif isinstance(edit, bytes):
                content = edit
            elif callable(edit):
                content = edit(content.decode("utf-8")).encode("utf-8")
            dst.writestr(name, content)
    return out.getvalue()


def _add_relationship(rels: str, rel_id: str, kind: str, target: str) -> str:
    return rels.replace("</Relationships>", f'<Relationship Id="{rel_id}" Type="{kind}" Target="{target}"/></Relationships>')


def _add_override(types: str, part: str, content_type: str) -> str:
    return types.replace("</Types>", f'<Override PartName="{part}" ContentType="{content_type}"/></Types>')


def with_mac_pivot_cache(data: bytes) -> bytes:
    """The workbook with a pivot table (beside the ledger) whose cache Excel for Mac saved with a grouped field."""
    ct = "application/vnd.openxmlformats-officedocument.spreadsheetml."
    empty_rels = f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{REL_NS.replace("officeDocument/2006/relationships", "package/2006/relationships")}"></Relationships>'
    return edit_parts(data, {
        "xl/pivotCache/pivotCacheDefinition1.xml": PIVOT_CACHE_XML.encode("utf-8"),
        "xl/pivotTables/pivotTable1.xml": PIVOT_TABLE_XML.encode("utf-8"),
        "xl/worksheets/_rels/sheet1.xml.rels": _add_relationship(empty_rels, "rIdPT1", PIVOT_TABLE,
                                                                "../pivotTables/pivotTable1.xml").encode("utf-8"),
        "xl/_rels/workbook.xml.rels": lambda t: _add_relationship(t, "rIdPC1", PIVOT_CACHE,
                                                                  "pivotCache/pivotCacheDefinition1.xml"),
        "xl/workbook.xml": lambda t: t.replace("</sheets>", '</sheets><pivotCaches><pivotCache cacheId="1" '
                                               'r:id="rIdPC1"/></pivotCaches>'),
        "[Content_Types].xml": lambda t: _add_override(_add_override(
            t, "/xl/pivotCache/pivotCacheDefinition1.xml", ct + "pivotCacheDefinition+xml"),
            "/xl/pivotTables/pivotTable1.xml", ct + "pivotTable+xml"),
    })


def shared_strings_named_otherwise(data: bytes) -> bytes:
    """The string table stored as ``xl/SharedStrings.xml`` while the workbook's relationships name
    ``sharedStrings.xml``: part names are case-insensitive in the packaging standard, not to openpyxl."""
    return edit_parts(with_shared_strings(data), {"xl/sharedStrings.xml": ("rename", "xl/SharedStrings.xml")})


def empty_style_attribute(data: bytes) -> bytes:
    """Every cell of the first sheet written with ``s=""`` (an empty style index), as some exporters do."""
    def edit(text: str) -> str:
        return re.sub(r'(<c r="[A-Z]+\d+")(?: s="\d+")?', r'\1 s=""', text)

    return edit_parts(data, {"xl/worksheets/sheet1.xml": edit})


def backslash_part_names(data: bytes) -> bytes:
    """Every part stored under a Windows path (``xl\\worksheets\\sheet1.xml``), as some exporters write them."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info.filename.replace("/", "\\"), src.read(info))
    return out.getvalue()


def with_shared_strings(data: bytes) -> bytes:
    """The workbook with the first sheet's texts in a shared-string table, as Excel and WPS write them
    (openpyxl writes them inline)."""
    strings: list[str] = []

    def share(match: re.Match) -> str:
        strings.append(match.group(2))
        return f'{match.group(1)} t="s"><v>{len(strings) - 1}</v></c>'

    sheet = re.sub(r'(<c r="[A-Z]+\d+"(?: s="\d+")?) t="inlineStr"><is><t[^>]*>(.*?)</t></is></c>', share,
                   zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml").decode("utf-8"))
    table = (f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{MAIN_NS}" count="{len(strings)}" '
             f'uniqueCount="{len(strings)}">' + "".join(f"<si><t>{t}</t></si>" for t in strings) + "</sst>")
    shared = f"{REL_NS}/sharedStrings"
    return edit_parts(data, {
        "xl/worksheets/sheet1.xml": sheet.encode("utf-8"),
        "xl/sharedStrings.xml": table.encode("utf-8"),
        "xl/_rels/workbook.xml.rels": lambda t: _add_relationship(t, "rIdSS1", shared, "sharedStrings.xml"),
        "[Content_Types].xml": lambda t: _add_override(
            t, "/xl/sharedStrings.xml", "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"),
    })


# --- binary workbooks (.xlsb), written record by record (MS-XLSB) -------------------------------

def _record(kind: int, payload: bytes = b"") -> bytes:
    head = bytes([kind]) if kind < 0x80 else bytes([(kind & 0x7F) | 0x80, (kind >> 7) & 0x7F])
    size, length = len(payload), b""
    while True:
        byte, size = size & 0x7F, size >> 7
        length += bytes([byte | (0x80 if size else 0)])
        if not size:
            return head + length + payload


def _wide(text: str) -> bytes:
    return struct.pack("<I", len(text.encode("utf-16-le")) // 2) + text.encode("utf-16-le")


def xlsb(spec: LedgerSpec) -> bytes:
    """The ledger as Excel's binary workbook (.xlsb): texts as inline-string cells (BrtCellSt), numbers as
    BrtCellReal; no styles, no shared strings (both optional)."""
    grid = spec.grid()
    cells = b""
    for row, values in enumerate(grid):
        cells += _record(0x0000, struct.pack("<I", row) + b"\0" * 12 + struct.pack("<I", 0))  # BrtRowHdr
        for col, value in enumerate(values):
            if value in ("", None):
                continue
            if isinstance(value, (int, float)):
                cells += _record(0x0005, struct.pack("<II", col, 0) + struct.pack("<d", float(value)))  # BrtCellReal
            else:
                cells += _record(0x0006, struct.pack("<II", col, 0) + _wide(str(value)))  # BrtCellSt
    width = max(len(r) for r in grid)
    sheet = (_record(0x0081) + _record(0x0094, struct.pack("<IIII", 0, len(grid) - 1, 0, width - 1))
             + _record(0x0091) + cells + _record(0x0092) + _record(0x0082))
    book = (_record(0x0083) + _record(0x008F)
            + _record(0x009C, struct.pack("<II", 0, 1) + _wide("rId1") + _wide(spec.sheet))
            + _record(0x0090) + _record(0x0084))
    package = "http://schemas.openxmlformats.org/package/2006/relationships"
    ct = "application/vnd.ms-excel."
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", (
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
            'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
            f'relationships+xml"/><Override PartName="/xl/workbook.bin" ContentType="{ct}sheet.binary.macroEnabled.'
            f'main"/><Override PartName="/xl/worksheets/sheet1.bin" ContentType="{ct}worksheet"/></Types>'))
        zf.writestr("_rels/.rels", f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{package}">'
                                   f'<Relationship Id="rId1" Type="{REL_NS}/officeDocument" Target="xl/workbook.bin"/>'
                                   '</Relationships>')
        zf.writestr("xl/_rels/workbook.bin.rels", f'<?xml version="1.0" encoding="UTF-8"?><Relationships '
                                                  f'xmlns="{package}"><Relationship Id="rId1" Type="{REL_NS}/worksheet"'
                                                  ' Target="worksheets/sheet1.bin"/></Relationships>')
        zf.writestr("xl/workbook.bin", book)
        zf.writestr("xl/worksheets/sheet1.bin", sheet)
    return out.getvalue()


def bare_biff4(spec: LedgerSpec) -> bytes:
    """The ledger as an Excel 4.0 worksheet: a BIFF4 record stream with no OLE container around it,
    texts in code page 936 (GBK) as a Chinese Excel 4.0 saved them."""
    def record(opcode: int, payload: bytes) -> bytes:
        return struct.pack("<HH", opcode, len(payload)) + payload

    grid = spec.grid()
    out = record(0x0409, struct.pack("<HHH", 0, 0x0010, 0))  # BOF: BIFF4 worksheet
    out += record(0x0042, struct.pack("<H", 936))  # CODEPAGE
    out += record(0x0200, struct.pack("<HHHHH", 0, len(grid), 0, max(len(r) for r in grid), 0))  # DIMENSIONS
    for row, values in enumerate(grid):
        for col, value in enumerate(values):
            if value in ("", None):
                continue
            if isinstance(value, (int, float)):
                out += record(0x0203, struct.pack("<HHHd", row, col, 0, float(value)))  # NUMBER
            else:
                text = str(value).encode("gbk")
                out += record(0x0204, struct.pack("<HHHH", row, col, 0, len(text)) + text)  # LABEL
    return out + record(0x000A, b"")  # EOF


def capitalised_stream_xls(spec: LedgerSpec, name: str = "WORKBOOK") -> bytes:
    """The .xls with its workbook stream's directory name in other letters' case (``WORKBOOK``), as some
    writers store it: OLE compares names case-insensitively."""
    data = bytearray(xls(spec))
    old = "Workbook".encode("utf-16-le") + b"\0\0"
    at = data.find(old, 512)
    while at % 128:
        at = data.find(old, at + 1)
    data[at:at + len(old)] = name.encode("utf-16-le") + b"\0\0"
    return bytes(data)


def miscounted_string_table(spec: LedgerSpec) -> bytes:
    """The .xls with its string table (SST record) declaring more unique strings than it holds, as some
    exporters write it: Excel and calamine read the file, xlrd stops with an AssertionError."""
    data = bytearray(xls(spec))
    at = data.find(b"\xfc\x00")  # SST: length, total count, unique count
    while at >= 0:
        length, total, unique = struct.unpack_from("<HII", data, at + 2)
        if 8 <= length <= 8224 and 0 < unique <= total:
            struct.pack_into("<I", data, at + 8, unique + 5)
            return bytes(data)
        at = data.find(b"\xfc\x00", at + 1)
    raise AssertionError("no SST record")
