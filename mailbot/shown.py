"""Text as people are shown it: without the characters that change how the rest reads.

Text from a mail (a file name, a subject, a ledger's cell) can carry Unicode's direction controls:
U+202E (right-to-left override) makes ``报告\u202Efdp.exe`` read as ``报告exe.pdf``. It can carry
control characters that start a new line in a log (a forged log entry), ring a terminal, or make
openpyxl refuse to write a cell, and invisible characters that make two names look the same.

:func:`shown` is the one place they are removed. It is applied where text leaves mailbot for a person,
once per channel, never per template: every template's output (:func:`mailbot.replies.environment`:
replies, reminders, notices, the digest), every line a command prints (the ``mailbot`` command's
output streams, :class:`ShownWriter`), every log record (:class:`ShownLogs`) and every cell of the
consolidated workbook (:func:`mailbot.workbook.put`), and every value the console's pages print
(mailbot.web.common.finalize) or name a download with. The stored data and the raw archive keep them.
"""

from __future__ import annotations

import io
import logging
import re
import unicodedata

_HIDDEN = frozenset({"Cc", "Cf", "Cs"})  # controls, format characters (direction, zero-width, BOM...), surrogates
_LINE_BREAKS = re.compile("\r\n|[\r\n\u2028\u2029\x85\x0b\x0c]")


def shown(text: str, one_line: bool = False) -> str:
    """``text`` without direction controls, control and invisible characters; line breaks kept as "\\n"
    (as spaces when ``one_line``: a log line, a table cell, a page's inline text). Private-use characters
    stay: GB18030 maps a few rare ideographs there."""
    if not isinstance(text, str):
        return text
    text = _LINE_BREAKS.sub(" " if one_line else "\n", text)
    if one_line:
        text = text.replace("\t", " ")
    return "".join(c for c in text if c in "\n\t" or unicodedata.category(c) not in _HIDDEN)


class ShownWriter(io.TextIOBase):
    """A text stream that writes through :func:`shown` (what the ``mailbot`` command prints)."""

    def __init__(self, stream) -> None:
        self.stream = stream

    def write(self, text: str) -> int:
        self.stream.write(shown(text))
        return len(text)

    def flush(self) -> None:
        self.stream.flush()

    def isatty(self) -> bool:
        return self.stream.isatty()

    def fileno(self) -> int:
        return self.stream.fileno()

    @property
    def encoding(self) -> str:
        return getattr(self.stream, "encoding", "utf-8")

    @property
    def errors(self) -> str | None:
        return getattr(self.stream, "errors", None)


class ShownLogs(logging.Filter):
    """Every log record's message (and its JSON fields) on one line, through :func:`shown`: a subject or a
    file name cannot forge a second log line."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg, record.args = shown(record.getMessage(), one_line=True), ()
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            record.fields = {k: shown(v, one_line=True) if isinstance(v, str) else v for k, v in fields.items()}
        return True
