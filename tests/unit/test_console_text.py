"""What the console shows and serves of a unit's text and files: inert text, safe download names, types from bytes,
and campaign.toml edits that keep every comment."""

from datetime import date
from urllib.parse import unquote

import pytest
from werkzeug.http import parse_options_header

from mailbot.downloads import content_disposition, content_type, safe_name
from mailbot.shown import shown as shown_text
from mailbot.toml_edit import ExtensionEntry, with_checks_and_extensions
from tests.builders import hostile, pdfs
from tests.builders.campaign import RULES, CAMPAIGN_ID, filled_ledger

pytestmark = pytest.mark.no_database


@pytest.mark.parametrize("text, shown", [
    ("田坪乡\u202efdp.exe", "田坪乡fdp.exe"),  # right-to-left override
    ("a\u2066b\u2069c\u200bd\u200ee\ufeff", "abcde"),  # isolates, zero-width, marks, BOM
    ("主题\r\nBcc: x@y.test", "主题 Bcc: x@y.test"),  # a line break cannot start a new line on a page
    ("\x00\x07\x1b[31m红", "[31m红"),
    ("a\u2028b", "a b"),
])
def test_text_from_mail_loses_what_changes_how_it_reads(text, shown):
    assert shown_text(text, one_line=True) == shown


def test_lines_keep_their_breaks_and_nothing_else():
    assert shown_text("第一行\n第二行\u202e\t尾") == "第一行\n第二行\t尾"


@pytest.mark.parametrize("name", ["../../etc/passwd", "..\\..\\boot.ini", "<script>.xlsx", ".htaccess",
                                  "a\u202exslx.exe", "名" * 300 + ".xlsx", "con:x|y?.pdf", ""])
def test_a_download_name_is_safe_for_every_browser_and_file_system(name):
    safe = safe_name(name)
    assert safe and len(safe) <= 120 and not safe.startswith(".")
    assert not set(safe) & set('/\\:*?"<>|\u202e')
    header = content_disposition(name)
    fallback = header.split('filename="', 1)[1].split('"', 1)[0]
    assert header.startswith("attachment; ") and fallback.isascii() and "/" not in fallback
    assert unquote(header.split("filename*=UTF-8''", 1)[1]) == safe
    kind, options = parse_options_header(header)  # as an HTTP client reads it: filename* wins (RFC 6266)
    assert kind == "attachment" and options["filename"] == safe


def test_the_type_comes_from_the_bytes_never_from_the_name():
    assert content_type(filled_ledger(), "报告.pdf") == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert content_type(pdfs.text_report(), "x.xlsx") == "application/pdf"
    assert content_type(hostile.pe_executable(), "整改报告.pdf") == "application/octet-stream"
    assert content_type(b"<html><script>alert(1)</script></html>", "a.html") == "application/octet-stream"
    assert content_type(b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', "a.svg") == \
        "application/octet-stream"


def test_an_edit_of_checks_and_extensions_keeps_every_comment_and_key():
    text = (RULES / "campaigns" / CAMPAIGN_ID / "campaign.toml").read_text(encoding="utf-8")
    edited = with_checks_and_extensions(text, {"report.seal_missing": "warning", "ledger.phone_malformed": "off"},
                                        {"田坪乡": ExtensionEntry(date(2021, 11, 30), "王雪倩", "书记外出学习")})
    removed = [line for line in text.splitlines() if line not in edited.splitlines()]
    assert removed == ['"ledger.problem_changed" = "warning"']  # back to its default: the key goes, nothing else
    assert '"ledger.phone_malformed" = "off"' in edited
    assert '"田坪乡" = {until = 2021-11-30, by = "王雪倩", reason = "书记外出学习"}' in edited
    again = with_checks_and_extensions(edited, {"report.seal_missing": "warning", "ledger.phone_malformed": "off"},
                                       {"田坪乡": ExtensionEntry(date(2021, 11, 30), "王雪倩", "书记外出学习")})
    assert again == edited  # saving the same form twice changes nothing
