"""The real type comes from the bytes, never from the name."""

import pytest

from parsers.sniff import detect
from parsers.types import FileKind
from tests.builders import hostile, reports, workbooks


@pytest.mark.parametrize("name,make,kind", [
    ("台账.xlsx", lambda: workbooks.xlsx(workbooks.LedgerSpec()), FileKind.XLSX),
    ("台账.xls", lambda: workbooks.xlsx(workbooks.LedgerSpec()), FileKind.XLSX),  # renamed, still xlsx
    ("台账.xlsx", lambda: workbooks.xls(workbooks.LedgerSpec()), FileKind.XLS),  # renamed the other way
    ("台账.csv", lambda: workbooks.csv_bytes(workbooks.LedgerSpec(), "gb18030"), FileKind.CSV),
    ("报告.pdf", reports.text_report, FileKind.PDF),
    ("报告.pdf", hostile.pe_executable, FileKind.EXECUTABLE),
    ("报告.pdf", hostile.elf_executable, FileKind.EXECUTABLE),
    ("台账.xlsx", lambda: hostile.encrypted_xlsx(workbooks.xlsx(workbooks.LedgerSpec())), FileKind.OFFICE_ENCRYPTED),
    ("报告.docx", hostile.docx, FileKind.DOCX),
    ("报告.pdf", hostile.jpeg, FileKind.IMAGE),
    ("材料.zip", lambda: hostile.nested_zip(1), FileKind.ZIP),
    ("说明.txt", lambda: "请查收附件。".encode("gb18030"), FileKind.TEXT),
    ("x.bin", lambda: bytes(range(256)) * 4, FileKind.UNKNOWN),
])
def test_kind_from_bytes(name, make, kind):
    assert detect(make(), name) is kind


def test_pdf_header_after_junk_bytes_is_still_pdf():
    assert detect(b"\r\n\xef\xbb\xbf" + reports.text_report()) is FileKind.PDF


def test_truncated_zip_is_unknown_not_a_crash():
    data = workbooks.xlsx(workbooks.LedgerSpec())
    assert detect(data[: len(data) // 3]) in (FileKind.UNKNOWN, FileKind.ZIP)
