"""Text as people are shown it: without the characters that change how the rest reads.

Text from a mail (a file name, a subject, a ledger's cell) can carry Unicode's direction controls:
U+202E (right-to-left override) makes ``报告\u202Efdp.exe`` read as ``报告exe.pdf``. It can carry
control characters that start a new line in a log (a forged log entry), ring a terminal, or make
openpyxl refuse to write a cell, and invisible characters that make two names look the same.

:func:`shown` is the one place they are removed. It is applied where text leaves mailbot for a person,
once per channel, never per template: every template's output (:func:`mailbot.replies.environment`:
replies, reminders, notices, the digest), every line a command prints (the ``mailbot`` command's
output streams, :class:`ShownWriter`), every log record (:class:`ShownLogs`) and every cell of the
consolidated workbook (:func:`mailbot.workbook.put`). The stored data and the raw archive keep them.
"""

from __future__ import annotations

import io
import logging
import re

# C0 controls but tab and line ends, DEL and C1; Arabic letter mark; zero-width space/joiners and LRM/RLM;
# LRE/RLE/PDF/LRO/RLO; word joiner and invisible operators; LRI/RLI/FSI/PDI; BOM; interlinear annotations
_HIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u061c\u200b-\u200f\u202a-\u202e"
                     "\u2060-\u2064\u2066-\u2069\ufeff\ufff9-\ufffb]")
_LINE_BREAKS = re.compile("\r\n|[\r\n\u2028\u2029\x85]")


def shown(text: str, one_line: bool = False) -> str:
    """``text`` without direction controls, control and invisible characters; line breaks kept as "\\n"
    (as spaces when ``one_line``: a log line, a table cell)."""
    if not isinstance(text, str):
        return text
    text = _LINE_BREAKS.sub(" " if one_line else "\n", text)
    if one_line:
        text = text.replace("\t", " ")
    return _HIDDEN.sub("", text)


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
