"""How the ledger is found on a sheet: header names, header row, sheet choice, the 单位 block, rows.

Built as real .xlsx files in memory; what the format readers add is in test_ledger_formats.
"""

import pytest

from parsers.ledger import match_field, normalize_header, parse_seq, read_ledger
from parsers.types import FileKind, ParseError, ParseErrorKind
from tests.builders import workbooks as wb

HEAD = ["序号", "一级指标", "反馈问题", "责任单位", "整改措施", "整改完成情况", "备注"]


def read(data: bytes):
    return read_ledger(data, FileKind.XLSX)


def one_sheet(*rows, merges=(), name="台账"):
    return read(wb.grid_xlsx({name: [list(r) for r in rows]}, merges={name: merges}))


def no_table(data: bytes) -> None:
    with pytest.raises(ParseError) as info:
        read(data)
    assert info.value.kind is ParseErrorKind.NO_TABLE


@pytest.mark.parametrize("written,normal", [
    ("序　号", "序号"),
    ("整改完成\n情况", "整改完成情况"),
    (" 整改措施：", "整改措施"),
    ("备注*", "备注"),
    ("＊反馈问题（必填）:", "反馈问题"),
    ("整改完成情况（下拉选择）", "整改完成情况"),
    ("ＡＢ", "AB"),
])
def test_header_text_is_normalised(written, normal):
    assert normalize_header(written) == normal


@pytest.mark.parametrize("written,field", [
    ("整改完成情况(下拉选择)", "status"),
    ("完成情况", "status"),
    ("存在问题", "problem"),
    ("责任部门", "owner"),
    ("测评内容", "content"),
    ("编号", "seq"),
    ("说明", "remark"),
    ("说明X", None),  # two-character names only count when exact
    ("填表说明", None),
    ("姓名", None),
])
def test_header_names_map_to_fields(written, field):
    assert match_field(written) == field


@pytest.mark.parametrize("written,seq", [
    ("1", 1), ("1.", 1), ("１", 1), ("（1）", 1), ("(2)", 2), ("3、", 3), ("1.0", 1), (" 4 ", 4), ("３７", 37),
    ("一", None), ("1.5", None), ("例", None), ("", None), ("12345", None), ("一、能力保障", None),
])
def test_sequence_numbers_as_written_by_hand(written, seq):
    assert parse_seq(written) == seq


def test_exact_header_names_win_over_contained_ones():
    ledger = one_sheet(["序号", "整改措施及完成情况", "反馈问题", "责任单位", "完成情况"],
                       [1, "已补发", "问题", "政府办", "完成整改"])
    assert ledger.columns == {"seq": "A", "problem": "C", "owner": "D", "measure": "B", "status": "E"}


def test_header_needs_four_fields_with_seq_or_problem():
    no_table(wb.grid_xlsx({"台账": [["一级指标", "二级指标", "评测内容", "责任单位", "备注"], ["能力保障"]]}))
    no_table(wb.grid_xlsx({"台账": [["序号", "反馈问题", "责任单位"], [1, "问题", "政府办"]]}))
    ledger = one_sheet(["反馈问题", "责任单位", "整改措施", "整改完成情况"], ["问题", "政府办", "措施", "完成整改"])
    assert ledger.header_row == 1 and ledger.rows == {}  # found, but rows are keyed by 序号


def test_header_is_looked_for_in_the_first_40_rows_only():
    assert read(wb.xlsx(wb.LedgerSpec(extra_title_rows=34))).header_row == 39
    no_table(wb.xlsx(wb.LedgerSpec(extra_title_rows=40)))


def test_the_row_naming_most_fields_is_the_header():
    ledger = one_sheet(["序号", "反馈问题", "责任单位", "备注"],  # a 4-field decoy (instructions)
                       HEAD, [1, "能力保障", "问题", "政府办", "措施", "完成整改", ""])
    assert ledger.header_row == 2 and ledger.rows[1].row == 3


