"""What each file format adds: writer quirks, cell types, sizes, damaged or mistyped bytes."""

import datetime as dt
import io
import pickle
import zipfile

import pytest
import xlwt

from parsers import ledger_xls
from parsers.ledger import read_ledger
from parsers.sniff import detect
from parsers.types import FileKind, Limits, ParseError, ParseErrorKind
from tests.builders import hostile
from tests.builders import workbooks as wb

SPEC = wb.LedgerSpec(extra_title_rows=2, block_in_one_cell=False)


def kind_of_error(data: bytes, kind: FileKind, limits: Limits = Limits()) -> ParseErrorKind:
    with pytest.raises(ParseError) as info:
        read_ledger(data, kind, limits)
    return info.value.kind


@pytest.mark.parametrize("kind,data", [
    (FileKind.XLSX, lambda: wb.xlsx(SPEC)),
    (FileKind.XLS, lambda: wb.xls(SPEC)),
    (FileKind.CSV, lambda: wb.csv_bytes(SPEC, "gb18030")),
])
def test_the_same_ledger_gives_the_same_places_in_every_format(kind, data):
    ledger = read_ledger(data(), kind)
    sheet = "CSV" if kind is FileKind.CSV else "台账"
    assert (ledger.sheet, ledger.header_row, sorted(ledger.rows)) == (sheet, 7, [1, 2, 3])
    assert [ledger.rows[s].row for s in (1, 2, 3)] == [8, 9, 10]
    assert ledger.rows[3].cells["remark"].ref == f"{sheet}!G10"
    assert (ledger.unit.ref, ledger.phone.text) == (f"{sheet}!B4", "13909541234")
    assert ledger.title == SPEC.title


# --- xlsx -----------------------------------------------------------------------------------


def test_xlsx_empty_fill_never_escapes_as_type_error():
    ledger = read_ledger(wb.empty_fill(wb.xlsx(SPEC)), FileKind.XLSX)
    assert sorted(ledger.rows) == [1, 2, 3]


def test_xlsx_lying_dimension_with_merges():
    data = wb.lying_dimension(wb.xlsx(SPEC, merge=("A3:G3", "B8:B9")))
    ledger = read_ledger(data, FileKind.XLSX)
    assert ledger.rows[2].text("level1") == "能力保障" and ledger.rows[3].cells["remark"].cell == "G10"


def test_xlsx_formulas_are_text_never_results():
    data = wb.xlsx(SPEC, formulas={"E8": "=1+1", "G9": '=HYPERLINK("http://evil.test","点击")'})
    ledger = read_ledger(data, FileKind.XLSX)
    assert ledger.rows[1].text("measure") == "=1+1"
    assert ledger.rows[2].text("remark").startswith("=HYPERLINK(")


def test_xlsx_array_formula_is_its_text():
    from openpyxl.worksheet.formula import ArrayFormula

    data = wb.xlsx(SPEC, formulas={"E8": ArrayFormula("E8:E8", "=SUM(A1:A3*2)")})
    assert read_ledger(data, FileKind.XLSX).rows[1].text("measure") == "=SUM(A1:A3*2)"


def test_xlsx_dates_and_times():
    rows = [(1, "", "问题", "政府办", dt.date(2021, 11, 20), "完成整改", dt.datetime(2021, 11, 24, 14, 30))]
    ledger = read_ledger(wb.xlsx(wb.LedgerSpec(rows=rows)), FileKind.XLSX)
    assert ledger.rows[1].text("measure") == "2021-11-20"
    assert ledger.rows[1].text("remark") == "2021-11-24 14:30:00"


def test_xlsx_styled_empty_rows_do_not_count_against_the_row_limit():
    data = wb.xlsx(SPEC, styled_blanks_to=400)
    assert sorted(read_ledger(data, FileKind.XLSX, Limits(max_sheet_rows=50)).rows) == [1, 2, 3]


def test_xlsx_a_cell_in_the_last_row():
    styled = wb.cell_in_last_row(wb.xlsx(SPEC))
    assert sorted(read_ledger(styled, FileKind.XLSX).rows) == [1, 2, 3]
    assert kind_of_error(wb.cell_in_last_row(wb.xlsx(SPEC), "x"), FileKind.XLSX) is ParseErrorKind.OVERFLOW


@pytest.mark.timeout(60)  # resolving the merge cell by cell means a million rows: this is the hang guard
def test_xlsx_merge_over_a_whole_column_is_ignored():
    data = wb.whole_column_merge(wb.xlsx(SPEC, merge=("B8:B9",)))
    ledger = read_ledger(data, FileKind.XLSX)
    assert ledger.rows[3].text("status") == "未整改" and ledger.rows[2].text("level1") == "能力保障"


def overflow_of(data: bytes, kind: FileKind, limits: Limits = Limits()) -> ParseError:
    with pytest.raises(ParseError) as info:
        read_ledger(data, kind, limits)
    assert info.value.kind is ParseErrorKind.OVERFLOW
    return info.value


