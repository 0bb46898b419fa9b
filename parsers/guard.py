"""Refuse zip bombs before any parser inflates them.

Three gates, cheapest first:

1. the number of central-directory records, counted by their signature in the
   raw bytes, so a 25 MB zip of 500 000 empty members is refused before
   zipfile builds an object per member (that alone took 1.5 s and 140 MB);
2. the sizes the directory declares: their sum, and each member's ratio;
3. the real sizes: each member is inflated in 64 KB steps, counting, and the
   check stops as soon as the running total passes the bound. The directory
   can lie, and zipfile cannot show a lie: it never returns more than the
   declared size, so a lying bomb would only surface as a CRC error.
   Deflate and bzip2 members are therefore inflated from their raw bytes.

A zip that passes can be read by zipfile within the bounds: every member has
been opened as zipfile opens it and matches its size and CRC.

An office file's parts are also refused when they hold a document type
declaration (``<!DOCTYPE``, ``<!ENTITY``): the packaging standard forbids DTDs
in its XML (ECMA-376 part 2, M1.17), so no office program writes one, and a DTD
is how entity-expansion bombs and external-entity reads are made. The check rides
on the inflation that happens anyway, so every XML part (.xml, .rels, .vml) is
covered, whichever reader would parse it, before any XML parser sees it
(XML_ENTITIES). Images are not XML parts: an .svg may carry a DOCTYPE.
"""

from __future__ import annotations

import bz2
import io
import struct
import zipfile
import zlib

from parsers.types import Limits, ParseError, ParseErrorKind

CHUNK = 64 * 1024
# Parts of an office file. What this protects is the daemon: sniffing and this guard list the zip's
# directory before any sandbox, and zipfile builds an object per member (20,000: 0.15 s, 12 MB;
# a 25 MB flood of 500,000: 1.5 s, 140 MB). It is no bound on the work of reading: the sandbox's
# CPU and memory limits are. A workbook has about one part per sheet (openpyxl loads 1,024 sheets in
# 0.9 s of CPU), so a legitimate workbook of thousands of sheets passes.
MAX_OOXML_MEMBERS = 20_000
RATIO_FLOOR = 1024 * 1024  # small XML parts compress 100:1 legitimately
# markup that declares a DTD, in the encodings an XML part may use (UTF-8, UTF-16 LE/BE)
DTD_MARKERS = tuple(marker.encode(codec) for marker in ("<!DOCTYPE", "<!ENTITY")
                    for codec in ("utf-8", "utf-16-le", "utf-16-be"))
XML_PARTS = (".xml", ".rels", ".vml")  # what readers parse as XML; an .svg image may carry a DOCTYPE legitimately
CENTRAL_RECORD = b"PK\x01\x02"
LOCAL_HEADER = b"PK\x03\x04"
ENCRYPTED_FLAG = 0x1


def directory_records(data: bytes) -> int:
    """An upper bound on the members zipfile would list: it requires this signature on every record."""
    return data.count(CENTRAL_RECORD)


def check_zip(data: bytes, limits: Limits, *, max_total: int | None = None, max_members: int | None = None,
              office: bool = True) -> None:
    """Raise ParseError unless ``data`` is a zip that inflates within the limits.

    ``max_total`` bounds the uncompressed bytes (default: the xlsx bound);
    ``max_members`` the directory records (default: generous, for OOXML parts);
    ``office``: the zip is an office document, whose parts must declare no DTD
    (a plain archive may hold any file, an .svg with a DOCTYPE included).
    """
    max_total = limits.max_xlsx_uncompressed_bytes if max_total is None else max_total
    max_members = MAX_OOXML_MEMBERS if max_members is None else max_members
    if directory_records(data) > max_members:
        raise ParseError(ParseErrorKind.TOO_LARGE, f"more than {max_members} members")
    with _open(data) as zf:
        # not ZipInfo.is_dir(): it raises IndexError on an empty name
        infos = [info for info in zf.infolist() if not info.filename.endswith("/")]
        if len(infos) > max_members:
            raise ParseError(ParseErrorKind.TOO_LARGE, f"{len(infos)} members, more than {max_members}")
        for info in infos:
            if info.flag_bits & ENCRYPTED_FLAG:
                raise ParseError(ParseErrorKind.ENCRYPTED, f"member {info.filename!r} is encrypted")
            packed = max(info.compress_size, 1)
            if info.file_size > RATIO_FLOOR and info.file_size > limits.max_compression_ratio * packed:
                ratio = info.file_size // packed
                raise ParseError(ParseErrorKind.BOMB, f"member {info.filename!r} declares a {ratio}:1 ratio")
        declared = sum(info.file_size for info in infos)
        if declared > max_total:
            raise ParseError(ParseErrorKind.BOMB, f"declares {declared} bytes uncompressed, over {max_total}")
        total = 0
        for info in infos:
            xml = office and info.filename.lower().endswith(XML_PARTS)
            total += _inflated_size(data, zf, info, _Tally(info.filename, max_total - total, xml))


