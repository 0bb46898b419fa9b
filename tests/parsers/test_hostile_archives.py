"""Zip and XML bombs, deep nesting and floods of members end as typed errors, fast and small."""

import resource

import pytest

from parsers.guard import check_zip
from parsers.ledger import read_ledger
from parsers.types import FileKind, Limits, ParseError, ParseErrorKind
from parsers.unpack import member_name, unpack
from tests.builders import hostile, pdfs, workbooks
from tests.parsers.limited import run_limited

LIMITS = Limits()


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@pytest.fixture(scope="module")
def gigabyte_bomb():
    return hostile.zip_bomb(1024)


@pytest.mark.timeout(60)  # inflating the gigabyte would take far longer: the hang guard
def test_zip_bomb_is_refused_from_its_directory_unread(gigabyte_bomb):
    before = rss_mb()
    with pytest.raises(ParseError) as info:
        check_zip(gigabyte_bomb, LIMITS, max_total=LIMITS.max_archive_total_bytes)
    assert info.value.kind is ParseErrorKind.BOMB
    assert rss_mb() - before < 100  # not inflated: a gigabyte would show


def test_lying_directory_is_caught_by_real_inflation():
    bomb = hostile.lying_zip_bomb(200)
    with pytest.raises(ParseError) as info:
        check_zip(bomb, LIMITS, max_total=50 * 1024 * 1024)
    assert info.value.kind in (ParseErrorKind.BOMB, ParseErrorKind.TRUNCATED)


def test_xlsx_shaped_bomb_never_reaches_openpyxl():
    bomb = hostile.xlsx_bomb(workbooks.xlsx(workbooks.LedgerSpec()), megabytes=300)
    with pytest.raises(ParseError) as info:
        check_zip(bomb, LIMITS)
    assert info.value.kind is ParseErrorKind.BOMB


@pytest.mark.timeout(60)  # the hang guard
def test_xml_entity_bomb_is_refused_as_xml_entities():
    bomb = hostile.xml_bomb_xlsx(workbooks.xlsx(workbooks.LedgerSpec()))
    with pytest.raises(ParseError) as info:
        run_limited(read_ledger, bomb, FileKind.XLSX, LIMITS, limits=LIMITS)
    assert info.value.kind is ParseErrorKind.XML_ENTITIES


def test_zip_bomb_attachment_is_rejected_not_unpacked(gigabyte_bomb):
    result = unpack("材料.zip", gigabyte_bomb, LIMITS)
    assert result.files == ()
    [rejected] = result.rejected
    assert rejected.display_name == "材料.zip" and rejected.error.kind is ParseErrorKind.BOMB


def test_nesting_deeper_than_the_limit_is_refused():
    inner = pdfs.text_report()
    ok = unpack("材料.zip", hostile.nested_zip(2, "报告.pdf", inner), LIMITS)
    assert [f.display_name for f in ok.files] == ["材料.zip/第1层.zip/报告.pdf"]
    too_deep = unpack("材料.zip", hostile.nested_zip(3, "报告.pdf", inner), LIMITS)
    assert too_deep.files == () and too_deep.rejected[0].error.kind is ParseErrorKind.TOO_LARGE


def test_a_flood_of_members_is_refused():
    result = unpack("材料.zip", hostile.many_member_zip(1000), LIMITS)
    assert result.files == () and result.rejected[0].error.kind is ParseErrorKind.TOO_LARGE


def test_gbk_member_names_without_utf8_flag_are_recovered():
    ledger = workbooks.xlsx(workbooks.LedgerSpec())
    data = hostile.gbk_named_zip({"田坪乡/整改台账.xlsx": ledger, "田坪乡/整改报告.pdf": pdfs.text_report(),
                                  "__MACOSX/._x": b"junk"})
    result = unpack("田坪乡材料.zip", data, LIMITS)
    assert {f.name for f in result.files} == {"整改报告.pdf", "整改台账.xlsx"}
    assert {f.kind for f in result.files} == {FileKind.XLSX, FileKind.PDF}
    assert all(f.path == ("田坪乡材料.zip", "田坪乡") for f in result.files)  # the folder inside the zip shows too


def test_member_name_keeps_utf8_flagged_names():
    import io
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr("整改台账.xlsx", b"x")
    info = zipfile.ZipFile(io.BytesIO(out.getvalue())).infolist()[0]
    assert member_name(info) == "整改台账.xlsx"


def test_oversized_file_is_not_read():
    result = unpack("报告.pdf", b"%PDF-1.4" + b"0" * 2000, Limits(max_file_bytes=1000))
    assert result.files == () and result.rejected[0].error.kind is ParseErrorKind.TOO_LARGE


def test_encrypted_zip_members_are_refused():
    import io
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr("a.txt", b"x")
    data = bytearray(out.getvalue())
    for sig in (b"PK\x03\x04", b"PK\x01\x02"):  # set the 'encrypted' flag bit as a real tool would
        i = data.find(sig)
        offset = 6 if sig == b"PK\x03\x04" else 8
        data[i + offset] |= 1
    with pytest.raises(ParseError) as info:
        check_zip(bytes(data), LIMITS)
    assert info.value.kind is ParseErrorKind.ENCRYPTED
