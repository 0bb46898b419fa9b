"""Hostile and odd mail, built byte by byte: what a sender (or a broken client) can put around a real
submission. Each builder wraps a real mail from :mod:`tests.builders.mails` unless it says otherwise, so a
test can check that the submission inside still counts."""

from __future__ import annotations

import base64
from datetime import datetime

from tests.builders.mails import CRLF, LEDGER_BYTES, REPORT_BYTES, assemble, b64word, received_header

SENDER = "tianping@126.com"
SUBJECT = "田坪乡整改台账及整改报告"
FILES = {"田坪乡整改台账.xlsx": LEDGER_BYTES, "田坪乡整改报告.pdf": REPORT_BYTES}


def _head(received: datetime | None = None, extra: tuple[str, ...] = ()) -> list[str]:
    head = [received_header(received)] if received else []
    return [*head, f"From: \"{b64word('田坪乡政府', 'GBK')}\" <{SENDER}>", f"Subject: {b64word(SUBJECT, 'GBK')}",
            "To: xjzfbxx@126.com", "Message-ID: <hostile@126.com>", *extra]


def _file_parts(files: dict[str, bytes]) -> list[tuple[list[str], bytes]]:
    parts = []
    for name, data in files.items():
        word = b64word(name, "GBK")
        parts.append(([f'Content-Type: application/octet-stream; name="{word}"', "Content-Transfer-Encoding: base64",
                       f'Content-Disposition: attachment; filename="{word}"'], base64.encodebytes(data).strip()))
    return parts


def extra_charset_part(charset: str, files: dict[str, bytes] = FILES, received: datetime | None = None) -> bytes:
    """A real submission with one more text part labelled ``charset`` (idna, undefined, punycode…) holding
    8-bit bytes: a signature block from a misconfigured client."""
    odd = ([f'Content-Type: text/plain; charset="{charset}"', "Content-Transfer-Encoding: 8bit"],
           "此致 敬礼\r\n田坪乡党政办".encode("utf-8") + b"\xff\xfe")
    text = (['Content-Type: text/plain; charset="utf-8"'], "附件为我乡整改台账及整改报告，请查收。".encode())
    return assemble(_head(received), [text, odd, *_file_parts(files)])


def nested_multipart(levels: int, files: dict[str, bytes] = FILES, received: datetime | None = None) -> bytes:
    """A real submission whose first part opens ``levels`` multiparts inside each other (5,000 overflowed the
    parser's recursion and lost the whole mail)."""
    opening = b"".join(f"--n{i}\r\nContent-Type: multipart/mixed; boundary=\"n{i + 1}\"\r\n\r\n".encode()
                       for i in range(levels))
    closing = b"".join(f"--n{i}--\r\n".encode() for i in reversed(range(levels + 1)))
    inner = opening + f"--n{levels}\r\nContent-Type: text/plain\r\n\r\ndeep\r\n".encode() + closing
    nest = (['Content-Type: multipart/mixed; boundary="n0"'], inner.rstrip(CRLF))
    text = (['Content-Type: text/plain; charset="utf-8"'], "附件为我乡整改台账及整改报告，请查收。".encode())
    return assemble(_head(received), [text, *_file_parts(files), nest])


def nested_rfc822(levels: int, files: dict[str, bytes] = FILES, received: datetime | None = None) -> bytes:
    """A real submission with one more part: a message/rfc822 holding a message/rfc822 … ``levels`` deep
    (1,000 overflowed the parser's recursion)."""
    inner = b"From: x@y.cn\r\nSubject: bottom\r\n\r\nbottom"
    for _ in range(levels):
        inner = b"From: x@y.cn\r\nContent-Type: message/rfc822\r\n\r\n" + inner
    nest = (["Content-Type: message/rfc822"], inner)
    text = (['Content-Type: text/plain; charset="utf-8"'], "附件为我乡整改台账及整改报告，请查收。".encode())
    return assemble(_head(received), [text, *_file_parts(files), nest])


def many_parameters(count: int, files: dict[str, bytes] = FILES) -> bytes:
    """A real submission whose top Content-Type carries ``count`` parameters after its boundary: the
    standard library's parameter parsing is quadratic in them (8.5 MB took 263 s)."""
    parameters = b"".join(b";p%d=v" % i for i in range(count))
    head = CRLF.join(h.encode() for h in _head())
    text = b'--b\r\nContent-Type: text/plain; charset="utf-8"\r\n\r\n' + "请查收。".encode() + CRLF
    body = b"".join(b"--b\r\n" + CRLF.join(h.encode() for h in hs) + CRLF + CRLF + data + CRLF
                    for hs, data in _file_parts(files))
    return (head + CRLF + b'MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="b"' + parameters + CRLF + CRLF
            + text + body + b"--b--\r\n")


def many_parts(count: int, files: dict[str, bytes] = FILES) -> bytes:
    """A real submission followed by ``count`` empty parts: each costs the parser memory."""
    text = (['Content-Type: text/plain; charset="utf-8"'], "请查收。".encode())
    mail = assemble(_head(), [text, *_file_parts(files)])
    return mail.replace(b"--=_mb_--", b"--=_mb_\r\n\r\n" * count + b"--=_mb_--")


def outlook2000_folded_boundary(files: dict[str, bytes] = FILES) -> bytes:
    """Outlook 2000 through a gateway that folds long lines: the boundary is folded inside its quotes."""
    folded = 'Content-Type: multipart/mixed;\r\n\tboundary="----=_NextPart\r\n _000_0012_01C2B5E1.3F7A4E20"'
    mail = assemble([*_head(), "X-Mailer: Microsoft Outlook CWS, Build 9.0.2416 (9.0.2911.0)"],
                    [(['Content-Type: text/plain; charset="gb2312"'], "请查收。".encode("gbk")), *_file_parts(files)],
                    boundary="----=_NextPart _000_0012_01C2B5E1.3F7A4E20")
    return mail.replace(b'Content-Type: multipart/mixed; boundary="----=_NextPart _000_0012_01C2B5E1.3F7A4E20"',
                        folded.encode())


def raw_gbk_in_q_word(text: str = "田坪乡台账") -> bytes:
    """A client that put raw GBK bytes into a Q-encoded word (instead of =XX escapes), in Subject and file name."""
    word = b"=?gb2312?Q?" + text.encode("gbk") + b"?="
    head = [f"From: <{SENDER}>".encode(), b"Subject: " + word, b"To: xjzfbxx@126.com", b"MIME-Version: 1.0",
            b'Content-Type: multipart/mixed; boundary="q"', b""]
    part = [b"--q", b'Content-Type: application/octet-stream; name="' + word + b'.xlsx"',
            b'Content-Disposition: attachment; filename="' + word + b'.xlsx"', b"Content-Transfer-Encoding: base64",
            b"", base64.b64encode(LEDGER_BYTES), b"--q--", b""]
    return CRLF.join(head + part)