def _open(data: bytes) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(io.BytesIO(data))
    except UnicodeDecodeError as exc:  # the UTF-8 flag is set on a name that is not UTF-8
        raise ParseError(ParseErrorKind.UNREADABLE, f"member name not UTF-8 despite its flag: {exc}") from exc
    except (zipfile.BadZipFile, ValueError, OSError, EOFError, struct.error, NotImplementedError) as exc:
        kind = ParseErrorKind.TRUNCATED if data.startswith(b"PK") else ParseErrorKind.WRONG_TYPE
        raise ParseError(kind, f"{type(exc).__name__}: {exc}") from exc


class _Tally:
    """A member's inflated bytes counted as they come: size, CRC, the budget, and DTD markup if asked."""

    def __init__(self, name: str, budget: int, refuse_dtd: bool) -> None:
        self.name, self.budget, self.refuse_dtd = name, budget, refuse_dtd
        self.size = self.crc = 0
        self.tail = b""  # the end of the previous chunk: a marker may straddle two

    def add(self, chunk: bytes) -> None:
        self.size += len(chunk)
        if self.size > self.budget:
            raise ParseError(ParseErrorKind.BOMB, f"member {self.name!r} inflates past the {self.budget} bytes left")
        self.crc = zlib.crc32(chunk, self.crc)
        if self.refuse_dtd:
            window = self.tail + bytes(chunk[:CHUNK])
            if any(marker in window for marker in DTD_MARKERS):
                raise ParseError(ParseErrorKind.XML_ENTITIES, f"member {self.name!r} declares a DTD or entities")
            self.tail = window[-(max(map(len, DTD_MARKERS)) - 1):]


def _inflated_size(data: bytes, zf: zipfile.ZipFile, info: zipfile.ZipInfo, tally: _Tally) -> int:
    """The member's real uncompressed size; BOMB as soon as it passes the tally's budget."""
    _open_member(zf, info)
    if info.compress_type in (zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2):
        size, crc = _inflate_raw(_raw_member(data, info), info.compress_type, tally)
    else:  # stored: no bigger than the file; LZMA: zipfile inflates it ~30 MB per step at worst
        size, crc = _read_member(zf, info, tally)
    if size != info.file_size or crc != info.CRC:
        raise ParseError(ParseErrorKind.TRUNCATED, f"member {info.filename!r} does not match its directory entry")
    return size


def _open_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> None:
    """What zipfile checks when a reader opens the member (local header, name, method)."""
    try:
        zf.open(info).close()
    except NotImplementedError as exc:  # deflate64, PPMd...: nothing downstream could read it either
        raise ParseError(ParseErrorKind.UNREADABLE, f"member {info.filename!r}: {exc}") from exc
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, struct.error, LookupError) as exc:
        raise ParseError(ParseErrorKind.TRUNCATED, f"member {info.filename!r}: {type(exc).__name__}: {exc}") from exc


def _raw_member(data: bytes, info: zipfile.ZipInfo) -> memoryview:
    """The compressed bytes where zipfile would read them: after the local header."""
    at = info.header_offset
    if at < 0 or at + 30 > len(data) or data[at:at + 4] != LOCAL_HEADER:
        raise ParseError(ParseErrorKind.TRUNCATED, f"member {info.filename!r}: no local header")
    name_length, extra_length = struct.unpack_from("<HH", data, at + 26)
    start = at + 30 + name_length + extra_length
    if start + info.compress_size > len(data):
        raise ParseError(ParseErrorKind.TRUNCATED, f"member {info.filename!r} runs past the end of the file")
    return memoryview(data)[start:start + info.compress_size]


def _inflate_raw(raw: memoryview, method: int, tally: _Tally) -> tuple[int, int]:
    """Inflate with bounded output per step.

    Also for bzip2: zipfile inflates a bzip2 member without an output bound
    (4 KB of input can become gigabytes), so it must never see an unchecked one.
    """
    deflate = method == zipfile.ZIP_DEFLATED
    inflater = zlib.decompressobj(-zlib.MAX_WBITS) if deflate else bz2.BZ2Decompressor()
    name = tally.name
    try:
        for start in range(0, len(raw), CHUNK):
            pending: bytes | memoryview = raw[start:start + CHUNK]
            while not inflater.eof:
                out = inflater.decompress(pending, CHUNK)
                tally.add(out)
                if deflate:
                    pending = inflater.unconsumed_tail
                    if not pending and len(out) < CHUNK:
                        break  # input used up and no output held back
                else:
                    pending = b""
                    if inflater.needs_input:
                        break
            if inflater.eof:
                break
    except (zlib.error, OSError, EOFError, ValueError) as exc:  # bz2 reports bad data as OSError
        raise ParseError(ParseErrorKind.TRUNCATED, f"member {name!r}: {exc}") from exc
    if not inflater.eof:
        raise ParseError(ParseErrorKind.TRUNCATED, f"member {name!r}: compressed data ends early")
    return tally.size, tally.crc


def _read_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo, tally: _Tally) -> tuple[int, int]:
    try:
        with zf.open(info) as member:
            while chunk := member.read(CHUNK):
                tally.add(chunk)
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, struct.error, LookupError) as exc:
        raise ParseError(ParseErrorKind.TRUNCATED, f"member {info.filename!r}: {type(exc).__name__}: {exc}") from exc
    return tally.size, tally.crc
