"""Hostile and odd attachments, built in memory: bombs, executables, encrypted and GBK-named files."""

from __future__ import annotations

import io
import struct
import zipfile

ZEROS = b"\0" * (1024 * 1024)


def zip_bomb(megabytes: int = 1024, name: str = "zeros.bin") -> bytes:
    """One member of ``megabytes`` MB of zeros, deflated to about a thousandth of that."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        with zf.open(name, "w", force_zip64=True) as member:
            for _ in range(megabytes):
                member.write(ZEROS)
    return out.getvalue()


def lying_zip_bomb(megabytes: int = 200) -> bytes:
    """A bomb whose directory claims each member inflates to 1 KB: only real inflation finds out."""
    data = bytearray(zip_bomb(megabytes))
    # patch the uncompressed size in the central directory (and the zip64 extra field if present)
    index = data.find(b"PK\x01\x02")
    while index >= 0:
        struct.pack_into("<I", data, index + 24, 1024)
        extra_len = struct.unpack_from("<H", data, index + 30)[0]
        name_len = struct.unpack_from("<H", data, index + 28)[0]
        extra = index + 46 + name_len
        end = extra + extra_len
        while extra < end:
            tag, size = struct.unpack_from("<HH", data, extra)
            if tag == 1 and size >= 8:
                struct.pack_into("<Q", data, extra + 4, 1024)
            extra += 4 + size
        index = data.find(b"PK\x01\x02", index + 4)
    return bytes(data)


def xlsx_bomb(valid_xlsx: bytes, megabytes: int = 500) -> bytes:
    """A real workbook whose sheet1.xml is padded with ``megabytes`` MB of spaces (deflates to ~nothing)."""
    src = zipfile.ZipFile(io.BytesIO(valid_xlsx))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            if info.filename == "xl/worksheets/sheet1.xml":
                content = src.read(info)
                with dst.open(info.filename, "w", force_zip64=True) as member:
                    head, _, tail = content.partition(b"<sheetData>")
                    member.write(head)
                    for _ in range(megabytes):
                        member.write(b" " * (1024 * 1024))
                    member.write(b"<sheetData>" + tail)
            else:
                dst.writestr(info, src.read(info))
    return out.getvalue()


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
