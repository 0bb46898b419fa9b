"""The report reader, checked the way a clerk reads a report: title, unit, signature
date, typed or scanned, sealed or not, and a clear reason when a file cannot be read."""

import pytest
from pdfminer.pdfdocument import PDFPasswordIncorrect
from pdfminer.psparser import PSSyntaxError
from pdfplumber.utils.exceptions import PdfminerException

from parsers import report as report_module
from parsers.report import cid_share, find_dates, find_title, read_report
from parsers.types import Limits, ParseError, ParseErrorKind
from tests.builders import pdfs


def error_kind(data: bytes, limits: Limits = Limits()) -> ParseErrorKind:
    with pytest.raises(ParseError) as info:
        read_report(data, limits)
    return info.value.kind


# --- typed reports --------------------------------------------------------------------

def test_typed_report_title_unit_and_signature_date():
    report = read_report(pdfs.text_report(unit="田坪乡"))
    assert report.title == "西吉县田坪乡关于政务公开反馈问题整改落实情况的报告"
    assert report.has_text_layer and report.scanned_pages == () and report.pages == 1
    assert "西吉县田坪乡人民政府" in report.page_texts[-1]
    assert report.dates[-1] == "2021-11-24"  # the signature date, written 二〇二一年十一月二十四日
    assert "2021-11-10" in report.dates  # a date in the body
    assert report.seals == ()  # no image: nothing to look at, no "seal missing" either


def test_letterhead_and_document_number_are_not_the_title():
    report = read_report(pdfs.text_report(head=("西吉县田坪乡人民政府文件", "田政发〔2021〕12号")))
    assert report.title == "西吉县田坪乡关于政务公开反馈问题整改落实情况的报告"


@pytest.mark.parametrize("seal", ["image", "vector"])
def test_electronic_seal_on_a_typed_page_is_found(seal):
    report = read_report(pdfs.text_report(seal=seal))
    assert report.has_text_layer and report.seal_found and report.seals[0].page == 1


def test_seal_in_a_stamp_annotation_is_found():
    report = read_report(pdfs.stamp_annotation_report())
    assert report.has_text_layer and report.seal_found


def test_signature_field_widget_is_not_examined():
    # pdfplumber renders without pdfium's form environment: a widget's seal never shows,
    # so looking would always report "no seal". No evidence is recorded instead.
    assert read_report(pdfs.stamp_annotation_report(b"Widget")).seals == ()


def test_text_without_unicode_map_counts_as_no_text():
    report = read_report(pdfs.cid_report())
    assert not report.has_text_layer and report.page_texts == ("",)
    assert report.scanned_pages == ()  # no image either: nothing readable at all


# --- scans ----------------------------------------------------------------------------

def test_scan_has_no_text_layer_and_its_seal_is_found():
    report = read_report(pdfs.scanned_report())
    assert not report.has_text_layer and report.scanned_pages == (1,)
    assert report.page_texts == ("",) and report.title == ""
    assert report.seal_found and report.seals[0].page == 1


def test_scan_with_a_scanner_apps_page_stamp_is_still_a_scan():
    report = read_report(pdfs.scanned_report(text_overlay="第1页 扫描全能王"))
    assert not report.has_text_layer and report.scanned_pages == (1,) and report.seal_found


def test_scan_without_seal():
    report = read_report(pdfs.scanned_report(seal=False))
    assert report.scanned_pages == (1,) and len(report.seals) == 1 and not report.seal_found


def test_red_headed_title_is_not_a_seal():
    report = read_report(pdfs.scanned_report(seal=False, red_title=True))
    assert report.seals[0].red_share > 0.01 and not report.seal_found


def test_red_headed_document_with_a_seal():
    # the red title band is the largest red blob; the seal must still be found
    assert read_report(pdfs.scanned_report(seal=True, red_title=True)).seal_found


def test_300_dpi_scan_is_rendered_small_and_its_thin_seal_found():
    # the page is rendered at 72 dpi whatever the scan's resolution: cost stays ~50 ms a page
    page = pdfs.scanned_page(thin=True, seal_size=248).resize((2480, 3508))
    report = read_report(pdfs.scanned_report(pages=(page,)))
    assert report.scanned_pages == (1,) and report.seal_found


