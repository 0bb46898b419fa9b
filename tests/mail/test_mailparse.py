"""Mail from every client Chinese units use decodes exactly; malformed mail decodes as far as it can."""

import pytest

from mailbot.mailheaders import decode_words
from mailbot.mailparse import parse_mail
from tests.builders import mails

FILES = {"田坪乡整改台账.xlsx": b"PK\x03\x04 ledger bytes", "田坪乡整改报告.pdf": b"%PDF-1.4 report bytes"}


@pytest.mark.parametrize("client", ["126", "163", "qq", "foxmail", "outlook", "wps"])
def test_each_client_subject_sender_and_files(client):
    mail = parse_mail(mails.client_mail(client, files=FILES))
    assert mail.subject == "田坪乡整改台账及整改报告"
    assert mail.from_address == "tianping@126.com" and mail.from_name == "田坪乡政府"
    assert {a.name: a.data for a in mail.attachments} == FILES
    assert "整改台账及整改报告" in mail.body_text


def test_gb2312_label_on_gbk_text_keeps_every_character():
    raw = mails.client_mail("foxmail", sender_name="王喆", subject="王喆报送：犇腾乡台账")
    mail = parse_mail(raw)
    assert mail.from_name == "王喆" and mail.subject == "王喆报送：犇腾乡台账"


def test_imap_tools_would_have_lost_a_character():
    from imap_tools import MailMessage

    raw = mails.client_mail("foxmail", sender_name="王喆", subject="王喆报送")
    assert parse_mail(raw).subject == "王喆报送"
    assert MailMessage.from_bytes(raw).subject != "王喆报送"  # why we decode ourselves


def test_gbk_character_split_across_two_encoded_words():
    data = "整改台账".encode("gbk")
    import base64

    first, second = base64.b64encode(data[:3]).decode(), base64.b64encode(data[3:]).decode()
    assert decode_words(f"=?GBK?B?{first}?= =?GBK?B?{second}?=") == "整改台账"


def test_qq_mail_without_date_header_and_inline_disposition():
    mail = parse_mail(mails.client_mail("qq", files=FILES))
    assert mail.date_header == "" and len(mail.attachments) == 2


def test_forward_as_attachment_is_attributed_to_the_original_sender():
    inner = mails.client_mail("126", files=FILES)
    mail = parse_mail(mails.forwarded_as_attachment(inner))
    assert mail.from_address == "staff@office.test"
    assert mail.forwarded_from == "tianping@126.com"
    assert mail.forwarded_subject == "田坪乡整改台账及整改报告"
    assert {a.name for a in mail.attachments} == set(FILES)


def test_inline_forward_names_the_original_sender():
    mail = parse_mail(mails.forwarded_inline())
    assert mail.forwarded_from == "tianping@126.com" and mail.forwarded_subject == "田坪乡整改台账"
    assert [a.name for a in mail.attachments] == ["田坪乡整改台账.xlsx"]


def test_threading_headers():
    mail = parse_mail(mails.client_mail("163", message_id="<abc@126.com>",
                                        extra_headers=("In-Reply-To: <r1@x>", "References: <r0@x> <r1@x>")))
    assert mail.message_id == "<abc@126.com>" and mail.in_reply_to == "<r1@x>"
    assert mail.references == ("<r0@x>", "<r1@x>")


@pytest.mark.parametrize("raw", [
    b'From: "unclosed <x@y\r\nSubject: =?utf-8?B?5pW05pS5?=\r\n\r\nbody',
    b"From: a@b.c\r\nSubject: =?no-such-charset?B?5pW05pS5?=\r\n\r\nbody",
    b"From: a@b.c\r\nSubject: =?utf-8?B?!!!notbase64?=\r\n\r\n",
    b"From: a@b.c\r\nContent-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\nContent-Type: application/pdf; name=a.pdf\r\n"
    b"Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK===abc\r\n--x--\r\n",
    b"Subject: only headers",
    b"",
    b"\xff\xfe\x00garbage\r\n\r\n\x00\x01",
])
def test_malformed_mail_never_raises(raw):
    mail = parse_mail(raw)
    assert isinstance(mail.subject, str) and isinstance(mail.attachments, tuple)


def test_broken_from_still_yields_the_address_if_present():
    mail = parse_mail(b'From: "unclosed <x@y.cn\r\nSubject: hi\r\n\r\nbody')
    assert mail.from_address == "x@y.cn" or mail.problems


def test_unknown_charset_falls_back_without_losing_text():
    assert parse_mail(b"From: a@b.c\r\nSubject: =?no-such-charset?B?5pW05pS5?=\r\n\r\n").subject == "整改"
