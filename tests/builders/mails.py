"""Raw messages as each Chinese mail client really writes them, built byte by byte.

Each builder returns the bytes a server would store: the subject, sender and
attachment names encoded the way 126/163 web mail, QQ mail, Foxmail, Outlook
and WPS/old clients do, so the decoder is tested against the real variety.
"""

from __future__ import annotations

import base64
import re
import uuid
from datetime import datetime, timedelta, timezone
from urllib.parse import quote

LEDGER_BYTES = b"PK\x03\x04 fake ledger"
REPORT_BYTES = b"%PDF-1.4 fake report"
CRLF = b"\r\n"


def b64word(text: str, charset: str) -> str:
    return f"=?{charset}?B?{base64.b64encode(text.encode('gbk' if charset.lower() in ('gb2312', 'gbk') else charset)).decode()}?="


def _b64(data: bytes) -> bytes:
    return base64.encodebytes(data).replace(b"\n", CRLF).rstrip(CRLF)


def received_header(when: datetime) -> str:
    return (f"Received: from mail.example.test (unknown [10.0.0.1]) by mx.office.test with ESMTP id {uuid.uuid4().hex[:8]}"
            f"; {when.strftime('%a, %d %b %Y %H:%M:%S %z')}")


def assemble(headers: list[str | bytes], parts: list[tuple[list[str | bytes], bytes]], boundary: str = "=_mb_") -> bytes:
    out = [h.encode() if isinstance(h, str) else h for h in headers]
    out += [b"MIME-Version: 1.0", f'Content-Type: multipart/mixed; boundary="{boundary}"'.encode(), b""]
    for part_headers, body in parts:
        out.append(f"--{boundary}".encode())
        out += [h.encode() if isinstance(h, str) else h for h in part_headers]
        out += [b"", body]
    out += [f"--{boundary}--".encode(), b""]
    return CRLF.join(out)


def attachments_parts(style: str, files: dict[str, bytes]) -> list[tuple[list[str | bytes], bytes]]:
    parts = []
    for name, data in files.items():
        if style == "rfc2047":  # 126/163, QQ: encoded word inside the quotes
            word = b64word(name, "UTF-8")
            hdrs = [f'Content-Type: application/octet-stream; name="{word}"',
                    f'Content-Disposition: attachment; filename="{word}"']
        elif style == "qq":
            word = b64word(name, "gb18030")
            hdrs = [f'Content-Type: application/octet-stream; charset="gb18030"; name="{word}"',
                    f'Content-Disposition: inline; filename="{word}"']
        elif style == "gb2312":  # Foxmail: labelled gb2312, bytes really GBK
            word = b64word(name, "GB2312")
            hdrs = [f'Content-Type: application/octet-stream; name="{word}"',
                    f'Content-Disposition: attachment; filename="{word}"']
        elif style == "rfc2231":  # Outlook: continuations
            tokens = re.findall(r"%[0-9A-F]{2}|.", quote(name.encode("utf-8"), safe=""))
            half = len(tokens) // 2 + 1  # may cut a UTF-8 character in two: legal, bytes are joined
            hdrs = [f'Content-Type: application/octet-stream; name="{b64word(name, "utf-8")}"',
                    f"Content-Disposition: attachment; filename*0*=utf-8''{''.join(tokens[:half])};",
                    f" filename*1*={''.join(tokens[half:])}"]
        else:  # raw 8-bit GBK bytes, as WPS mail and old clients send
            hdrs = [b"Content-Type: application/octet-stream",
                    b'Content-Disposition: attachment; filename="' + name.encode("gbk") + b'"']
        parts.append((hdrs + ["Content-Transfer-Encoding: base64"], _b64(data)))
    return parts


def client_mail(client: str = "126", sender: str = "tianping@126.com", sender_name: str = "田坪乡政府",
                subject: str = "田坪乡整改台账及整改报告", files: dict[str, bytes] | None = None,
                body: str = "您好，附件为我乡整改台账及整改报告，请查收。", received: datetime | None = None,
                extra_headers: tuple[str, ...] = (), message_id: str | None = None, date: bool = True) -> bytes:
    """A mail from ``client`` in {126, 163, qq, foxmail, outlook, wps}."""
    files = files if files is not None else {"田坪乡整改台账.xlsx": LEDGER_BYTES, "田坪乡整改报告.pdf": REPORT_BYTES}
    received = received or datetime(2021, 11, 24, 10, 30, tzinfo=timezone(timedelta(hours=8)))
    style, subject_charset, body_charset = {
        "126": ("rfc2047", "GBK", "gbk"), "163": ("rfc2047", "UTF-8", "utf-8"), "qq": ("qq", "gb18030", "gb18030"),
        "foxmail": ("gb2312", "GB2312", "gb2312"), "outlook": ("rfc2231", "utf-8", "utf-8"), "wps": ("raw", "", "gbk"),
    }[client]
    headers: list[str | bytes] = [received_header(received)]
    if client == "wps":
        headers.append(b"Subject: " + subject.encode("gbk"))
        headers.append(b"From: " + sender_name.encode("gbk") + f" <{sender}>".encode())
    else:
        headers.append(f"Subject: {b64word(subject, subject_charset)}")
        headers.append(f'From: "{b64word(sender_name, subject_charset)}" <{sender}>')
    headers.append("To: xjzfbxx@126.com")
    if date and client != "qq":
        headers.append(f"Date: {received.strftime('%a, %d %b %Y %H:%M:%S %z')}")
    headers.append(f"Message-ID: {message_id or f'<{uuid.uuid4().hex}@{sender.split(chr(64))[1]}>'}")
    headers += list(extra_headers)
    if client == "outlook":
        text_part = (["Content-Type: text/plain; charset=\"utf-8\"", "Content-Transfer-Encoding: quoted-printable"],
                     _qp(body))
    else:
        charset = "gb2312" if client == "foxmail" else body_charset
        text_part = ([f'Content-Type: text/plain; charset="{charset}"', "Content-Transfer-Encoding: base64"],
                     _b64(body.encode("gbk" if charset in ("gb2312", "gbk") else charset)))
    return assemble(headers, [text_part, *attachments_parts(style, files)])


