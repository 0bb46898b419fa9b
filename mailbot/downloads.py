"""Files staff download from the archive: what type to say, under what name.

A unit's file is untrusted. It is always offered as an attachment (never shown in the browser),
its Content-Type comes from its bytes (parsers.sniff), never from its name, and anything that is
not a document we read is ``application/octet-stream``. Its name is made safe for every browser and
file system, and written as RFC 6266 ``filename*`` with an ASCII fallback.
"""

from __future__ import annotations

import re
from urllib.parse import quote

from mailbot.shown import shown
from parsers.sniff import detect
from parsers.types import FileKind

CONTENT_TYPES = {
    FileKind.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    FileKind.XLS: "application/vnd.ms-excel",
    FileKind.CSV: "text/csv",
    FileKind.PDF: "application/pdf",
    FileKind.ZIP: "application/zip",
    FileKind.DOCX: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    FileKind.DOC: "application/msword",
}
OCTETS = "application/octet-stream"
MAX_NAME = 120
_UNSAFE = re.compile(r'[\\/:*?"<>|]+')


def content_type(data: bytes, name: str = "") -> str:
    """The sniffed type of ``data``; text, images, programs and anything unknown are plain octets."""
    return CONTENT_TYPES.get(detect(data, name), OCTETS)


def safe_name(name: str, fallback: str = "附件") -> str:
    """A file name without path parts, reserved or invisible characters, leading dots, or excess length."""
    name = _UNSAFE.sub("_", shown(name, one_line=True)).strip().lstrip(".").strip()
    if len(name) > MAX_NAME:
        stem, dot, ext = name.rpartition(".")
        ext = ext if dot and len(ext) <= 10 else ""
        name = name[: MAX_NAME - len(ext) - 1].rstrip() + ("." + ext if ext else "")
    return name or fallback


def content_disposition(name: str) -> str:
    """``attachment`` with the UTF-8 name (RFC 6266/5987) and an ASCII one for old clients."""
    name = safe_name(name)
    stem, dot, ext = name.rpartition(".")
    ascii_stem = re.sub(r"_+", "_", re.sub(r"[^A-Za-z0-9._ -]", "_", stem if dot else name)).strip("_ ") or "file"
    ascii_ext = re.sub(r"[^A-Za-z0-9]", "", ext) if dot else ""
    fallback = ascii_stem.lstrip(".") or "file"
    fallback += ("." + ascii_ext if ascii_ext else "")
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"
