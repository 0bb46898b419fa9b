"""Decode header text the way Chinese mail clients really write it.

The stdlib decodes ``gb2312`` literally (GBK-only characters such as 喆 then
vanish), refuses a GBK character split across two encoded words, and gives raw
8-bit header bytes back as surrogate escapes. These functions never raise and
never drop characters silently: undecodable text stays visible (U+FFFD, Latin-1
or the literal encoded word) and each ``*_checked`` variant says what went wrong.
"""

from __future__ import annotations

import base64
import binascii
import quopri
import re

Decoded = tuple[str, tuple[str, ...]]  # (text, problems in English)

# The gb2312 label lies: senders label GBK (and GB18030) text as gb2312. GB18030 is a superset of all.
CHARSET_ALIASES = {
    "gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "cp936": "gb18030", "gb_2312-80": "gb18030",
    "gb_2312": "gb18030", "euc-cn": "gb18030", "x-euc-cn": "gb18030", "csgb2312": "gb18030", "chinese": "gb18030",
    "ms936": "gb18030", "windows-936": "gb18030", "gb18030-2000": "gb18030",
    "utf8": "utf-8", "unicode-1-1-utf-8": "utf-8", "ascii": "utf-8", "us-ascii": "utf-8", "": "utf-8",
}
# Western labels that some Chinese clients (and misconfigured gateways) put on GBK or UTF-8 text.
WESTERN_LABELS = frozenset({"iso-8859-1", "iso8859-1", "latin-1", "latin1", "l1", "windows-1252", "cp1252"})
_CHINESE = re.compile("[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")  # CJK punctuation, ideographs, full width
_ENCODED_WORD = re.compile(r"=\?([^?\s]+)\?([bBqQ])\?([^?\s]*)\?=")
_SURROGATES = re.compile("[\udc80-\udcff]")
# ISO-2022 text is 7-bit: escape sequences switch character sets. Japanese clients write it raw in headers,
# and label variants (half-width kana, JIS X 0212) plain "iso-2022-jp", which Python's codec of that name refuses.
_ISO2022_ESCAPE = re.compile("\x1b(?:\\$[@AB(]|\\$\\)C|\\([BIJ])")
ISO2022_CODECS = ("iso2022_jp_2", "iso2022_jp_ext", "iso2022_jp_3", "iso2022_jp_2004", "iso2022_kr")


def charset_of(label: str | None) -> str:
    """The codec to use for a declared label (RFC 2231 language suffix ``utf-8*zh`` removed)."""
    label = (label or "").strip().strip('"\'').lower().split("*", 1)[0]
    return CHARSET_ALIASES.get(label, label)


def _known(charset: str) -> bool:
    try:  # not b"": it decodes without a lookup. Rejects bytes-to-bytes codecs such as "base64" too
        b"a".decode(charset)
        return True
    except UnicodeDecodeError:  # a real codec (utf-16) that just cannot decode one byte
        return True
    except (LookupError, ValueError, TypeError):
        return False


def _chinese_behind_western_label(data: bytes) -> str | None:
    """The text, when bytes labelled Latin-1 are really UTF-8 or GBK Chinese.

    Latin-1 decodes any bytes, so the label cannot be disproved by failing. UTF-8 is taken
    when it decodes (accented Latin-1 text almost never forms valid UTF-8). GBK is taken when
    there are at least two Chinese characters and every one has a trail byte above 0x7F: an
    accented Latin-1 letter is followed by an ASCII letter ("ü" + "l"), which GBK would pair
    into a character with an ASCII trail byte. Only pairs of accented letters side by side,
    twice ("ÉÈ ÀÂ"), would still be taken for Chinese: rare in a Chinese office's mailbox.
    """
    if data.isascii():
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError:
        return None
    wide = [c for c in text if not c.isascii()]
    if len(wide) < 2 or not all(_CHINESE.match(c) for c in wide):
        return None
    try:
        return text if all(len(b := c.encode("gbk")) == 2 and b[1] > 0x7F for c in wide) else None
    except UnicodeEncodeError:
        return None


def _decode(data: bytes, charset: str, errors: str = "strict") -> str | None:
    """``data`` in ``charset``, or None. Any codec failure counts, not only UnicodeDecodeError: "idna" and
    "punycode" are text codecs that raise UnicodeError (or refuse the error handler), "undefined" always raises."""
    try:
        return data.decode(charset, errors)
    except Exception:  # noqa: BLE001 - a label names whatever codec the sender likes
        return None


def _iso2022(data: bytes) -> str | None:
    """7-bit ISO-2022 text (Japanese or Korean) when ``data`` has its escape sequences and decodes as one."""
    if b"\x1b" not in data or not _ISO2022_ESCAPE.search(data.decode("latin-1")):
        return None
    return next((text for codec in ISO2022_CODECS if (text := _decode(data, codec)) is not None), None)