def test_seal_on_the_last_of_several_scanned_pages():
    pages = (pdfs.scanned_page(seal=False), pdfs.scanned_page(seal=False), pdfs.scanned_page(seal=True))
    report = read_report(pdfs.scanned_report(pages=pages))
    assert report.pages == 3 and report.scanned_pages == (1, 2, 3)
    assert [(s.page, s.found) for s in report.seals] == [(1, False), (2, False), (3, True)]


def test_seal_is_looked_for_on_the_first_five_and_the_last_page_only():
    pages = tuple(pdfs.scanned_page(seal=n == 8) for n in range(1, 9))
    report = read_report(pdfs.scanned_report(pages=pages))
    assert report.scanned_pages == tuple(range(1, 9))
    assert [s.page for s in report.seals] == [1, 2, 3, 4, 5, 8] and report.seal_found


# --- files that cannot be read (or only partly) ---------------------------------------

def test_encrypted_pdf():
    assert error_kind(pdfs.encrypted_report("xiji2021")) is ParseErrorKind.ENCRYPTED


@pytest.mark.parametrize("restricted", [False, True])
def test_pdf_encrypted_with_an_empty_user_password_is_read(restricted):
    """Copy-protection is a request to PDF viewers; checking the report is not copying it."""
    report = read_report(pdfs.encrypted_report("", restricted=restricted))
    assert "Tianping rectification report" in report.text and report.dates == ("2021-11-24",)


@pytest.mark.parametrize("wrap", ["args", "cause"])
def test_password_error_is_found_however_pdfplumber_wraps_it(monkeypatch, wrap):
    # 0.11 passes the pdfminer error as the argument; the pitfall notes describe an empty
    # message with the error as __cause__. Both must read as ENCRYPTED.
    def fail(*args, **kwargs):
        if wrap == "args":
            raise PdfminerException(PDFPasswordIncorrect())
        raise PdfminerException() from PDFPasswordIncorrect()
    monkeypatch.setattr(report_module.pdfplumber, "open", fail)
    assert error_kind(b"%PDF-1.7 ...") is ParseErrorKind.ENCRYPTED


def test_syntax_error_on_opening_is_truncated(monkeypatch):
    def fail(*args, **kwargs):
        raise PdfminerException(PSSyntaxError("bad token"))
    monkeypatch.setattr(report_module.pdfplumber, "open", fail)
    assert error_kind(b"%PDF-1.7 ...") is ParseErrorKind.TRUNCATED


def test_unknown_security_handler_is_encrypted():
    assert error_kind(pdfs.unknown_security_handler()) is ParseErrorKind.ENCRYPTED


@pytest.mark.parametrize("fraction", [0.1, 0.5, 0.9, 0.99])
def test_cut_off_pdf_is_truncated(fraction):
    # A cut file loses its trailer (/Root). pdfminer's fallback scan finds the objects
    # but no catalog, so opening fails (PSEOF / "No /Root object!"): no page to return.
    assert error_kind(pdfs.truncated(pdfs.text_report(pages=3), fraction)) is ParseErrorKind.TRUNCATED


def test_lost_xref_is_rebuilt_and_every_page_read():
    # The xref is unusable but the trailer survived: pdfminer rebuilds it by scanning.
    data = pdfs.text_report(pages=3)
    for damaged in (pdfs.wrong_startxref(data), data[: data.rindex(b"startxref")]):
        report = read_report(damaged)
        assert report.pages == 3 and report.title.endswith("整改落实情况的报告")


def test_a_damaged_page_reads_as_empty_and_the_others_are_kept():
    report = read_report(pdfs.plain_pages(("page one", "page two", "page three"), bad_media_box=(2,)))
    assert report.page_texts == ("page one", "", "page three")


def test_no_readable_page_is_truncated():
    assert error_kind(pdfs.plain_pages(("a", "b"), bad_media_box=(1, 2))) is ParseErrorKind.TRUNCATED


@pytest.mark.parametrize("data", [b"", "这不是PDF".encode(), b"PK\x03\x04 a zip", b"<html><body>report</body></html>"])
def test_not_a_pdf(data):
    assert error_kind(data) is ParseErrorKind.WRONG_TYPE


def test_over_the_size_limit():
    assert error_kind(pdfs.text_report(), Limits(max_file_bytes=1000)) is ParseErrorKind.TOO_LARGE


