"""Text from mail as it may be shown to a person: no bidi overrides, no control or invisible characters.

U+202E makes ``exe.pdf`` read as ``fdp.exe``; zero-width and format characters hide what a name
really says; control characters break lines and terminals. HTML escaping (jinja2's autoescape)
is separate and still needed: this only removes what escaping leaves in.
"""

from __future__ import annotations

import unicodedata

_DROP = {"Cc", "Cf", "Cs", "Co", "Zl", "Zp"}  # controls, format (bidi, zero-width), surrogates, private use, separators


def inert(text: object, lines: bool = False) -> str:
    """``text`` without the characters that could change how it reads; ``lines`` keeps line breaks (and tabs)."""
    if text is None:
        return ""
    out = []
    for ch in str(text):
        if lines and ch in "\n\t":
            out.append(ch)
        elif ch in "\r\n\t\u2028\u2029\x0b\x0c\x85":
            out.append(" ")
        elif unicodedata.category(ch) not in _DROP:
            out.append(ch)
    return "".join(out)
