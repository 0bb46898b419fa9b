"""Refuse zip bombs before any parser inflates them.

Declared sizes in the zip directory are checked first (cheap), then the real
sizes are counted by inflating each member in small chunks and stopping as
soon as the bound is passed, because the directory can lie. (Python's zipfile
never inflates past a member's declared size; a member that lies fails its
CRC and ends as TRUNCATED.)
"""

from __future__ import annotations

import io
import zipfile
import zlib

from parsers.types import Limits, ParseError, ParseErrorKind

CHUNK = 64 * 1024
MAX_OOXML_MEMBERS = 1000  # an .xlsx has 10-30 parts; a thousand is already absurd
RATIO_FLOOR = 1024 * 1024  # small XML parts compress 100:1 legitimately


def check_zip(data: bytes, limits: Limits, *, max_total: int | None = None, max_members: int | None = None) -> None:
    """Raise ParseError unless ``data`` is a zip that inflates within the limits."""
    max_total = limits.max_xlsx_uncompressed_bytes if max_total is None else max_total
    max_members = MAX_OOXML_MEMBERS if max_members is None else max_members
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise ParseError(ParseErrorKind.WRONG_TYPE if not data.startswith(b"PK") else ParseErrorKind.TRUNCATED,
                         str(exc)) from exc
    with zf:
        infos = zf.infolist()
        if len(infos) > max_members:
            raise ParseError(ParseErrorKind.TOO_LARGE, f"{len(infos)} members")
        declared = sum(i.file_size for i in infos)
        if declared > max_total:
            raise ParseError(ParseErrorKind.BOMB, f"declared {declared} bytes uncompressed")
        for info in infos:
            if info.flag_bits & 0x1:
                raise ParseError(ParseErrorKind.ENCRYPTED, f"member {info.filename!r} is encrypted")
            if info.file_size > RATIO_FLOOR and info.file_size > limits.max_compression_ratio * max(info.compress_size, 1):
                raise ParseError(ParseErrorKind.BOMB, f"member {info.filename!r} ratio too high")
        _count_actual(zf, infos, max_total)


def _count_actual(zf: zipfile.ZipFile, infos: list[zipfile.ZipInfo], max_total: int) -> None:
    total = 0
    try:
        for info in infos:
            if info.is_dir():
                continue
            with zf.open(info) as member:
                while chunk := member.read(CHUNK):
                    total += len(chunk)
                    if total > max_total:
                        raise ParseError(ParseErrorKind.BOMB, f"inflates past {max_total} bytes")
    except ParseError:
        raise
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, NotImplementedError) as exc:
        raise ParseError(ParseErrorKind.TRUNCATED, f"{type(exc).__name__}: {exc}") from exc
