"""Zip and XML bombs are refused before any parser inflates them: fast, small, typed.

Hostile checks run inside the sandbox and measure their own peak memory there,
so a guard that failed would hit the sandbox's cap instead of the test process.
"""

import io
import random
import resource
import zipfile

import pytest

from parsers.guard import check_zip
from parsers.types import Limits, ParseError, ParseErrorKind
from tests.builders import hostile, workbooks
from tests.parsers.limited import never_listed, run_limited

# the hang guard: a bomb inflated instead of refused runs far longer (expanded entities would take hours)
pytestmark = pytest.mark.timeout(60)

LIMITS = Limits()
SANDBOX = Limits(parse_timeout_seconds=10, parse_memory_mb=512)


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def guarded(data: bytes, max_total: int | None = None) -> tuple[str, float]:
    """In a sandbox child: (outcome, growth of the child's peak memory in MB: a bomb inflated would show)."""
    before = peak_mb()
    try:
        check_zip(data, LIMITS, max_total=max_total)
        outcome = "passed"
    except ParseError as error:
        outcome = error.kind.value
    return outcome, peak_mb() - before


def load_workbook_errors(data: bytes) -> list[str]:
    """In a sandbox child: what openpyxl raises on ``data``, with its causes (it wraps them in ValueError)."""
    import openpyxl

    try:
        openpyxl.load_workbook(io.BytesIO(data))
    except Exception as exc:  # noqa: BLE001 - the test wants to know which one
        chain: list[str] = []
        error: BaseException | None = exc
        while error is not None and len(chain) < 10:
            chain.append(type(error).__name__)
            error = error.__cause__ or error.__context__
        return chain
    return []


@pytest.fixture(scope="module")
def ledger_xlsx() -> bytes:
    return workbooks.xlsx(workbooks.LedgerSpec())


def test_a_real_workbook_passes(ledger_xlsx):
    check_zip(ledger_xlsx, LIMITS)


def test_gigabyte_zip_bomb_is_a_bomb_within_50_mb():
    bomb = hostile.zip_bomb(1024)  # 1 GB of zeros in ~1 MB
    outcome, grown = run_limited(guarded, bomb, LIMITS.max_archive_total_bytes, limits=SANDBOX)
    assert outcome == "bomb" and grown < 50


def test_lying_directory_is_caught_by_really_inflating():
    bomb = hostile.lying_zip_bomb(200)  # both headers claim 1 KB: no declared size or ratio gives it away
    info = zipfile.ZipFile(io.BytesIO(bomb)).infolist()[0]
    assert info.file_size == 1024
    outcome, grown = run_limited(guarded, bomb, 50 * 1024 * 1024, limits=SANDBOX)
    assert outcome == "bomb" and grown < 50


def test_lying_bzip2_member_is_inflated_in_bounded_steps():
    # zipfile itself would inflate these ~200 bytes into 100 MB in one call
    bomb = hostile.lying_bzip2_bomb(100)
    outcome, grown = run_limited(guarded, bomb, 50 * 1024 * 1024, limits=SANDBOX)
    assert outcome == "bomb" and grown < 50


def test_xlsx_shaped_bomb_never_reaches_openpyxl(ledger_xlsx):
    bomb = hostile.xlsx_bomb(ledger_xlsx, megabytes=300)
    outcome, grown = run_limited(guarded, bomb, limits=SANDBOX)
    assert outcome == "bomb" and grown < 50


def test_billion_laughs_is_also_stopped_by_defusedxml_inside_openpyxl(ledger_xlsx):
    """The second line, should a DTD ever get past the guard."""
    import openpyxl

    assert openpyxl.DEFUSEDXML is True  # only then does openpyxl refuse entity declarations
    bomb = hostile.xml_bomb_xlsx(ledger_xlsx)
    assert "EntitiesForbidden" in run_limited(load_workbook_errors, bomb, limits=SANDBOX)


@pytest.mark.parametrize("payload", [
    pytest.param(lambda x: hostile.xml_bomb_xlsx(x), id="billion-laughs"),
    pytest.param(lambda x: hostile.dtd_xlsx(x), id="external-entity"),
    pytest.param(lambda x: hostile.dtd_xlsx(x, hostile.EXTERNAL_DTD), id="external-dtd"),
    pytest.param(lambda x: hostile.dtd_xlsx(x, part="xl/workbook.xml"), id="in-workbook-part"),
    pytest.param(lambda x: hostile.dtd_xlsx(x, part="_rels/.rels"), id="in-relationships"),
    pytest.param(lambda x: hostile.dtd_xlsx(x, encoding="utf-16"), id="utf-16-part"),
])
def test_a_dtd_in_any_xml_part_is_refused_as_xml_entities_not_as_a_bomb(ledger_xlsx, payload):
    """A few KB on disk, so not a zip bomb: refused for what it is, before any XML parser sees it."""
    with pytest.raises(ParseError) as info:
        check_zip(payload(ledger_xlsx), LIMITS)
    assert info.value.kind is ParseErrorKind.XML_ENTITIES and info.value.kind.value == "xml_entities"


