"""The ledger is found and read right whatever the layout and format a unit sends."""

import pytest

from parsers.ledger import read_ledger
from parsers.sniff import detect
from parsers.types import FileKind, ParseError, ParseErrorKind
from tests.builders import workbooks as wb
from tests.builders.campaign import TEMPLATE, Filling, filled_ledger


def read(data: bytes):
    return read_ledger(data, detect(data))


def test_the_campaign_template_is_read():
    ledger = read(TEMPLATE.read_bytes())
    assert (ledger.sheet, ledger.header_row) == ("台账", 6)
    assert sorted(ledger.rows) == list(range(1, 38))
    assert ledger.rows[1].cells["status"].ref == "台账!H7"
    assert ledger.title.startswith("2021 年宁夏回族自治区")
    assert ledger.unit.text == "" and ledger.unit.ref == "台账!B3"


def test_filled_template_block_values_and_places():
    ledger = read(filled_ledger(Filling(unit="田坪乡", contact="李明", phone="0954-3012423")))
    assert (ledger.unit.text, ledger.unit.ref) == ("田坪乡", "台账!B3")
    assert (ledger.contact.text, ledger.phone.text) == ("李明", "0954-3012423")
    assert ledger.rows[12].cells["measure"].cell == "G18"


def test_label_and_value_in_one_cell():
    ledger = read(wb.xlsx(wb.LedgerSpec(block_in_one_cell=True)))
    assert (ledger.unit.text, ledger.unit.ref) == ("田坪乡", "台账!A2")
    assert ledger.phone.text == "13909541234"


def test_extra_title_rows_reordered_and_extra_columns():
    header = ("填报说明", "反馈问题", "整改完成情况", "序号", "整改措施", "责任单位", "备注", "一级指标")
    rows = [("x", "未公开年报", "完成整改", 1, "已补发", "各乡镇", "", "能力保障")]
    spec = wb.LedgerSpec(header=header, rows=rows, extra_title_rows=3, block_in_one_cell=False)
    ledger = read(wb.xlsx(spec))
    assert ledger.header_row == 8
    assert ledger.columns["seq"] == "D" and ledger.columns["status"] == "C"
    assert ledger.rows[1].cells["status"].ref == "台账!C9"
    assert ledger.unit.ref == "台账!B5"


def test_full_width_spaces_and_line_breaks_in_headers():
    header = ("序　号", "一级指标", "反 馈 问 题", "责任\n单位", "整改措施：", "整改完成\n情况（下拉选择）", "备注*")
    ledger = read(wb.xlsx(wb.LedgerSpec(header=header)))
    assert set(ledger.columns) >= {"seq", "problem", "owner", "measure", "status", "remark"}
    assert ledger.rows[3].text("remark") == "系统升级中"


def test_full_width_sequence_numbers():
    rows = [("１", "", "问题一", "各乡镇", "措施", "完成整改", ""), ("（2）", "", "问题二", "各乡镇", "措施", "完成整改", ""),
            ("3.", "", "问题三", "各乡镇", "措施", "完成整改", "")]
    assert sorted(read(wb.xlsx(wb.LedgerSpec(rows=rows))).rows) == [1, 2, 3]


def test_merged_cells_fill_down_and_point_at_their_top_left():
    data = wb.xlsx(wb.LedgerSpec(), merge=("B6:B7", "A1:G1"))
    ledger = read(data)
    assert ledger.rows[1].text("level1") == "能力保障"
    assert ledger.rows[2].text("level1") == "能力保障"  # what the clerk sees in the merged cell
    assert ledger.rows[2].cells["level1"].ref == "台账!B6" and ledger.rows[2].row == 7
    assert ledger.title.startswith("2021")


def test_ledger_on_second_sheet_beside_instructions_and_a_hidden_sheet():
    data = wb.xlsx(wb.LedgerSpec(), extra_sheets=("填表说明", "下拉选项"), hidden=("下拉选项",), ledger_position=1)
    ledger = read(data)
    assert ledger.sheet == "台账" and ledger.sheets == ("填表说明", "台账", "下拉选项")


def test_visible_sheet_wins_over_a_hidden_copy():
    data = wb.xlsx(wb.LedgerSpec(), extra_sheets=("旧版",), hidden=("旧版",), ledger_position=1, copies=("旧版",))
    assert read(data).sheets == ("旧版", "台账")
    assert read(data).sheet == "台账"