def test_xlsx_a_huge_data_sheet_beside_the_ledger_is_left_out():
    data = wb.cell_in_last_row(wb.xlsx(SPEC, extra_sheets=("原始数据",)), "x", sheet=2)
    ledger = read_ledger(data, FileKind.XLSX)
    assert sorted(ledger.rows) == [1, 2, 3] and ledger.sheets == ("台账", "原始数据")


def test_xlsx_data_beyond_the_limits_on_the_ledger_sheet_names_its_cell():
    error = overflow_of(wb.cell_in_last_row(wb.xlsx(SPEC, extra_sheets=("说明",)), "x"), FileKind.XLSX)
    assert (error.sheet, error.cell) == ("台账", "A1048576")
    assert pickle.loads(pickle.dumps(error)).cell == "A1048576"  # it crosses the sandbox's process boundary


def test_xlsx_too_many_columns():
    header = wb.HEADER + tuple(f"列{i}" for i in range(10))
    rows = [(1, "", "问题", "政府办", "措施", "完成整改", "") + tuple("x" * 10)]
    data = wb.xlsx(wb.LedgerSpec(header=header, rows=rows))
    error = overflow_of(data, FileKind.XLSX, Limits(max_sheet_columns=12))
    assert error.cell == "M5"  # the header row (row 5 here) is the first with a cell past column L
    assert read_ledger(data, FileKind.XLSX, Limits(max_sheet_columns=17)).rows[1].text("status") == "完成整改"


