"""The email package's MIME parser (compat32), with the bounds it lacks, applied while it reads.

compat32 keeps raw 8-bit header bytes as surrogate escapes (recoverable as GBK/UTF-8) and does not
raise on malformed address or parameter headers, unlike policy.default (cpython#151857). What it
does not bound, a hostile mail can use:

- header length: its parameter parsing is quadratic (8.5 MB of ``;p=v`` in a Content-Type took
  263 s). Every header is cut to :data:`MAX_HEADER_CHARS` as it is stored, before anyone reads it,
  and only :data:`MAX_HEADERS` are kept per part;
- nesting: each level is a recursion of the parser (5,000 multipart levels or 1,000 message/rfc822
  raise RecursionError and lose the whole mail). A part at :data:`MAX_DEPTH` is read as one opaque
  part, its inside not parsed (:attr:`Part.nesting_cut`);
- part count: each part costs memory; beyond :data:`MAX_PARTS` parts are read past and dropped.

It also unfolds a boundary folded inside its quotes (Outlook 2000: ``boundary="----=_NextPart\\r\\n
_000_…"``), which compat32 keeps with the line break, so that no part was found. What is cut is
recorded on the part, for :mod:`mailbot.mailparse` to report. Time and memory stay linear in the
mail's size; the daemon also parses in a limited child process (see pipeline.prepare).
"""

from __future__ import annotations

import email
import re
from email.message import Message
from email.policy import compat32

MAX_HEADER_CHARS = 16_384  # RFC 5322 lines are at most 998; a folded header of 16 KiB is already absurd
MAX_HEADERS = 1_000  # per part; a mail that passed 40 servers has some 150
MAX_DEPTH = 30  # MIME levels: mixed › related › alternative is 3; five forwards inside each other stay under 30
MAX_PARTS = 2_000  # parts kept from one mail (a scanned report sent page by page has some 100)
_FOLD = re.compile(r"\r?\n(?=[ \t])")


class Part(Message):
    """A compat32 Message that bounds what the parser stores in it (see the module's docstring)."""

    def __init__(self, policy=compat32) -> None:
        super().__init__(policy)
        self.depth = 0
        self.root: Part = self
        self.cut_headers: list[str] = []  # names of headers cut to MAX_HEADER_CHARS
        self.dropped_headers = 0  # beyond MAX_HEADERS
        self.nesting_cut = False  # a multipart or message/* part at MAX_DEPTH: read as one opaque part
        self.parts = 0  # (root only) parts the parser made
        self.dropped_parts = 0  # (root only) beyond MAX_PARTS: parsed past, not kept

    def set_raw(self, name, value) -> None:  # the parser stores every header through here
        if len(self._headers) >= MAX_HEADERS:
            self.dropped_headers += 1
            return
        if len(value) > MAX_HEADER_CHARS:
            self.cut_headers.append(str(name).lower())
            value = value[:MAX_HEADER_CHARS]
        super().set_raw(name, value)

    def attach(self, payload) -> None:  # the parser attaches each part before it reads the part's headers
        if isinstance(payload, Part):
            payload.depth, payload.root = self.depth + 1, self.root
            self.root.parts += 1
            if self.root.parts > MAX_PARTS:
                self.root.dropped_parts += 1
                return
        super().attach(payload)

    def get_content_type(self) -> str:
        found = super().get_content_type()
        if self.depth >= MAX_DEPTH and found.split("/", 1)[0] in ("multipart", "message"):
            self.nesting_cut = True
            return "application/octet-stream"
        return found

    def get_boundary(self, failobj=None):
        found = super().get_boundary(failobj)
        return _FOLD.sub("", found) if isinstance(found, str) else found  # RFC 5322 unfolding, as policy.default

    def raw_payload(self) -> str:
        """The payload as stored (8-bit bytes as surrogate escapes). get_payload() without decode=True
        decodes with the part's charset and raises for labels such as "idna" or "undefined"."""
        payload = self._payload
        return payload if isinstance(payload, str) else ""

    def raw_header(self, name: str) -> str:
        """The header as stored, unfolded (compat32's get() would turn raw 8-bit bytes into U+FFFD)."""
        wanted = name.lower()
        return next((_FOLD.sub("", str(v)) for n, v in self.raw_items() if str(n).lower() == wanted), "")


def parse_tree(data: bytes) -> Part:
    """The MIME tree of ``data``; raises only when the parser itself fails (practically never)."""
    return email.message_from_bytes(data, _class=Part, policy=compat32)