def _qp(text: str) -> bytes:
    import quopri

    return quopri.encodestring(text.encode("utf-8")).replace(b"\n", CRLF)


def forwarded_as_attachment(inner: bytes, staff: str = "staff@office.test") -> bytes:
    """Office staff forwarding a unit's mail as an attachment (message/rfc822), as Outlook and 126 do."""
    headers = [received_header(datetime(2021, 11, 24, 11, 0, tzinfo=timezone.utc)),
               f"Subject: {b64word('转发：田坪乡整改台账及整改报告', 'UTF-8')}", f"From: <{staff}>",
               "To: xjzfbxx@126.com", f"Message-ID: <{uuid.uuid4().hex}@office.test>"]
    parts = [(["Content-Type: text/plain; charset=utf-8"], "请处理。".encode()),
             (["Content-Type: message/rfc822", "Content-Disposition: attachment"], inner)]
    return assemble(headers, parts, boundary="=_fwd_")


def forwarded_inline(original_sender: str = "tianping@126.com", staff: str = "staff@office.test",
                     files: dict[str, bytes] | None = None) -> bytes:
    """A forward with the original header block quoted in the body, as 126 and QQ web mail do."""
    files = files if files is not None else {"田坪乡整改台账.xlsx": LEDGER_BYTES}
    body = ("请处理。\r\n\r\n------------------ 原始邮件 ------------------\r\n"
            f"发件人: \"田坪乡政府\"<{original_sender}>;\r\n发送时间: 2021年11月24日(星期三) 上午10:30\r\n"
            "收件人: \"xjzfbxx\"<xjzfbxx@126.com>;\r\n主题: 田坪乡整改台账\r\n")
    headers = [received_header(datetime(2021, 11, 24, 11, 0, tzinfo=timezone.utc)),
               f"Subject: {b64word('转发：田坪乡整改台账', 'gb18030')}", f"From: <{staff}>",
               "To: xjzfbxx@126.com", f"Message-ID: <{uuid.uuid4().hex}@office.test>"]
    text = (['Content-Type: text/plain; charset="gb18030"', "Content-Transfer-Encoding: base64"],
            _b64(body.encode("gb18030")))
    return assemble(headers, [text, *attachments_parts("qq", files)])


def auto_reply(kind: str, sender: str = "tianping@126.com") -> bytes:
    """The automatic mail that must never be answered."""
    extra = {
        "auto-submitted": ["Auto-Submitted: auto-replied"],
        "x-autoreply": ["X-Autoreply: yes"],
        "precedence": ["Precedence: bulk"],
        "list": ["List-Id: <zwgk.lists.example.test>"],
        "return-path": ["Return-Path: <>"],
        "loop": ["X-Mailbot-Loop: 20211124-00001"],
    }.get(kind, [])
    subject = {"vacation": "自动回复: 田坪乡整改台账", "qq-bounce": "来自QQ邮箱的退信"}.get(kind, "田坪乡整改台账")
    if kind == "qq-bounce":
        subject = "来自qq.com的退信"
    from_addr = "MAILER-DAEMON@126.com" if kind == "mailer-daemon" else sender
    return client_mail("163", sender=from_addr, subject=subject, extra_headers=tuple(extra), files={})


def bounce_report(sender: str = "postmaster@126.com") -> bytes:
    headers = [received_header(datetime(2021, 11, 24, 11, 0, tzinfo=timezone.utc)), "Subject: Undelivered Mail",
               f"From: <{sender}>", "To: xjzfbxx@126.com", f"Message-ID: <{uuid.uuid4().hex}@126.com>",
               "MIME-Version: 1.0", 'Content-Type: multipart/report; report-type=delivery-status; boundary="b"', ""]
    return CRLF.join(h.encode() for h in headers) + CRLF + b"--b\r\nContent-Type: text/plain\r\n\r\nfailed\r\n--b--\r\n"