def test_a_dtd_marker_split_across_two_inflated_chunks_is_found(ledger_xlsx):
    padding = "<!-- " + "x" * (64 * 1024 - 12) + " -->"  # puts <!DOCTYPE across the 64 KB step
    prolog = '<?xml version="1.0"?>' + padding + hostile.EXTERNAL_DTD.split("?>", 1)[1]
    with pytest.raises(ParseError) as info:
        check_zip(hostile.dtd_xlsx(ledger_xlsx, prolog), LIMITS)
    assert info.value.kind is ParseErrorKind.XML_ENTITIES


def test_an_svg_image_with_a_doctype_inside_a_workbook_or_an_archive_is_no_dtd_payload(ledger_xlsx):
    check_zip(hostile.with_member(ledger_xlsx, "xl/media/image1.svg", hostile.SVG_WITH_DOCTYPE), LIMITS)
    archive = hostile.with_member(hostile.with_member(hostile.raw_zip([]), "图.svg", hostile.SVG_WITH_DOCTYPE),
                                  "说明.xml", hostile.SVG_WITH_DOCTYPE)
    check_zip(archive, LIMITS, office=False)


def test_too_many_members_are_refused_before_zipfile_lists_them(monkeypatch):
    flood = hostile.raw_zip([hostile.raw_member(str(i), b"", hostile.STORED) for i in range(100_000)])
    never_listed(monkeypatch)
    with pytest.raises(ParseError) as info:
        check_zip(flood, LIMITS)
    assert info.value.kind is ParseErrorKind.TOO_LARGE


def test_an_xlsx_may_have_up_to_a_thousand_parts():
    parts = hostile.raw_zip([hostile.raw_member(f"xl/media/image{i}.png", b"x") for i in range(1000)])
    check_zip(parts, LIMITS)
    with pytest.raises(ParseError) as info:
        check_zip(parts, LIMITS, max_members=999)
    assert info.value.kind is ParseErrorKind.TOO_LARGE


def test_stored_and_bzip2_members_are_checked_too():
    text = "整改措施".encode() * 1000
    data = hostile.raw_zip([hostile.raw_member("a.txt", text, hostile.STORED),
                            hostile.raw_member("b.txt", text, hostile.BZIP2)])
    check_zip(data, LIMITS)
    with pytest.raises(ParseError) as info:
        check_zip(data, LIMITS, max_total=len(text) + 10)
    assert info.value.kind is ParseErrorKind.BOMB  # the running total counts every member


@pytest.mark.parametrize("make,kind", [
    (lambda: hostile.encrypted_zip({"台账.xlsx": b"x"}), ParseErrorKind.ENCRYPTED),
    (lambda: hostile.truncated(workbooks.xlsx(workbooks.LedgerSpec())), ParseErrorKind.TRUNCATED),
    (lambda: b"%PDF-1.4 not a zip", ParseErrorKind.WRONG_TYPE),
    (lambda: hostile.raw_zip([("a.txt", b"\xff\xfe", 0, 2, hostile.STORED)]), ParseErrorKind.TRUNCATED),  # bad CRC
    (lambda: hostile.raw_zip([hostile.raw_member("a.txt", b"abc")], declared_size=100), ParseErrorKind.TRUNCATED),
    (lambda: hostile.raw_zip([hostile.raw_member("a.txt", b"abc", 9)]), ParseErrorKind.UNREADABLE),  # deflate64
])
def test_damaged_or_locked_zips_get_a_typed_error(make, kind):
    with pytest.raises(ParseError) as info:
        check_zip(make(), LIMITS)
    assert info.value.kind is kind


def test_a_name_flagged_utf8_that_is_not_is_a_typed_error():
    data = hostile.raw_zip([hostile.raw_member("台账.xlsx", b"x")]).replace("台账".encode(), b"\xff" * 6)
    with pytest.raises(ParseError) as info:
        check_zip(data, LIMITS)
    assert info.value.kind is ParseErrorKind.UNREADABLE


def test_no_damage_to_a_workbook_escapes_as_anything_but_parse_error(ledger_xlsx):
    rng = random.Random(2021)
    for _ in range(300):
        data = bytearray(ledger_xlsx)
        for _ in range(rng.randint(1, 8)):
            data[rng.randrange(len(data))] = rng.randrange(256)
        try:
            check_zip(bytes(data), LIMITS)
        except ParseError:
            pass
