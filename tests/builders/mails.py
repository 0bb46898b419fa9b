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


def attachments_parts(style: str, files: dict[str, bytes], charset: str = "UTF-8"
                      ) -> list[tuple[list[str | bytes], bytes]]:
    parts = []
    for index, (name, data) in enumerate(files.items()):
        if style == "rfc2047":  # 126/163: encoded word inside the quotes (RFC 2047 forbids it; everyone does it)
            word = b64word(name, charset)
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
        elif style == "rfc2231" and index % 2 == 0:  # Outlook, short name: one RFC 2231 parameter
            hdrs = [f'Content-Type: application/octet-stream; name="{b64word(name, "utf-8")}"',
                    f"Content-Disposition: attachment; filename*=utf-8''{quote(name.encode('utf-8'), safe='')}"]
        elif style == "rfc2231":  # Outlook, long name: continuations
            tokens = re.findall(r"%[0-9A-F]{2}|.", quote(name.encode("utf-8"), safe=""))
            half = len(tokens) // 2 + 1  # may cut a UTF-8 character in two: legal, bytes are joined
            hdrs = [f'Content-Type: application/octet-stream; name="{b64word(name, "utf-8")}"',
                    f"Content-Disposition: attachment; filename*0*=utf-8''{''.join(tokens[:half])};",
                    f" filename*1*={''.join(tokens[half:])}"]
        else:  # raw 8-bit bytes (GBK, or UTF-8 from newer WPS), as WPS mail and old clients send
            raw_charset = "gbk" if style == "raw" else "utf-8"
            hdrs = [b"Content-Type: application/octet-stream",
                    b'Content-Disposition: attachment; filename="' + name.encode(raw_charset) + b'"']
        parts.append((hdrs + ["Content-Transfer-Encoding: base64"], _b64(data)))
    return parts


def client_mail(client: str = "126", sender: str = "tianping@126.com", sender_name: str = "田坪乡政府",
                subject: str = "田坪乡整改台账及整改报告", files: dict[str, bytes] | None = None,
                body: str = "您好，附件为我乡整改台账及整改报告，请查收。", received: datetime | None = None,
                extra_headers: tuple[str, ...] = (), message_id: str | None = None, date: bool = True) -> bytes:
    """A mail from ``client`` in {126, 163, qq, foxmail, outlook, wps, wps-utf8}."""
    files = files if files is not None else {"田坪乡整改台账.xlsx": LEDGER_BYTES, "田坪乡整改报告.pdf": REPORT_BYTES}
    received = received or datetime(2021, 11, 24, 10, 30, tzinfo=timezone(timedelta(hours=8)))
    style, subject_charset, body_charset = {
        "126": ("rfc2047", "GBK", "gbk"), "163": ("rfc2047", "UTF-8", "utf-8"), "qq": ("qq", "gb18030", "gb18030"),
        "foxmail": ("gb2312", "GB2312", "gb2312"), "outlook": ("rfc2231", "utf-8", "utf-8"), "wps": ("raw", "", "gbk"),
        "wps-utf8": ("raw-utf8", "", "utf-8"),
    }[client]
    headers: list[str | bytes] = [received_header(received)]
    if client.startswith("wps"):
        headers.append(b"Subject: " + subject.encode(body_charset))
        headers.append(b"From: " + sender_name.encode(body_charset) + f" <{sender}>".encode())
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
    return assemble(headers, [text_part, *attachments_parts(style, files, subject_charset)])


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
    return assemble(headers, parts, boundary=f"=_fwd_{uuid.uuid4().hex[:8]}")


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


LARGE_ATTACHMENT_LINKS = {
    "163": ("从网易163邮箱发来的超大附件",
            "https://mail.163.com/large-attachment-download/index.html?p=X0FJU1MjNTIyOTk&amp;file=MjAyMTExMjQ"),
    "qq": ("从QQ邮箱发来的超大附件", "https://wx.mail.qq.com/ftn/download?func=3&amp;k=4e2c1a&amp;key=9f03"),
    "baidu": ("链接: 提取码: 8kq2", "https://pan.baidu.com/s/1aBcDeFgHiJkLmN?pwd=8kq2"),
}


def large_attachment_mail(service: str = "163", linked: str = "田坪乡整改报告.pdf",
                          files: dict[str, bytes] | None = None, sender: str = "tianping@163.com") -> bytes:
    """A web-mail "超大附件": the file is a download link in an HTML-only body, its name the anchor text."""
    banner, url = LARGE_ATTACHMENT_LINKS[service]
    markup = (f"<div>您好，台账见附件，报告文件较大，以超大附件发送。</div><div style=\"clear:both\">"
              f"<div><b>{banner}</b></div><div><a href=\"{url}\" target=\"_blank\">{linked}</a>"
              "（52.3M，2021年12月09日 10:30 到期）</div></div>")
    headers = [received_header(datetime(2021, 11, 24, 10, 30, tzinfo=timezone(timedelta(hours=8)))),
               f"Subject: {b64word('田坪乡整改台账及整改报告', 'UTF-8')}", f'From: "{b64word("田坪乡政府", "UTF-8")}" <{sender}>',
               "To: xjzfbxx@126.com", "Date: Wed, 24 Nov 2021 10:30:00 +0800",
               f"Message-ID: <{uuid.uuid4().hex}@{sender.split(chr(64))[1]}>"]
    html_part = (['Content-Type: text/html; charset="utf-8"', "Content-Transfer-Encoding: base64"],
                 _b64(markup.encode()))
    files = files if files is not None else {"田坪乡整改台账.xlsx": LEDGER_BYTES}
    return assemble(headers, [html_part, *attachments_parts("rfc2047", files, "UTF-8")])


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