def _zip(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, content in members.items():
            zf.writestr(name, content)
    return buf.getvalue()


@pytest.mark.parametrize("data,expected", [
    (lambda: _zip({"word/document.xml": b"<w/>", "[Content_Types].xml": b"<Types/>"}), ParseErrorKind.WRONG_TYPE),
    (lambda: _zip({"xl/workbook.bin": b"\x00", "[Content_Types].xml": b"<Types/>"}), ParseErrorKind.UNREADABLE),
    (lambda: b"\x00\x01garbage" * 100, ParseErrorKind.WRONG_TYPE),
    (lambda: hostile.truncated(wb.xlsx(SPEC)), ParseErrorKind.TRUNCATED),
    (lambda: _zip({"xl/workbook.xml": b"<workbook", "[Content_Types].xml": b"<Types/>"}), ParseErrorKind.UNREADABLE),
])
def test_xlsx_bad_bytes_are_typed_errors(data, expected):
    assert kind_of_error(data(), FileKind.XLSX) is expected


# --- xls ------------------------------------------------------------------------------------


def test_xls_hidden_sheet_is_flagged_and_the_visible_ledger_read():
    data = wb.xls(SPEC, hidden_first_sheet=True)
    sheets = ledger_xls.read_sheets(data, Limits())
    assert [(s.name, s.hidden) for s in sheets] == [("下拉列表", True), ("台账", False)]
    assert read_ledger(data, FileKind.XLS).sheets == ("下拉列表", "台账")


def test_xls_cell_types():
    extra = {(7, 4): dt.datetime(2021, 11, 20), (8, 4): True, (9, 4): xlwt.Formula("1+1"), (7, 6): 3.0, (8, 6): 2.5}
    ledger = read_ledger(wb.xls(SPEC, extra=extra), FileKind.XLS)
    assert [ledger.rows[s].text("measure") for s in (1, 2)] == ["2021-11-20", "TRUE"]
    assert ledger.rows[3].text("measure") != "2"  # xlwt stores no result; nothing is computed here
    assert (ledger.rows[1].text("remark"), ledger.rows[2].text("remark")) == ("3", "2.5")


def test_xls_formatted_blank_rows_do_not_count_against_the_row_limit():
    data = wb.xls(SPEC, styled_blanks_to=3000)
    assert sorted(read_ledger(data, FileKind.XLS, Limits(max_sheet_rows=50)).rows) == [1, 2, 3]
    rows = [(i, "", f"问题{i}", "政府办", "措施", "完成整改", "") for i in range(1, 60)]
    many = wb.xls(wb.LedgerSpec(rows=rows))
    assert overflow_of(many, FileKind.XLS, Limits(max_sheet_rows=50)).cell == "A51"


def test_xls_a_long_data_sheet_beside_the_ledger_is_left_out():
    data = wb.xls(SPEC, data_sheet_rows=80)
    assert sorted(read_ledger(data, FileKind.XLS, Limits(max_sheet_rows=50)).rows) == [1, 2, 3]


@pytest.mark.parametrize("data,expected", [
    (lambda: wb.xlsx(SPEC), ParseErrorKind.WRONG_TYPE),  # sniffing is the caller's job; we say what it is not
    (lambda: b"\x00\x01garbage" * 100, ParseErrorKind.WRONG_TYPE),
    (lambda: hostile.docx(), ParseErrorKind.WRONG_TYPE),
    (lambda: hostile.ole_file({"WordDocument": b"x" * 100}), ParseErrorKind.WRONG_TYPE),  # a .doc
    (lambda: wb.encrypted_xls(), ParseErrorKind.ENCRYPTED),
])
def test_xls_bad_bytes_are_typed_errors(data, expected):
    assert kind_of_error(data(), FileKind.XLS) is expected


def test_xls_damaged_ole_is_a_typed_error():
    data = wb.xls(SPEC)
    cut = data[: len(data) // 2]
    assert kind_of_error(cut, FileKind.XLS) in (ParseErrorKind.TRUNCATED, ParseErrorKind.UNREADABLE)


# --- csv ------------------------------------------------------------------------------------


def test_csv_tab_separated_with_commas_and_semicolons_in_the_text():
    rows = [(1, "", "未公开年报,缺少数据;不全,错误", "政府办,司法局", "补发,重发;核对", "完成整改", "a,b;c")]
    spec = wb.LedgerSpec(rows=rows)
    ledger = read_ledger(wb.csv_bytes(spec, "utf-8", delimiter="\t"), FileKind.CSV)
    assert ledger.rows[1].text("owner") == "政府办,司法局" and ledger.rows[1].text("remark") == "a,b;c"


def test_csv_semicolons():
    ledger = read_ledger(wb.csv_bytes(wb.LedgerSpec(), "utf-8-sig", delimiter=";"), FileKind.CSV)
    assert ledger.rows[3].text("remark") == "系统升级中"


def test_csv_multi_line_cell_is_one_row():
    rows = [(1, "", "问题", "政府办", "第一，补发；\n第二，核对。", "完成整改", ""),
            (2, "", "问题二", "政府办", "措施", "正在整改", "")]
    ledger = read_ledger(wb.csv_bytes(wb.LedgerSpec(rows=rows)), FileKind.CSV)
    assert ledger.rows[1].text("measure") == "第一，补发；\n第二，核对。"
    assert ledger.rows[2].row == 7 and ledger.rows[2].cells["status"].ref == "CSV!F7"


def test_csv_too_many_rows():
    rows = [(i, "", f"问题{i}", "政府办", "措施", "完成整改", "") for i in range(1, 60)]
    data = wb.csv_bytes(wb.LedgerSpec(rows=rows))
    assert overflow_of(data, FileKind.CSV, Limits(max_sheet_rows=50)).sheet == "CSV"


@pytest.mark.parametrize("data", [b"\x00\x01garbage" * 100, b"\x1f\x8b\x08\x00" + bytes(range(256)) * 4])
def test_csv_binary_is_wrong_type(data):
    assert kind_of_error(data, FileKind.CSV) is ParseErrorKind.WRONG_TYPE


def test_csv_saved_as_excel_unicode_text_is_read():
    """Excel's 另存为“Unicode 文本”: UTF-16 with a byte-order mark, tab-separated."""
    data = wb.csv_bytes(SPEC, "utf-16", "\t")
    assert detect(data, "台账.txt") is FileKind.CSV
    ledger = read_ledger(data, FileKind.CSV)
    assert ledger.unit.text == "田坪乡" and sorted(ledger.rows) == [1, 2, 3]


LATIN_1 = "id;name;city;note\n1;Müller;Zürich;café au lait\n2;Françoise;Besançon;très bien, à bientôt\n"
GREEK = "id,age,name\n1,39,Λεωνίδας\n2,23,Αλέξανδρος\n3,36,Μυρωνας\n"


@pytest.mark.parametrize("data", [LATIN_1.encode("latin-1"), LATIN_1.encode("cp1252"), GREEK.encode("iso-8859-7")],
                         ids=["latin-1", "windows-1252", "iso-8859-7"])
def test_a_csv_in_a_western_or_greek_code_page_is_text_not_damage(data):
    """Not a ledger (no Chinese header can be written in these code pages), but not a damaged file either:
    the unit is told it is not the template, not that it is broken."""
    assert detect(data, "数据.csv") is FileKind.CSV
    assert kind_of_error(data, FileKind.CSV) is ParseErrorKind.NO_TABLE


def test_csv_without_a_ledger_header_is_no_table():
    assert kind_of_error("姓名,年龄\n张三,30\n".encode(), FileKind.CSV) is ParseErrorKind.NO_TABLE


def test_not_a_spreadsheet_kind():
    assert kind_of_error(b"%PDF-1.4", FileKind.PDF) is ParseErrorKind.WRONG_TYPE


def test_csv_a_stray_byte_does_not_cost_the_ledger():
    remark = "系统升级中".encode("gb18030")
    data = wb.csv_bytes(wb.LedgerSpec(), "gb18030").replace(remark, b"\xff" + remark)
    assert detect(data, "台账.csv") is FileKind.CSV  # the sniffer agrees with the reader: not a damaged file
    ledger = read_ledger(data, FileKind.CSV)
    assert ledger.rows[3].text("remark").endswith("系统升级中") and ledger.unit.text == "田坪乡"