def test_the_sheet_with_the_best_header_wins():
    data = wb.grid_xlsx({
        "说明": [["序号", "反馈问题", "责任单位", "备注"], [1, "示例", "政府办", ""]],
        "台账": [HEAD, [1, "能力保障", "问题", "政府办", "措施", "完成整改", ""]],
        "列表": [["完成整改"], ["正在整改"]],
    }, hidden=("列表",))
    ledger = read(data)
    assert ledger.sheet == "台账" and ledger.sheets == ("说明", "台账", "列表")


def test_a_ledger_only_on_a_hidden_sheet_is_still_read():
    data = wb.xlsx(wb.LedgerSpec(), extra_sheets=("说明",), hidden=("台账",))
    assert read(data).sheet == "台账"


def test_reordered_and_unknown_columns_keep_their_letters():
    header = ("备注", "填报说明", "整改完成\n情况", "反 馈 问 题", "序　号", "整改措施：", "责任单位（必填）")
    rows = [("", "x", "完成整改", "未公开年报", "１", "已补发", "政府办")]
    ledger = read(wb.xlsx(wb.LedgerSpec(header=header, rows=rows)))
    assert ledger.columns == {"seq": "E", "problem": "D", "owner": "G", "measure": "F", "status": "C", "remark": "A"}
    assert ledger.header_texts["status"] == "整改完成\n情况"  # as written, for messages
    assert ledger.rows[1].cells["measure"].ref == "台账!F6" and "level1" not in ledger.rows[1].cells


def test_block_label_and_value_in_two_cells():
    ledger = read(wb.xlsx(wb.LedgerSpec(block_in_one_cell=False)))
    assert (ledger.unit.text, ledger.unit.ref) == ("田坪乡", "台账!B2")
    assert (ledger.contact.ref, ledger.phone.ref) == ("台账!B3", "台账!B4")


def test_block_all_on_one_line_in_one_cell():
    ledger = read(wb.xlsx(wb.LedgerSpec(block_on_one_line=True)))
    assert ledger.header_row == 3
    assert (ledger.unit.text, ledger.contact.text, ledger.phone.text) == ("田坪乡", "李明", "13909541234")
    assert ledger.unit.ref == ledger.phone.ref == "台账!A2"


def test_block_labels_with_spaces_and_decorations():
    spec = wb.LedgerSpec(labels=("填报单位（盖章）", "联 系 人", "联系电话"), phone="0954-3012423")
    ledger = read(wb.xlsx(spec))
    assert (ledger.unit.text, ledger.contact.text, ledger.phone.text) == ("田坪乡", "李明", "0954-3012423")


def test_block_values_spread_over_one_row():
    ledger = one_sheet(["2021 年台账"], ["单位：", "", "联系人：", "李明", "联系方式", "", "0954-3012423"], HEAD,
                       [1, "", "问题", "政府办", "措施", "完成整改", ""])
    assert (ledger.unit.text, ledger.unit.ref) == ("", "台账!B2")  # the next cell is another label
    assert (ledger.contact.text, ledger.contact.ref) == ("李明", "台账!D2")
    assert (ledger.phone.text, ledger.phone.ref) == ("0954-3012423", "台账!G2")


def test_a_blank_value_points_where_it_should_be_written():
    spec = wb.LedgerSpec(unit="", contact="")
    ledger = read(wb.xlsx(spec, merge=("A2:G2",)))
    assert (ledger.unit.text, ledger.unit.ref) == ("", "台账!A2")  # one merged line: after the label
    assert (ledger.contact.text, ledger.contact.ref) == ("", "台账!B3")  # the cell beside the label


def test_no_block_at_all():
    ledger = one_sheet(HEAD, [1, "", "问题", "政府办", "措施", "完成整改", ""])
    assert (ledger.unit, ledger.contact, ledger.phone, ledger.title) == (None, None, None, "")


