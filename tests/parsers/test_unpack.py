"""Archives are opened within limits; what comes out is typed by its bytes and named as the sender named it."""

import zipfile

import pytest

from parsers.sniff import sha256
from parsers.types import FileKind, Limits, ParseErrorKind
from parsers.unpack import member_name, split_member_name, unpack
from tests.builders import hostile, pdfs, workbooks
from tests.builders.campaign import zipped

LIMITS = Limits()


@pytest.fixture(scope="module")
def ledger_xlsx() -> bytes:
    return workbooks.xlsx(workbooks.LedgerSpec())


@pytest.fixture(scope="module")
def report_pdf() -> bytes:
    return pdfs.text_report()


def test_a_plain_file_comes_back_as_one_typed_attachment(ledger_xlsx):
    result = unpack("台账.xls", ledger_xlsx, LIMITS)  # misnamed: the bytes decide
    [attachment] = result.files
    assert (attachment.name, attachment.kind, attachment.path) == ("台账.xls", FileKind.XLSX, ())
    assert attachment.sha256 == sha256(ledger_xlsx) and result.rejected == ()


def test_office_files_are_files_not_archives(ledger_xlsx):
    for data, kind in ((ledger_xlsx, FileKind.XLSX), (hostile.docx(), FileKind.DOCX)):
        assert [f.kind for f in unpack("x", data, LIMITS).files] == [kind]


def test_gbk_names_are_recovered_and_the_folder_shows_in_the_display_name(ledger_xlsx, report_pdf):
    data = hostile.gbk_named_zip({"田坪乡/整改台账.xlsx": ledger_xlsx, "田坪乡/整改报告.pdf": report_pdf,
                                  "__MACOSX/田坪乡/._整改台账.xlsx": b"junk", "田坪乡/Thumbs.db": b"junk"})
    result = unpack("田坪乡材料.zip", data, LIMITS)
    assert {(f.display_name, f.kind) for f in result.files} == {
        ("田坪乡材料.zip/田坪乡/整改台账.xlsx", FileKind.XLSX),
        ("田坪乡材料.zip/田坪乡/整改报告.pdf", FileKind.PDF),
    }
    assert {f.name for f in result.files} == {"整改台账.xlsx", "整改报告.pdf"} and result.rejected == ()


def test_an_exe_named_like_a_report_inside_a_zip_is_executable():
    result = unpack("材料.zip", zipped({"报告.pdf": hostile.pe_executable()}), LIMITS)
    assert [(f.display_name, f.kind) for f in result.files] == [("材料.zip/报告.pdf", FileKind.EXECUTABLE)]


def test_zip_bomb_attachment_is_rejected_not_unpacked():
    result = unpack("材料.zip", hostile.zip_bomb(1024), LIMITS)
    assert result.files == ()
    [rejected] = result.rejected
    assert (rejected.display_name, rejected.kind, rejected.error.kind) == ("材料.zip", FileKind.ZIP, ParseErrorKind.BOMB)


def test_two_nested_levels_are_opened_a_third_is_refused(report_pdf):
    ok = unpack("材料.zip", hostile.nested_zip(2, "报告.pdf", report_pdf), LIMITS)
    assert [f.display_name for f in ok.files] == ["材料.zip/第1层.zip/报告.pdf"] and ok.rejected == ()
    too_deep = unpack("材料.zip", hostile.nested_zip(3, "报告.pdf", report_pdf), LIMITS)
    assert too_deep.files == ()
    [rejected] = too_deep.rejected
    assert rejected.display_name == "材料.zip/第2层.zip/第1层.zip" and rejected.error.kind is ParseErrorKind.TOO_LARGE
    assert "3 levels deep" in rejected.error.detail


def test_a_flood_of_members_is_refused_whole():
    result = unpack("材料.zip", hostile.many_member_zip(1000), LIMITS)
    assert result.files == ()
    [rejected] = result.rejected
    assert rejected.error.kind is ParseErrorKind.TOO_LARGE and "1000 files" in rejected.error.detail


def test_mac_junk_and_folders_do_not_count_against_the_file_limit():
    members = {f"材料/{i}.txt": b"x" for i in range(50)}
    members.update({f"__MACOSX/材料/._{i}.txt": b"junk" for i in range(50)})
    members["材料/.DS_Store"] = b"junk"
    result = unpack("材料.zip", zipped(members), LIMITS)
    assert len(result.files) == 50 and result.rejected == ()


