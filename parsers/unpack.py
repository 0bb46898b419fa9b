"""Turn one received file into the files inside it: zips are opened, with limits.

Chinese Windows zip tools write GBK member names without the UTF-8 flag;
zipfile then decodes them as cp437, so such names are re-decoded as GB18030.
Nothing is written to disk: members are read into memory after the zip has
passed :func:`parsers.guard.check_zip`.
"""

from __future__ import annotations

import io
import posixpath
import zipfile
from dataclasses import dataclass

from parsers.guard import check_zip
from parsers.sniff import make_attachment
from parsers.types import Attachment, FileKind, Limits, ParseError, ParseErrorKind

SKIPPED = ("__MACOSX/", ".DS_Store", "Thumbs.db", "desktop.ini")


@dataclass(frozen=True)
class Rejected:
    name: str
    path: tuple[str, ...]
    kind: FileKind | None
    error: ParseError

    @property
    def display_name(self) -> str:
        return "/".join((*self.path, self.name))


@dataclass(frozen=True)
class UnpackResult:
    files: tuple[Attachment, ...] = ()
    rejected: tuple[Rejected, ...] = ()


def member_name(info: zipfile.ZipInfo) -> str:
    """The member's real name: GBK names without the UTF-8 flag are recovered."""
    name = info.filename
    if not info.flag_bits & 0x800:
        try:
            name = name.encode("cp437").decode("gb18030")
        except (UnicodeEncodeError, UnicodeDecodeError):
            pass
    return name


def unpack(name: str, data: bytes, limits: Limits) -> UnpackResult:
    files: list[Attachment] = []
    rejected: list[Rejected] = []
    _unpack(name, data, (), limits, files, rejected)
    return UnpackResult(tuple(files), tuple(rejected))


def _unpack(name, data, path, limits, files, rejected) -> None:
    if len(data) > limits.max_file_bytes:
        rejected.append(Rejected(name, path, None, ParseError(ParseErrorKind.TOO_LARGE, f"{len(data)} bytes")))
        return
    attachment = make_attachment(name, data, path)
    if attachment.kind is not FileKind.ZIP:
        files.append(attachment)
        return
    if len(path) >= limits.max_archive_depth:
        error = ParseError(ParseErrorKind.TOO_LARGE, f"archive nested deeper than {limits.max_archive_depth}")
        rejected.append(Rejected(name, path, FileKind.ZIP, error))
        return
    try:
        check_zip(data, limits, max_total=limits.max_archive_total_bytes, max_members=limits.max_archive_members)
        members = _read_members(data)
    except ParseError as error:
        rejected.append(Rejected(name, path, FileKind.ZIP, error))
        return
    budget = limits.max_archive_members - len(files)
    for member, content in members[: max(budget, 0)]:
        _unpack(member, content, (*path, name), limits, files, rejected)
    if len(members) > budget:
        error = ParseError(ParseErrorKind.TOO_LARGE, f"more than {limits.max_archive_members} files")
        rejected.append(Rejected(name, path, FileKind.ZIP, error))


def _read_members(data: bytes) -> list[tuple[str, bytes]]:
    out = []
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        for info in zf.infolist():
            full = member_name(info).replace("\\", "/")
            base = posixpath.basename(full.rstrip("/"))
            if info.is_dir() or not base or full.startswith(SKIPPED) or base in SKIPPED:
                continue
            out.append((base, zf.read(info)))
    return out
