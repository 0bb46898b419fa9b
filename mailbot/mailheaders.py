"""Decode header text the way Chinese mail clients really write it.

The stdlib decodes ``gb2312`` literally (GBK-only characters such as 喆 then
vanish), refuses a GBK character split across two encoded words, and gives raw
8-bit header bytes back as surrogate escapes. These functions never raise and
never drop characters silently: what cannot be decoded becomes U+FFFD.
"""

from __future__ import annotations

import base64
import binascii
import quopri
import re

# The gb2312 label lies: senders label GBK (and GB18030) text as gb2312. GB18030 is a superset of all.
CHARSET_ALIASES = {
    "gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "cp936": "gb18030", "gb_2312-80": "gb18030",
    "euc-cn": "gb18030", "x-euc-cn": "gb18030", "csgb2312": "gb18030", "chinese": "gb18030", "ms936": "gb18030",
    "utf8": "utf-8", "unicode-1-1-utf-8": "utf-8", "ascii": "utf-8", "us-ascii": "utf-8",
}
_ENCODED_WORD = re.compile(r"=\?([^?\s]+)\?([bBqQ])\?([^?\s]*)\?=")


def charset_of(label: str | None) -> str:
    label = (label or "").strip().strip('"').lower().split("*", 1)[0]
    return CHARSET_ALIASES.get(label, label or "utf-8")


def decode_bytes(data: bytes, label: str | None = None) -> str:
    """Bytes to text: the declared charset (aliased), then UTF-8, then GB18030, then with replacement."""
    tried = []
    for charset in (charset_of(label), "utf-8", "gb18030"):
        if charset in tried:
            continue
        tried.append(charset)
        try:
            return data.decode(charset)
        except (UnicodeDecodeError, LookupError):
            continue
    return data.decode(tried[0] if _known(tried[0]) else "utf-8", errors="replace")


def _known(charset: str) -> bool:
    try:
        "".encode(charset)
        return True
    except LookupError:
        return False


def unescape_raw(text: str) -> str:
    """Raw 8-bit header bytes (held as surrogate escapes by the email package) decoded as UTF-8 or GBK."""
    if not any("\udc80" <= ch <= "\udcff" for ch in text):
        return text
    return decode_bytes(text.encode("ascii", "surrogateescape"))


def _word_bytes(encoding: str, payload: str) -> bytes:
    if encoding.lower() == "b":
        payload = payload.strip()
        try:
            return base64.b64decode(payload + "=" * (-len(payload) % 4))
        except (binascii.Error, ValueError):
            return base64.b64decode(re.sub(r"[^A-Za-z0-9+/]", "", payload)[: len(payload) // 4 * 4] or b"")
    return quopri.decodestring(payload.replace("_", " ").encode("ascii", "replace"), header=True)


def decode_words(text: str) -> str:
    """RFC 2047 encoded words anywhere in ``text`` (also inside quotes); adjacent words of one charset
    are joined as bytes first, so a character split across two words survives."""
    text = unescape_raw(text or "")
    out: list[str] = []
    pending: bytes = b""
    pending_charset = ""
    position = 0
    for match in _ENCODED_WORD.finditer(text):
        between = text[position:match.start()]
        charset = charset_of(match.group(1))
        if between and not (pending and between.isspace()):
            if pending:
                out.append(decode_bytes(pending, pending_charset))
                pending = b""
            out.append(between)
        if pending and charset != pending_charset:
            out.append(decode_bytes(pending, pending_charset))
            pending = b""
        pending += _word_bytes(match.group(2), match.group(3))
        pending_charset = charset
        position = match.end()
    if pending:
        out.append(decode_bytes(pending, pending_charset))
    out.append(text[position:])
    return "".join(out)


def header_text(value: object) -> str:
    """Any header value the email package hands back (str, Header, None) as clean text."""
    if value is None:
        return ""
    if not isinstance(value, str):
        try:
            from email.header import Header

            if isinstance(value, Header):
                value = str(value)  # compat32 only returns Header for undecodable bytes; str() keeps escapes
        except Exception:  # noqa: BLE001
            value = repr(value)
    return " ".join(decode_words(str(value)).split())
