"""The real type comes from the bytes, never from the name."""

import random

import pytest

from parsers.sniff import detect, make_attachment, sha256
from parsers.types import FileKind
from tests.builders import hostile, other_formats, pdfs, workbooks
from tests.parsers.limited import never_listed

SPEC = workbooks.LedgerSpec()


@pytest.mark.parametrize("name,make,kind", [
    ("台账.xlsx", lambda: workbooks.xlsx(SPEC), FileKind.XLSX),
    ("台账.xls", lambda: workbooks.xlsx(SPEC), FileKind.XLSX),  # an .xlsx named .xls is still xlsx
    ("台账.xlsx", lambda: workbooks.xls(SPEC), FileKind.XLS),  # renamed the other way (xlwt: real BIFF8)
    ("台账.et", lambda: hostile.ole_file({"Book": b"\x09\x08"}), FileKind.XLS),  # BIFF5 / WPS naming
    ("台账.csv", lambda: workbooks.csv_bytes(SPEC, "gb18030"), FileKind.CSV),
    ("台账.csv", lambda: workbooks.csv_bytes(SPEC, "utf-8-sig"), FileKind.CSV),
    ("台账.txt", lambda: workbooks.csv_bytes(SPEC, "utf-8", delimiter="\t"), FileKind.CSV),
    ("报告.pdf", pdfs.text_report, FileKind.PDF),
    ("台账.csv", pdfs.text_report, FileKind.PDF),  # the name never overrides magic bytes
    ("报告.pdf", hostile.pe_executable, FileKind.EXECUTABLE),  # an exe named 报告.pdf
    ("报告.pdf", hostile.elf_executable, FileKind.EXECUTABLE),
    ("报告.pdf", lambda: b"#!/bin/sh\nrm -rf ~\n", FileKind.EXECUTABLE),
    ("报告.pdf", lambda: hostile.pe_executable() + b"%PDF-1.4", FileKind.EXECUTABLE),  # a PE/PDF polyglot
    ("台账.xlsx", lambda: hostile.encrypted_xlsx(workbooks.xlsx(SPEC)), FileKind.OFFICE_ENCRYPTED),
    ("报告.docx", hostile.docx, FileKind.DOCX),
    ("报告.doc", lambda: hostile.ole_file({"WordDocument": "见附件 Workbook 与 Book".encode("utf-16-le")}),
     FileKind.DOC),  # text that names other streams does not fool it
    ("x.doc", lambda: hostile.ole_file({"Contents": b"x"}), FileKind.UNKNOWN),
    ("报告.pdf", hostile.jpeg, FileKind.IMAGE),
    ("报告.pdf", lambda: b"RIFF\x10\x00\x00\x00WEBPVP8 ", FileKind.IMAGE),
    ("报告.pdf", lambda: b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00", FileKind.IMAGE),  # phone photo
    ("材料.zip", lambda: hostile.nested_zip(1), FileKind.ZIP),
    ("材料.zip", lambda: other_formats.rar({"报告.pdf": pdfs.text_report()}), FileKind.RAR),  # stored PDF inside
    ("材料.rar", lambda: b"Rar!\x1a\x07\x00" + bytes(20), FileKind.RAR),  # RAR 4 signature
    ("报告.pdf", lambda: other_formats.seven_zip("报告.pdf", pdfs.text_report()), FileKind.SEVEN_ZIP),
    ("报告.ofd", other_formats.ofd, FileKind.OFD),
    ("台账.ods", other_formats.opendocument, FileKind.ODS),  # a document, not an archive to unpack
    ("报告.odt", lambda: other_formats.opendocument("text"), FileKind.ODT),
    ("汇报.odp", lambda: other_formats.opendocument("presentation"), FileKind.OFFICE_OTHER),
    ("汇报.pptx", other_formats.pptx, FileKind.OFFICE_OTHER),
    ("winmail.dat", other_formats.tnef, FileKind.TNEF),
    ("材料.zip", lambda: hostile.encrypted_zip({"mimetype": b"application/vnd.oasis.opendocument.text"}),
     FileKind.ZIP),  # an unreadable mimetype names no document: the archive's own refusal says why
    ("说明.txt", lambda: "请查收附件。".encode("gb18030"), FileKind.TEXT),
    ("说明.txt", lambda: "BMI 一栏请填写数字。\n谢谢。".encode(), FileKind.TEXT),  # "BM" is not a bitmap
    ("说明.txt", lambda: "您好，附件为台账, 报告, 请查收。".encode(), FileKind.TEXT),  # one line, two commas
    ("x.bin", lambda: bytes(range(256)) * 4, FileKind.UNKNOWN),
    ("空.csv", lambda: b"", FileKind.UNKNOWN),
])
def test_kind_from_bytes(name, make, kind):
    assert detect(make(), name) is kind


def test_the_name_only_breaks_ties():
    one_column = "序号\n1\n2\n3\n".encode("gb18030")
    assert detect(one_column, "台账.csv") is FileKind.CSV
    assert detect(one_column, "说明.txt") is FileKind.TEXT


def test_pdf_header_after_junk_bytes_is_still_pdf():
    assert detect(b"\r\n\xef\xbb\xbf" + pdfs.text_report()) is FileKind.PDF


@pytest.mark.parametrize("encoding", ["gb18030", "utf-8-sig"])
@pytest.mark.parametrize("shift", [0, 1, 2, 3])
def test_a_large_csv_is_csv_wherever_the_sample_cuts_a_character(encoding, shift):
    rows = "".join(f"{i},田坪乡,整改措施第{i}条,已完成\n" for i in range(5000))
    data = ("x" * shift + "序号,单位,整改措施,整改完成情况\n" + rows).encode(encoding)
    assert len(data) > 64 * 1024
    assert detect(data, "台账.csv") is FileKind.CSV


def test_quoted_multi_line_cells_keep_a_csv_a_csv():
    rows = "".join(f'{i},田坪乡,"第一步：核查\n第二步：补发\n第三步：复核",已完成\n' for i in range(20))
    data = ("序号,单位,整改措施,整改完成情况\n" + rows).encode("gb18030")
    assert detect(data, "台账.txt") is FileKind.CSV


def test_truncated_zip_is_unknown_not_a_crash():
    assert detect(hostile.truncated(workbooks.xlsx(SPEC))) is FileKind.UNKNOWN


def test_a_zip_of_100_000_members_is_typed_without_listing_them(monkeypatch):
    flood = hostile.raw_zip([hostile.raw_member(str(i), b"", hostile.STORED) for i in range(100_000)])
    never_listed(monkeypatch)
    assert detect(flood, "台账.xlsx") is FileKind.ZIP


def test_make_attachment_types_and_hashes():
    data = pdfs.text_report()
    attachment = make_attachment("报告.pdf", data, ("材料.zip",))
    assert (attachment.kind, attachment.sha256, attachment.display_name) == (
        FileKind.PDF, sha256(data), "材料.zip/报告.pdf")
    assert sha256(b"") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"


def test_damaged_office_files_never_raise():
    rng = random.Random(7)
    for original in (workbooks.xlsx(SPEC), workbooks.xls(SPEC), hostile.encrypted_xlsx(workbooks.xlsx(SPEC))):
        for _ in range(100):
            data = bytearray(original)
            for _ in range(rng.randint(1, 8)):
                data[rng.randrange(len(data))] = rng.randrange(256)
            assert isinstance(detect(bytes(data)), FileKind)
