"""Turn one received file into the files inside it: zips are opened, with limits.

Chinese Windows zip tools write GBK member names without the UTF-8 flag;
zipfile then decodes them as cp437, so such names are re-decoded. Nothing is
written to disk: a zip is first checked by :func:`parsers.guard.check_zip`,
then its members are read one at a time. The limits hold for the whole
attachment, nested archives included: at most ``max_archive_members`` files
and ``max_archive_total_bytes`` uncompressed bytes, however they are nested.
Office files (xlsx, docx) are zips too, but they are files: never opened here.
"""

from __future__ import annotations

import dataclasses
import io
import re
import zipfile
import zlib
from dataclasses import dataclass

from parsers.guard import check_zip
from parsers.sniff import ZIP_MAGIC, make_attachment
from parsers.types import Attachment, FileKind, Limits, ParseError, ParseErrorKind

SKIPPED_FOLDERS = frozenset({"__MACOSX"})  # macOS resource forks
SKIPPED_FILES = frozenset({".ds_store", "thumbs.db", "desktop.ini"})  # lower case
UTF8_FLAG = 0x800


@dataclass(frozen=True)
class Rejected:
    """A file not returned, and why. ``kind`` is ZIP for a refused archive, None when unread."""

    name: str
    path: tuple[str, ...]
    error: ParseError
    kind: FileKind | None = None

    @property
    def display_name(self) -> str:
        return "/".join((*self.path, self.name))


@dataclass(frozen=True)
class UnpackResult:
    files: tuple[Attachment, ...] = ()
    rejected: tuple[Rejected, ...] = ()


@dataclass
class _Budget:
    """What is left for one attachment, shared by all its nested archives."""

    files: int
    bytes: int


def member_name(info: zipfile.ZipInfo) -> str:
    """The member's real name. Without the UTF-8 flag: UTF-8 if valid (Linux and
    macOS tools), else GB18030 (Chinese Windows tools), else cp437 as zipfile read it."""
    if info.flag_bits & UTF8_FLAG:
        return info.filename
    try:
        raw = info.filename.encode("cp437")
    except UnicodeEncodeError:  # zipfile was told another encoding; keep its reading
        return info.filename
    for encoding in ("utf-8", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return info.filename


def is_unsafe_path(name: str) -> bool:
    """An absolute path or one that climbs out of its folder: what an archive or a mail header holds
    only to make a careless program write outside its folder (Zip Slip)."""
    unified = name.replace("\\", "/")
    parts = unified.split("/")
    return unified.startswith("/") or ".." in parts or bool(re.match(r"^[A-Za-z]:", unified))


def split_member_name(name: str) -> tuple[tuple[str, ...], str]:
    """(folders, base name). ``..``, drive letters and empty parts are dropped: display only."""
    parts = [p for p in name.replace("\\", "/").split("/") if p not in ("", ".", "..")]
    if parts and parts[0].endswith(":"):
        parts = parts[1:]
    if not parts or name.endswith(("/", "\\")):  # a folder entry, also as Windows tools write it
        return tuple(parts), ""
    return tuple(parts[:-1]), parts[-1]


def unpack(name: str, data: bytes, limits: Limits) -> UnpackResult:
    """``data`` as a file, or the files inside it when it is a zip; refusals with a typed error."""
    files: list[Attachment] = []
    rejected: list[Rejected] = []
    budget = _Budget(limits.max_archive_members, limits.max_archive_total_bytes)
    _visit(name, data, (), 0, limits, budget, files, rejected)
    return UnpackResult(tuple(files), tuple(rejected))


def _visit(name: str, data: bytes, path: tuple[str, ...], depth: int, limits: Limits, budget: _Budget,
           files: list[Attachment], rejected: list[Rejected], unsafe_name: str = "") -> None:
    if len(data) > limits.max_file_bytes:
        error = ParseError(ParseErrorKind.TOO_LARGE, f"{len(data)} bytes, over {limits.max_file_bytes}")
        rejected.append(Rejected(name, path, error))
        return
    attachment = dataclasses.replace(make_attachment(name, data, path), unsafe_name=unsafe_name)
    if attachment.kind is FileKind.UNKNOWN and data.startswith(ZIP_MAGIC) and name.lower().endswith(".zip"):
        try:  # a damaged zip: say why (truncated, bad names...) rather than "unknown file"
            check_zip(data, limits, max_total=limits.max_archive_total_bytes, office=False)
        except ParseError as error:
            rejected.append(Rejected(name, path, error, FileKind.ZIP))
            return
    if attachment.kind is not FileKind.ZIP:
        files.append(attachment)
        return
    if depth >= limits.max_archive_depth:
        detail = f"archive nested {depth + 1} levels deep; at most {limits.max_archive_depth} are opened"
        rejected.append(Rejected(name, path, ParseError(ParseErrorKind.TOO_LARGE, detail), FileKind.ZIP))
        return
    try:
        check_zip(data, limits, max_total=budget.bytes, office=False)
        _open_members(name, data, path, depth, limits, budget, files, rejected)
    except ParseError as error:
        rejected.append(Rejected(name, path, error, FileKind.ZIP))


def _open_members(name: str, data: bytes, path: tuple[str, ...], depth: int, limits: Limits, budget: _Budget,
                  files: list[Attachment], rejected: list[Rejected]) -> None:
    """Visit each real member. Raises ParseError (nothing visited) when there are none or too many."""
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        members = []
        for info in zf.infolist():
            stored = member_name(info)
            folders, base = split_member_name(stored)
            if not base or base.lower() in SKIPPED_FILES or base.startswith("._") \
                    or SKIPPED_FOLDERS.intersection(folders):
                continue
            members.append((info, folders, base, stored if is_unsafe_path(stored) else ""))
        if not members:  # nothing is dropped silently, not even an empty archive
            raise ParseError(ParseErrorKind.UNREADABLE, "no files inside")
        if len(members) > budget.files:
            raise ParseError(ParseErrorKind.TOO_LARGE,
                             f"{len(members)} files, over the {limits.max_archive_members} opened per attachment")
        budget.files -= len(members)
        budget.bytes -= sum(info.file_size for info, _, _, _ in members)  # real sizes: the guard checked them
        for info, folders, base, unsafe in members:
            member_path = (*path, name, *folders)
            if info.file_size > limits.max_file_bytes:  # not read at all
                error = ParseError(ParseErrorKind.TOO_LARGE, f"{info.file_size} bytes, over {limits.max_file_bytes}")
                rejected.append(Rejected(base, member_path, error))
                continue
            try:
                content = zf.read(info)
            except (zipfile.BadZipFile, zlib.error, OSError, EOFError, ValueError, NotImplementedError) as exc:
                error = ParseError(ParseErrorKind.TRUNCATED, f"{type(exc).__name__}: {exc}")
                rejected.append(Rejected(base, member_path, error))
                continue
            _visit(base, content, member_path, depth + 1, limits, budget, files, rejected, unsafe)