def decode_bytes_checked(data: bytes, label: str | None = None) -> Decoded:
    """Declared charset (aliased), then UTF-8, then GB18030; last resort keeps every byte visible:
    the declared charset with U+FFFD if it is known, else Latin-1. Chinese text under a
    Western label is recognised and decoded as what it is; ISO-2022 escape sequences are decoded,
    never left in the text. Never raises, whatever the label."""
    declared = charset_of(label)
    if declared in WESTERN_LABELS and (chinese := _chinese_behind_western_label(data)) is not None:
        return chinese, (f"text labelled {(label or '')[:40]!r} is Chinese, decoded as such",)
    known = _known(declared)
    problems: list[str] = [] if known else [f"unknown charset {(label or '')[:40]!r}"]
    if (text := _iso2022(data)) is not None:
        if not declared.replace("-", "").replace("_", "").startswith("iso2022"):
            problems.append(f"text labelled {(label or '')[:40]!r} is ISO-2022, decoded as such")
        return text, tuple(problems)
    for charset in dict.fromkeys(([declared] if known else []) + ["utf-8", "gb18030"]):
        text = _decode(data, charset)
        if text is None:
            continue
        if known and charset != declared:
            problems.append(f"text labelled {(label or '')[:40]!r} decoded as {charset}")
        return text, tuple(problems)
    shown = _decode(data, declared, "replace") if known else None  # None for codecs that refuse it (idna)
    if shown is None:
        mostly_utf8 = data.decode("utf-8", "replace")  # UTF-8 with a stray byte or two (a cut signature)
        high = sum(b > 0x7F for b in data)
        shown = mostly_utf8 if mostly_utf8.count("\ufffd") * 4 < high else None
    problems.append("undecodable bytes, shown as Latin-1" if shown is None else
                    f"undecodable bytes in {declared if known else 'utf-8'} text, shown as U+FFFD")
    return (shown if shown is not None else data.decode("latin-1")), tuple(problems)


def unescape_raw_checked(text: str) -> Decoded:
    """Raw 8-bit header bytes (held by compat32 as surrogate escapes) decoded as UTF-8 or GB18030;
    raw 7-bit ISO-2022 (escape sequences) decoded too."""
    if not _SURROGATES.search(text) and "\x1b" not in text:
        return text, ()
    decoded, problems = decode_bytes_checked(text.encode("ascii", "surrogateescape"), "utf-8")
    return decoded, tuple(p for p in problems if not p.startswith("text labelled"))  # raw GBK is normal


def _word_bytes(encoding: str, payload: str) -> tuple[bytes, bool]:
    """The bytes of one encoded word, and whether they decoded cleanly. ``payload`` may hold raw 8-bit
    bytes as surrogate escapes (a client that put GBK bytes into a Q word): they are kept as bytes."""
    if encoding.lower() == "q":
        try:
            data = payload.encode("ascii", "surrogateescape")
        except UnicodeEncodeError:  # text already decoded by someone: its characters as UTF-8
            data = payload.encode("utf-8", "surrogateescape")
        return quopri.decodestring(data, header=True), True
    try:
        return base64.b64decode(payload + "=" * (-len(payload) % 4), validate=True), True
    except (binascii.Error, ValueError):
        cleaned = re.sub(r"[^A-Za-z0-9+/]", "", payload)
        try:
            return base64.b64decode(cleaned[: len(cleaned) // 4 * 4]), False
        except (binascii.Error, ValueError):
            return b"", False


def decode_words_checked(text: str) -> Decoded:
    """RFC 2047 encoded words anywhere in ``text`` (also inside quoted parameters, which the RFC forbids
    but 126/QQ/Outlook do); adjacent words of one charset are joined as bytes before decoding, so a
    GBK character split across two words survives. An undecodable word is kept literally; an empty
    one (``=?utf-8?B??=``) is nothing. Raw 8-bit bytes are decoded where they stand: between words as
    UTF-8 or GB18030, inside a word with that word's charset."""
    text = text or ""
    problems: list[str] = []
    out: list[str] = []
    pending, pending_charset, position = b"", "", 0

    def flush() -> None:
        nonlocal pending
        if pending:
            decoded, found = decode_bytes_checked(pending, pending_charset)
            out.append(decoded)
            problems.extend(found)
            pending = b""

    def plain(between: str) -> None:
        decoded, found = unescape_raw_checked(between)
        out.append(decoded)
        problems.extend(found)

    for match in _ENCODED_WORD.finditer(text):
        between = text[position:match.start()]
        position = match.end()
        if between and not (pending and between.isspace()):  # whitespace between two words is not text
            flush()
            plain(between)
        if not match.group(3):  # an empty word: some clients write one for an empty subject
            continue
        data, clean = _word_bytes(match.group(2), match.group(3))
        if not data:
            flush()
            plain(match.group(0))
            problems.append("invalid encoded word kept as written")
            continue
        if not clean:
            problems.append("damaged encoded word partly decoded")
        charset = charset_of(match.group(1))
        if pending and charset != pending_charset:
            flush()
        pending += data
        pending_charset = charset
    flush()
    plain(text[position:])
    return "".join(out), tuple(dict.fromkeys(problems))


def injected(text: str) -> bool:
    """A line break or NUL inside an encoded word (or a raw NUL): decoded, it would split the header in
    two or cut it short. Folding between words is ordinary; a CR/LF hidden inside one is an attack."""
    text = str(text or "")
    if "\0" in text:
        return True
    for match in _ENCODED_WORD.finditer(text):
        data, _ = _word_bytes(match.group(2), match.group(3))
        if any(byte in data for byte in b"\r\n\0"):
            return True
    return False


def decode_words(text: str) -> str:
    return decode_words_checked(text)[0]


def header_text_checked(value: object) -> Decoded:
    """Any header value compat32 hands back (str, Header, None) as one line of clean text."""
    if value is None:
        return "", ()
    try:
        text = str(value)  # compat32 returns Header only for undecodable bytes; str() keeps the escapes
    except Exception:  # noqa: BLE001 - a value that cannot even be printed is a problem, not a crash
        return "", ("header value not convertible to text",)
    decoded, problems = decode_words_checked(text)
    return " ".join(decoded.split()), problems


def header_text(value: object) -> str:
    return header_text_checked(value)[0]