def test_page_cap():
    report = read_report(pdfs.text_report(pages=200), Limits(max_pdf_pages=60))  # one line a page
    assert report.pages == 60 and len(report.page_texts) == 60 and report.truncated_pages
    assert report.page_texts[-1] == "（60）整改措施落实情况。"


def test_exactly_at_the_page_cap_is_not_truncated():
    report = read_report(pdfs.text_report(pages=5), Limits(max_pdf_pages=5))
    assert report.pages == 5 and not report.truncated_pages


# --- text helpers ---------------------------------------------------------------------

def test_cid_share():
    assert cid_share("(cid:12)(cid:345)(cid:7)") == 1.0
    assert cid_share("整改报告") == 0.0 and cid_share("") == 0.0
    assert 0.3 < cid_share("报告(cid:1)(cid:2)") < 1.0


@pytest.mark.parametrize("text,expected", [
    ("2021年11月24日", ("2021-11-24",)),
    ("2021 年 11 月 4 日", ("2021-11-04",)),
    ("２０２１年１１月２４日", ("2021-11-24",)),
    ("2021-11-24 与 2021.11.25 及 2021/11/26", ("2021-11-24", "2021-11-25", "2021-11-26")),
    ("二〇二一年十一月二十四日", ("2021-11-24",)),
    ("二〇二一年 十一月 二十四日", ("2021-11-24",)),
    ("二〇二一年十月十日", ("2021-10-10",)),
    ("二○二一年三月三十一日", ("2021-03-31",)),
    ("于2021年11\n月24日前完成", ("2021-11-24",)),  # wrapped in the middle of a paragraph
    ("2021年11月24日报送，二〇二一年十一月二十四日", ("2021-11-24",)),  # repeats dropped
    ("二〇二一年十二月一日前，2021年11月24日", ("2021-12-01", "2021-11-24")),  # in order of appearance
    ("2021年2月30日", ()),
    ("2021-13-01", ()),
    ("电话0954-2021-1124，编号12021-11-24", ()),
    ("2021年11月", ()),
])
def test_dates_in_the_forms_offices_write(text, expected):
    assert find_dates(text) == expected


@pytest.mark.parametrize("page,title", [
    ("西吉县田坪乡关于政务公开反馈问题\n整改落实情况的报告\n县人民政府办公室：\n正文", "西吉县田坪乡关于政务公开反馈问题整改落实情况的报告"),
    ("田政发〔2021〕12号\n田坪乡人民政府\n关于整改落实情况的报告\n县政府办：\n正文", "田坪乡人民政府关于整改落实情况的报告"),
    ("西吉县田坪乡人民政府文件\n田政发〔2021〕12号\n关于整改落实情况的报告\n县政府办：", "关于整改落实情况的报告"),
    ("附件2\n2021年11月24日\n整 改 报 告\n县政府办：", "整改报告"),
    ("西吉县田坪乡\n关于政务公开工作的情况汇报\n县政府办：", "西吉县田坪乡关于政务公开工作的情况汇报"),
    ("情况说明\n一、基本情况\n我乡高度重视。", "情况说明"),
    ("县政府办：\n现将整改情况报告如下：", ""),
    ("", ""),
])
def test_title(page, title):
    assert find_title(page) == title


def test_an_endless_title_is_cut():
    """The campaign's title patterns (整改.*报告) run on the title outside the sandbox: an unbounded
    title of repeated 整改 made that search quadratic."""
    from parsers.report import MAX_TITLE, find_title

    assert len(find_title("整改" * 100_000 + "\n正文")) == MAX_TITLE


@pytest.mark.parametrize("make", [pdfs.scanned_report, lambda: pdfs.text_report(pages=2)], ids=["scan", "text"])
def test_a_report_whose_xref_table_is_numbered_off_by_one_is_read_not_called_damaged(make):
    """pdfminer trusted the table, found no catalog and no page, and the unit heard 文件不完整或已损坏;
    pdfium and Acrobat open the file (found in pdfminer.six's own samples: nonfree/175.pdf, a 2-page scan)."""
    original = read_report(make())
    report = read_report(pdfs.xref_off_by_one(make()))
    assert (report.pages, report.title, report.scanned_pages, report.seal_found) == (
        original.pages, original.title, original.scanned_pages, original.seal_found)
