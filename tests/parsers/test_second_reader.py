"""Valid workbooks the first reader cannot load are read by the second (calamine), and said to be nothing else.

Each builder edits a valid workbook's parts as a real writer leaves them: Excel and
calamine open these files, openpyxl or xlrd (or the type sniffer) did not, and the unit
was told 文件已损坏 / 内容与表格格式不符 / 压缩包无法安全解压.
"""

import io

import openpyxl
import pytest

from parsers.ledger import read_ledger
from parsers.sandbox import Sandbox
from parsers.sniff import detect
from parsers.types import FileKind, Limits, ParseError, ParseErrorKind
from tests.builders import hostile
from tests.builders import workbooks as wb

SPEC = wb.LedgerSpec()
OPENPYXL_FAILS = [
    pytest.param(wb.with_mac_pivot_cache, id="pivot-cache-from-excel-for-mac"),
    pytest.param(wb.shared_strings_named_otherwise, id="shared-strings-part-in-other-case"),
    pytest.param(wb.empty_style_attribute, id="empty-s-attribute"),
    pytest.param(wb.backslash_part_names, id="backslash-part-names"),
]


def same_ledger(ledger, reference) -> bool:
    return (ledger.unit, ledger.contact, ledger.phone, ledger.header_row, ledger.columns) == (
        reference.unit, reference.contact, reference.phone, reference.header_row, reference.columns) and {
        seq: {f: c.text for f, c in row.cells.items()} for seq, row in ledger.rows.items()} == {
        seq: {f: c.text for f, c in row.cells.items()} for seq, row in reference.rows.items()}


@pytest.mark.parametrize("edit", OPENPYXL_FAILS)
def test_a_workbook_openpyxl_cannot_load_is_read_by_calamine_with_the_same_ledger(edit):
    data = edit(wb.xlsx(SPEC))
    with pytest.raises(Exception):  # the builder really makes what openpyxl cannot load
        openpyxl.load_workbook(io.BytesIO(data))
    assert detect(data, "台账.xlsx") is FileKind.XLSX
    with Sandbox(Limits()) as sandbox:
        outcome = sandbox.call(read_ledger, data, FileKind.XLSX, Limits())
    assert outcome.error is None and same_ledger(outcome.value, read_ledger(wb.xlsx(SPEC), FileKind.XLSX))
    # the administrator can see in the log which reader read it and why (logged with the mail's key)
    assert any("values read with calamine" in w for w in outcome.warnings)


def test_merged_cells_and_hidden_sheets_survive_the_second_reader():
    data = wb.empty_style_attribute(wb.xlsx(SPEC, merge=("B6:B7",), extra_sheets=("说明",), hidden=("说明",),
                                            ledger_position=1))
    ledger = read_ledger(data, FileKind.XLSX)
    assert ledger.sheets == ("说明", "台账") and ledger.rows[2].cells["level1"].text == "能力保障"


def test_damage_both_readers_refuse_keeps_the_first_readers_reason():
    data = hostile.truncated(wb.empty_style_attribute(wb.xlsx(SPEC)))
    with pytest.raises(ParseError) as info:
        read_ledger(data, FileKind.XLSX)
    assert info.value.kind is ParseErrorKind.TRUNCATED


def test_an_xlsb_workbook_is_read_not_called_the_wrong_format():
    data = wb.xlsb(SPEC)
    assert detect(data, "台账.xlsb") is FileKind.XLSX
    assert same_ledger(read_ledger(data, FileKind.XLSX), read_ledger(wb.xlsx(SPEC), FileKind.XLSX))


@pytest.mark.parametrize("data", [
    pytest.param(lambda: wb.capitalised_stream_xls(SPEC, "WORKBOOK"), id="WORKBOOK-stream"),
    pytest.param(lambda: wb.capitalised_stream_xls(SPEC, "WorkBook"), id="WorkBook-stream"),
    pytest.param(lambda: wb.bare_biff4(SPEC), id="bare-biff4-no-ole-container"),
    pytest.param(lambda: wb.miscounted_string_table(SPEC), id="miscounted-string-table-xlrd-cannot-read"),
])
def test_xls_files_excel_opens_are_recognised_and_read(data):
    data = data()
    assert detect(data, "台账.xls") is FileKind.XLS
    ledger = read_ledger(data, FileKind.XLS)
    assert ledger.unit.text == "田坪乡" and sorted(ledger.rows) == [1, 2, 3]
    assert ledger.rows[1].cells["status"].text == "完成整改"


def test_a_workbook_with_1024_sheets_is_a_workbook_and_is_read():
    """The old bound (1,000 parts) protected nothing a workbook of many sheets threatens: listing a zip's
    directory costs ~8 µs a part; reading the sheets is bounded by the sandbox's CPU time and memory."""
    data = wb.xlsx(SPEC, extra_sheets=tuple(f"村{i}" for i in range(1023)))
    assert detect(data, "台账.xlsx") is FileKind.XLSX
    with Sandbox(Limits()) as sandbox:
        ledger = sandbox.run(read_ledger, data, FileKind.XLSX, Limits())
    assert ledger.unit.text == "田坪乡" and len(ledger.sheets) == 1024


def test_a_workbook_with_more_parts_than_can_be_listed_safely_is_refused_as_a_workbook_too_large():
    data = hostile.raw_zip([hostile.raw_member("[Content_Types].xml", b"<Types/>"),
                            hostile.raw_member("xl/workbook.xml", b"<workbook/>")]
                           + [hostile.raw_member(f"xl/worksheets/sheet{i}.xml", b"", hostile.STORED)
                              for i in range(20_001)])
    assert detect(data, "台账.xlsx") is FileKind.XLSX  # not an archive: what the unit sent is a workbook
    with pytest.raises(ParseError) as info:
        read_ledger(data, FileKind.XLSX)
    assert info.value.kind is ParseErrorKind.TOO_LARGE