def test_wps_lying_dimension_is_not_trusted():
    ledger = read(wb.lying_dimension(wb.xlsx(wb.LedgerSpec())))
    assert sorted(ledger.rows) == [1, 2, 3]


def test_empty_fill_in_styles_is_mended_and_read():
    data = wb.empty_fill(wb.xlsx(wb.LedgerSpec()))
    assert sorted(read(data).rows) == [1, 2, 3]


def test_formulas_are_returned_as_text_never_evaluated():
    data = wb.xlsx(wb.LedgerSpec(), formulas={"E7": '=HYPERLINK("http://evil.test","点击")'})
    assert read(data).rows[2].text("measure").startswith("=HYPERLINK(")


def test_numbers_and_dates_read_as_a_clerk_sees_them():
    import datetime as dt

    rows = [(1.0, "", "问题", "各乡镇", dt.datetime(2021, 11, 20), "完成整改", 3.5)]
    ledger = read(wb.xlsx(wb.LedgerSpec(rows=rows)))
    assert ledger.rows[1].text("measure") == "2021-11-20"
    assert ledger.rows[1].text("remark") == "3.5"


def test_duplicate_sequence_numbers_are_reported_first_kept():
    rows = [(1, "", "问题一", "各乡镇", "甲", "完成整改", ""), (1, "", "问题一", "各乡镇", "乙", "完成整改", "")]
    ledger = read(wb.xlsx(wb.LedgerSpec(rows=rows)))
    assert ledger.duplicate_seqs == (1,) and ledger.rows[1].text("measure") == "甲"


def test_real_xls_with_hidden_sheet_and_merged_cells():
    data = wb.xls(wb.LedgerSpec(), hidden_first_sheet=True, merge_level1=(5, 6))
    assert detect(data, "台账.xls") is FileKind.XLS
    ledger = read(data)
    assert ledger.sheet == "台账" and ledger.header_row == 5
    assert ledger.rows[1].cells["level1"].ref == "台账!B6"
    assert ledger.rows[1].text("level1") == "能力保障"
    assert (ledger.unit.text, ledger.rows[3].text("remark")) == ("田坪乡", "系统升级中")


@pytest.mark.parametrize("encoding,delimiter", [("utf-8-sig", ","), ("gb18030", ","), ("gb18030", "\t")])
def test_csv_in_the_encodings_excel_writes(encoding, delimiter):
    data = wb.csv_bytes(wb.LedgerSpec(), encoding=encoding, delimiter=delimiter)
    assert detect(data, "台账.csv") is FileKind.CSV
    ledger = read(data)
    assert ledger.unit.text == "田坪乡" and ledger.rows[3].cells["remark"].ref == "CSV!G8"


def test_xlsx_named_xls_is_read_as_xlsx():
    data = wb.xlsx(wb.LedgerSpec())
    assert detect(data, "台账.xls") is FileKind.XLSX
    assert read(data).unit.text == "田坪乡"


def test_workbook_without_a_ledger_is_no_table():
    spec = wb.LedgerSpec(header=("姓名", "年龄", "地址"), rows=[("张三", 30, "西吉")])
    with pytest.raises(ParseError) as info:
        read(wb.xlsx(spec))
    assert info.value.kind is ParseErrorKind.NO_TABLE


@pytest.mark.parametrize("kind", [FileKind.XLSX, FileKind.XLS, FileKind.CSV])
def test_garbage_bytes_are_a_typed_error(kind):
    with pytest.raises(ParseError):
        read_ledger(b"\x00\x01garbage" * 100, kind)


def test_too_many_rows_is_refused():
    from parsers.types import Limits

    rows = [(i, "", f"问题{i}", "各乡镇", "措施", "完成整改", "") for i in range(1, 60)]
    with pytest.raises(ParseError) as info:
        read_ledger(wb.xlsx(wb.LedgerSpec(rows=rows)), FileKind.XLSX, Limits(max_sheet_rows=40))
    assert info.value.kind is ParseErrorKind.OVERFLOW


def test_chinese_builtin_date_format_is_read_as_a_date():
    import datetime as dt

    rows = [(1, "", "问题", "各乡镇", "措施", "完成整改", dt.datetime(2021, 11, 20))]
    data = wb.builtin_chinese_date(wb.xlsx(wb.LedgerSpec(rows=rows, sheet="Sheet")), "G6")
    assert read(data).rows[1].text("remark") == "2021-11-20"