def test_the_file_limit_holds_across_nested_archives():
    inner = zipped({f"{i}.txt": b"x" for i in range(30)})
    result = unpack("材料.zip", zipped({"一.zip": inner, "二.zip": inner}), LIMITS)
    assert len(result.files) == 30
    [rejected] = result.rejected
    assert rejected.display_name == "材料.zip/二.zip" and rejected.error.kind is ParseErrorKind.TOO_LARGE


def test_the_byte_limit_holds_across_nested_archives():
    inner = zipped({"a.txt": b"x" * 600_000})
    limits = Limits(max_archive_total_bytes=1_000_000)
    result = unpack("材料.zip", zipped({"一.zip": inner, "二.zip": inner}), limits)
    assert [f.display_name for f in result.files] == ["材料.zip/一.zip/a.txt"]
    assert [r.display_name for r in result.rejected] == ["材料.zip/二.zip"]


def test_oversized_files_are_not_read():
    limits = Limits(max_file_bytes=1000)
    top = unpack("报告.pdf", b"%PDF-1.4" + b"0" * 2000, limits)
    assert top.files == () and top.rejected[0].error.kind is ParseErrorKind.TOO_LARGE
    inside = unpack("材料.zip", zipped({"报告.pdf": b"%PDF-1.4" + b"0" * 2000, "说明.txt": b"hello"}), limits)
    assert [f.name for f in inside.files] == ["说明.txt"]
    [rejected] = inside.rejected
    assert (rejected.display_name, rejected.kind) == ("材料.zip/报告.pdf", None)


def test_damaged_or_locked_zips_are_rejected_with_the_reason(ledger_xlsx):
    cut = unpack("材料.zip", hostile.truncated(zipped({"台账.xlsx": ledger_xlsx})), LIMITS)
    assert cut.files == () and cut.rejected[0].error.kind is ParseErrorKind.TRUNCATED
    assert cut.rejected[0].kind is FileKind.ZIP
    locked = unpack("材料.zip", hostile.encrypted_zip({"台账.xlsx": ledger_xlsx}), LIMITS)
    assert locked.files == () and locked.rejected[0].error.kind is ParseErrorKind.ENCRYPTED


def test_an_archive_with_nothing_inside_is_not_dropped_silently():
    for data in (zipped({}), zipped({"__MACOSX/._a": b"junk", "空文件夹/": b""})):
        [rejected] = unpack("材料.zip", data, LIMITS).rejected
        assert rejected.error.kind is ParseErrorKind.UNREADABLE and rejected.kind is FileKind.ZIP


def test_a_cut_off_workbook_stays_a_file_for_the_ledger_checks_to_report(ledger_xlsx):
    [attachment] = unpack("台账.xlsx", hostile.truncated(ledger_xlsx), LIMITS).files
    assert attachment.kind is FileKind.UNKNOWN


def test_path_tricks_in_member_names_only_change_the_display(report_pdf):
    data = zipped({"../../etc/报告.pdf": report_pdf, "C:\\材料\\台账.txt": b"x"})
    result = unpack("材料.zip", data, LIMITS)
    assert sorted(f.display_name for f in result.files) == ["材料.zip/etc/报告.pdf", "材料.zip/材料/台账.txt"]


@pytest.mark.parametrize("raw,flag,expected", [
    ("整改台账.xlsx".encode("gbk"), 0, "整改台账.xlsx"),  # Chinese Windows tools
    ("整改台账.xlsx".encode("utf-8"), 0, "整改台账.xlsx"),  # Linux zip: UTF-8 without the flag
    ("整改台账.xlsx".encode("utf-8"), 0x800, "整改台账.xlsx"),
    (b"report.pdf", 0, "report.pdf"),
    (b"\x80\xff.txt", 0, b"\x80\xff.txt".decode("cp437")),  # neither: as zipfile read it
])
def test_member_names_are_decoded_as_written(raw, flag, expected):
    info = zipfile.ZipInfo(raw.decode("utf-8") if flag else raw.decode("cp437"))
    info.flag_bits = flag
    assert member_name(info) == expected


def test_split_member_name_keeps_folders_and_drops_traversal():
    assert split_member_name("a/b\\c.txt") == (("a", "b"), "c.txt")
    assert split_member_name("../../x.txt") == ((), "x.txt")
    assert split_member_name("D:/x/") == (("x",), "")  # a directory entry: no base name
