"""Which encoding a text file (a CSV ledger) is in: one answer for the type sniffer and the CSV reader.

Chinese offices save CSV as UTF-8 (with or without BOM) or as GBK/GB2312 (read as
GB18030, which covers both); those are tried first and strictly. Then, in order:

1. a byte-order mark decides (Excel's "Unicode text" is UTF-16 with a BOM);
2. UTF-8 and then GB18030 that decode strictly;
3. UTF-8 or GB18030 with a few bad bytes (a file cut inside a character, one stray
   byte), when the rest is plainly that encoding: the bad characters are few in
   absolute terms and rare beside the good non-ASCII ones. A Latin-1 file read as
   GB18030 fails this: its accents before spaces and digits are bad pairs by the
   dozen, so it is not turned into Chinese-looking nonsense;
4. charset-normalizer (the only module that imports it) for everything else:
   Latin-1/Windows-1252, the other ISO-8859 parts, Big5, Shift-JIS...

Bytes with NUL or other C0 control characters (tab, CR, LF and form feed aside)
are not text in any of these encodings but UTF-16/32, which come with a BOM.
"""

from __future__ import annotations

import codecs
import re

from charset_normalizer import from_bytes

SAMPLE = 64 * 1024
BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"), (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))  # UTF-32-LE's BOM starts like UTF-16-LE's
FIRST = ("utf-8", "gb18030")
MAX_BAD_CHARACTERS = 8  # or one per thousand characters, whichever is more
GOOD_PER_BAD = 20  # good non-ASCII characters needed per bad one for a near miss
_BINARY = re.compile(rb"[\x00-\x08\x0b\x0e-\x1f]")


def encoding_of(sample: bytes, complete: bool = True) -> str | None:
    """The encoding ``sample`` (the start of a file; all of it when ``complete``) is in; None: not text."""
    for bom, encoding in BOMS:
        if sample.startswith(bom):
            return encoding if _decodes(sample, encoding, complete) else None
    if _BINARY.search(sample):
        return None
    for encoding in FIRST:
        if _decodes(sample, encoding, complete):
            return encoding
    for encoding in FIRST:
        if _near_miss(sample.decode(encoding, errors="replace")):
            return encoding
    best = from_bytes(sample).best()
    if best is None or not _decodes(sample, best.encoding, complete):
        return None
    return best.encoding


def decode_text(data: bytes) -> str:
    """The whole file as text. ValueError when it is not text in any encoding we know of."""
    encoding = encoding_of(data[:SAMPLE], complete=len(data) <= SAMPLE)
    if encoding is None:
        raise ValueError("not text in any known encoding")
    text = data.decode(encoding, errors="replace")
    if text.count("\ufffd") > max(MAX_BAD_CHARACTERS, len(text) // 1000):
        raise ValueError(f"too many bytes that are not {encoding}")
    return text.removeprefix("\ufeff")


def _decodes(sample: bytes, encoding: str, complete: bool) -> bool:
    """Strictly; a multi-byte character cut at the end of an incomplete sample is no error."""
    try:
        codecs.getincrementaldecoder(encoding)().decode(sample, final=complete)
    except (UnicodeDecodeError, LookupError):
        return False
    return True


def _near_miss(text: str) -> bool:
    bad = text.count("\ufffd")
    good = sum(1 for c in text if c > "\x7f") - bad
    return bad <= max(MAX_BAD_CHARACTERS, len(text) // 1000) and good >= GOOD_PER_BAD * bad
