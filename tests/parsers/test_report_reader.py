"""A report PDF is read as a clerk reads it: title, unit, dates, scan or not, seal or not."""

import pytest

from parsers.report import cid_share, find_dates, find_title, read_report
from parsers.types import Limits, ParseError, ParseErrorKind
from tests.builders import reports


def test_text_report_title_unit_and_signature_date():
    report = read_report(reports.text_report(unit="田坪乡"))
    assert report.title == "西吉县田坪乡关于政务公开反馈问题整改落实情况的报告"
    assert report.has_text_layer and report.scanned_pages == ()
    assert "西吉县田坪乡人民政府" in report.page_texts[-1]
    assert report.dates == ("2021-11-24",)
    assert report.seals == ()  # nothing to look at: no images


def test_scan_has_no_text_layer_and_its_seal_is_found():
    report = read_report(reports.scanned_report())
    assert not report.has_text_layer and report.scanned_pages == (1,)
    assert report.seal_found and report.seals[0].page == 1


def test_scan_without_seal():
    report = read_report(reports.scanned_report(seal=False))
    assert report.scanned_pages == (1,) and not report.seal_found


def test_red_headed_title_is_not_a_seal():
    assert not read_report(reports.scanned_report(seal=False, red_title=True)).seal_found


def test_electronic_seal_on_a_text_page_is_found():
    report = read_report(reports.text_report(seal=True))
    assert report.has_text_layer and report.seal_found


def test_multi_page_scan_seal_on_the_last_page():
    pages = (reports.scanned_page(seal=False), reports.scanned_page(seal=False), reports.scanned_page(seal=True))
    report = read_report(reports.scanned_report(pages=pages))
    assert report.pages == 3 and report.scanned_pages == (1, 2, 3)
    assert [s.found for s in report.seals] == [False, False, True]


def test_encrypted_pdf_is_a_typed_error():
    with pytest.raises(ParseError) as info:
        read_report(reports.encrypted_report())
    assert info.value.kind is ParseErrorKind.ENCRYPTED


def test_truncated_pdf_is_a_typed_error():
    # pdfminer cannot rebuild a file cut in half: no page is readable, so TRUNCATED
    with pytest.raises(ParseError) as info:
        read_report(reports.truncated(reports.text_report()))
    assert info.value.kind is ParseErrorKind.TRUNCATED


def test_not_a_pdf():
    with pytest.raises(ParseError) as info:
        read_report("这不是PDF".encode())
    assert info.value.kind is ParseErrorKind.WRONG_TYPE


def test_page_cap():
    report = read_report(reports.text_report(pages=80), Limits(max_pdf_pages=60))
    assert report.pages == 60 and report.truncated_pages


def test_cid_garbage_counts_as_no_text():
    assert cid_share("(cid:12)(cid:345)(cid:7)") == 1.0
    assert cid_share("整改报告") == 0.0


@pytest.mark.parametrize("text,expected", [
    ("2021年11月24日", ("2021-11-24",)),
    ("2021 年 11 月 4 日", ("2021-11-04",)),
    ("2021-11-24 与 2021.11.25 及 2021/11/26", ("2021-11-24", "2021-11-25", "2021-11-26")),
    ("二〇二一年十一月二十四日", ("2021-11-24",)),
    ("二〇二一年十月十日", ("2021-10-10",)),
    ("2021年2月30日", ()),
])
def test_dates_in_the_forms_offices_write(text, expected):
    assert find_dates(text) == expected


def test_title_skips_document_number_and_stops_at_report():
    page = "田政发〔2021〕12号\n田坪乡人民政府\n关于整改落实情况的报告\n县政府办：\n正文"
    assert find_title(page) == "田坪乡人民政府关于整改落实情况的报告"