# One builder per client style, so a test names the client it proves.
def mail_126(**kw) -> bytes:
    """126 web mail (Coremail): =?GBK?B?…?= subject and file names inside quotes, base64 GBK body."""
    return client_mail("126", **kw)


def mail_163(**kw) -> bytes:
    """163 web mail (Coremail): the same shapes in UTF-8."""
    return client_mail("163", **kw)


def mail_qq(**kw) -> bytes:
    """QQ mail: =?gb18030?B?…?= everywhere, attachments as ``inline; filename=…``, no Date header."""
    return client_mail("qq", **kw)


def mail_foxmail(**kw) -> bytes:
    """Foxmail: labelled GB2312 but really GBK (喆 and 犇 are not in GB2312)."""
    return client_mail("foxmail", **kw)


def mail_outlook(**kw) -> bytes:
    """Outlook: RFC 2231 ``filename*=`` (one with continuations), quoted-printable body, ``name=`` too."""
    return client_mail("outlook", **kw)


def mail_wps(charset: str = "gbk", **kw) -> bytes:
    """WPS mail and old clients: raw 8-bit GBK (or UTF-8) bytes in Subject, From and ``filename="…"``."""
    return client_mail("wps" if charset == "gbk" else "wps-utf8", **kw)


def split_word_subject(subject: str = "田坪乡整改台账及整改报告", cut: int = 5) -> bytes:
    """A GBK subject cut into two encoded words in the middle of a character (byte ``cut`` is odd)."""
    data = subject.encode("gbk")
    first, second = (base64.b64encode(chunk).decode() for chunk in (data[:cut], data[cut:]))
    return CRLF.join([b"From: tianping@126.com", f"Subject: =?GBK?B?{first}?=\r\n =?GBK?B?{second}?=".encode(),
                      b"", b"body", b""])


def forwarded_as_eml(inner: bytes, staff: str = "staff@office.test") -> bytes:
    """126 web mail forwarding 'as attachment': the original as ``application/octet-stream; name=….eml``."""
    headers = [f"Subject: {b64word('Fwd: 田坪乡整改台账及整改报告', 'GBK')}", f"From: <{staff}>",
               "To: xjzfbxx@126.com", f"Message-ID: <{uuid.uuid4().hex}@office.test>"]
    word = b64word("田坪乡整改台账及整改报告.eml", "GBK")
    parts = [(["Content-Type: text/plain; charset=utf-8"], "请处理。".encode()),
             ([f'Content-Type: application/octet-stream; name="{word}"', "Content-Transfer-Encoding: base64",
               f'Content-Disposition: attachment; filename="{word}"'], _b64(inner))]
    return assemble(headers, parts, boundary="=_eml_")


def forwarded_inline_outlook(original_sender: str = "tianping@126.com", staff: str = "staff@office.test") -> bytes:
    """Outlook 'FW:' with an HTML-only body and the '-----原始邮件-----' header block."""
    markup = ("<html><head><style>p{margin:0}</style></head><body><p>请处理。</p><div>-----原始邮件-----<br>"
              f"<b>发件人:</b> 张三 &lt;{original_sender}&gt;<br><b>发送时间:</b> 2021年11月24日 10:30<br>"
              "<b>收件人:</b> xjzfbxx@126.com<br><b>主题:</b> 田坪乡整改台账及整改报告</div></body></html>")
    headers = ["Subject: FW: =?utf-8?B?" + base64.b64encode("田坪乡整改台账及整改报告".encode()).decode() + "?=",
               f"From: <{staff}>", "To: xjzfbxx@126.com"]
    text = (['Content-Type: text/html; charset="utf-8"', "Content-Transfer-Encoding: quoted-printable"],
            _qp(markup))
    return assemble(headers, [text, *attachments_parts("rfc2231", {"田坪乡整改报告.pdf": REPORT_BYTES})])


# Malformed mail: each must still give a ParsedMail, with problems.
def broken_from() -> bytes:
    return b'From: "unclosed <x@y\r\nSubject: =?utf-8?B?' + base64.b64encode("整改".encode()) + b"?=\r\n\r\nbody"


def invalid_encoded_word() -> bytes:
    return b"From: a@b.cn\r\nSubject: =?utf-8?B?!!!?= =?utf-8?Q?=E6=95=B4=E6=94=B9?=\r\n\r\nbody"


def invalid_charset() -> bytes:
    word = base64.b64encode("整改报告".encode("gbk")).decode()
    return (f"From: a@b.cn\r\nSubject: =?x-no-such-charset?B?{word}?=\r\nContent-Type: text/plain; charset=bogus\r\n"
            "\r\n").encode() + "附件请查收".encode("gbk")


def truncated_base64(data: bytes = REPORT_BYTES * 4, cut: int = 3) -> bytes:
    """The PDF's base64 with its last ``cut`` characters lost (a mail cut off in transit)."""
    encoded = base64.b64encode(data)[:-cut]
    return assemble(["From: a@b.cn", "Subject: truncated"],
                    [(['Content-Type: application/pdf; name="report.pdf"', "Content-Transfer-Encoding: base64"],
                      encoded)])


def headers_only() -> bytes:
    return b"From: =?gb2312?B?" + base64.b64encode("王喆".encode("gbk")) + b"?= <WangZhe@163.com>\r\nSubject: hi"