def test_block_under_the_table():
    ledger = read(wb.xlsx(wb.LedgerSpec(block_below=True, block_in_one_cell=False)))
    assert ledger.header_row == 2 and sorted(ledger.rows) == [1, 2, 3]
    assert (ledger.unit.text, ledger.unit.ref) == ("田坪乡", "台账!B6")


def test_title_skips_the_attachment_mark():
    ledger = one_sheet(["附件1"], ["2021 年宁夏回族自治区第三方评估反馈问题台账"], ["单位：田坪乡"], HEAD,
                       merges=("A2:G2",))
    assert ledger.title == "2021 年宁夏回族自治区第三方评估反馈问题台账" and ledger.unit.text == "田坪乡"


def test_rows_without_a_sequence_number_are_skipped():
    ledger = one_sheet(HEAD, ["一、能力保障"], [1, "", "问题一", "政府办", "措施", "完成整改", ""], [],
                       ["", "", "（续）", "", "", "", ""], [2.0, "", "问题二", "政府办", "措施", "正在整改", ""],
                       ["单位负责人：张三　　填表人：李明　　联系电话：0954-3012423"])
    assert sorted(ledger.rows) == [1, 2] and ledger.rows[2].row == 6
    assert (ledger.contact.text, ledger.phone.text) == ("李明", "0954-3012423")  # a footer counts too
    assert ledger.unit is None  # 单位负责人 is a person, not the unit


def test_a_merged_sequence_number_is_one_row_not_a_duplicate():
    ledger = one_sheet(HEAD, [1, "能力保障", "问题一", "政府办", "措施", "完成整改", ""],
                       ["", "", "问题一（续）", "", "", "", ""], [2, "", "问题二", "政府办", "措施", "完成整改", ""],
                       merges=("A2:A3", "B2:B4"))
    assert sorted(ledger.rows) == [1, 2] and ledger.duplicate_seqs == ()
    assert ledger.rows[2].text("level1") == "能力保障" and ledger.rows[2].cells["level1"].cell == "B2"


def test_a_horizontal_merge_does_not_copy_into_the_next_column():
    ledger = one_sheet(HEAD, [1, "", "问题", "政府办", "已补发，已完成", "", ""], merges=("E2:F2",))
    assert ledger.rows[1].text("measure") == "已补发，已完成"
    assert (ledger.rows[1].text("status"), ledger.rows[1].cells["status"].cell) == ("", "F2")


def test_a_merged_status_holds_for_every_row_it_covers():
    ledger = one_sheet(HEAD, [1, "", "问题一", "政府办", "措施", "完成整改", ""],
                       [2, "", "问题二", "政府办", "措施", "", ""], merges=("F2:F3",))
    assert ledger.rows[2].text("status") == "完成整改" and ledger.rows[2].cells["status"].ref == "台账!F2"


def test_two_row_header_with_a_group_heading():
    ledger = read(wb.grouped_header_xlsx(wb.LedgerSpec()))
    assert ledger.header_row == 4
    assert ledger.columns == {"seq": "A", "level1": "B", "problem": "C", "owner": "D", "measure": "E",
                              "status": "F", "remark": "G"}
    assert ledger.header_texts["seq"] == "序号" and ledger.rows[1].row == 5
    assert ledger.rows[3].text("remark") == "系统升级中" and ledger.unit.text == "田坪乡"


def test_values_read_as_a_clerk_sees_them():
    rows = [(1, "", "问题", "政府办", 3, "完成整改", 13909541234), ("2", "", 0.5, "政府办", "  措施  ", True, None)]
    ledger = read(wb.xlsx(wb.LedgerSpec(rows=rows)))
    assert (ledger.rows[1].text("measure"), ledger.rows[1].text("remark")) == ("3", "13909541234")
    assert ledger.rows[2].text("problem") == "0.5" and ledger.rows[2].text("measure") == "措施"
    assert ledger.rows[2].text("status") == "TRUE" and ledger.rows[2].cells["remark"].text == ""
