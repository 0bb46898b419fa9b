"""Pages with neither text nor ink are blank: an empty page, a white image, a scan of an empty sheet;
one short line, a scan of a report or a scanner's stamp in the margin are not."""

import dataclasses

import pytest

from parsers.report import read_report
from tests.builders import pdfs
from tests.builders.scans import blank_report, scanned, typed_report


@pytest.mark.parametrize("kind", ["empty", "white", "near_blank"])
def test_nothing_on_the_page_is_blank(kind):
    report = read_report(blank_report(kind, pages=2))
    assert report.blank_pages == (1, 2) and report.blank


def test_one_short_line_is_not_blank():
    report = read_report(pdfs.plain_pages(("2021-11-24",)))
    assert report.blank_pages == () and not report.blank


def test_a_scanned_report_with_a_blank_back_page():
    report = read_report(scanned(typed_report(pages=2), noise=30, blank_pages=1))
    assert report.scanned_pages == (1, 2, 3)
    assert report.blank_pages == (3,) and not report.blank


def test_the_closing_lines_skip_a_blank_back_page():
    report = read_report(typed_report(pages=2))
    with_back_page = dataclasses.replace(report, page_texts=(*report.page_texts, ""), pages=3, blank_pages=(3,))
    assert with_back_page.closing_text.splitlines()[-2:] == ["西吉县田坪乡人民政府", "二〇二一年十一月二十四日"]
    assert "田坪乡人民政府" in with_back_page.issuer_text
