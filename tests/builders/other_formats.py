"""Real files of formats units send but mailbot does not read: RAR 5, 7z, OFD, OpenDocument, .pptx, TNEF.

Written byte by byte (stored, uncompressed) because no library on the test
machine writes them; each was checked once against an independent reader
(rarfile 4.5 listed, read and CRC-tested the RAR; py7zr 1.1.4 extracted the 7z)
when the builder was written.
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib

RAR5_SIGNATURE = b"Rar!\x1a\x07\x01\x00"
SEVEN_ZIP_SIGNATURE = b"7z\xbc\xaf\x27\x1c"


def _vint(value: int) -> bytes:
    """RAR 5's variable-length integer: 7 bits per byte, high bit = more."""
    out = bytearray()
    while True:
        byte, value = value & 0x7F, value >> 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def _rar_block(fields: bytes) -> bytes:
    """A RAR 5 header: CRC32 of (size + fields), size, fields."""
    body = _vint(len(fields)) + fields
    return struct.pack("<I", zlib.crc32(body)) + body


def rar(members: dict[str, bytes]) -> bytes:
    """A RAR 5 archive storing ``members`` uncompressed, as WinRAR's 'store' method writes it."""
    out = bytearray(RAR5_SIGNATURE)
    out += _rar_block(_vint(1) + _vint(0) + _vint(0))  # main archive header, no flags
    for name, data in members.items():
        encoded = name.encode("utf-8")
        fields = (_vint(2) + _vint(0x02) + _vint(len(data))  # file header; a data area follows
                  + _vint(0x04) + _vint(len(data)) + _vint(0x20)  # CRC32 present; size; archive attribute
                  + struct.pack("<I", zlib.crc32(data))
                  + _vint(0) + _vint(0)  # compression: version 0, method 0 (store); host OS Windows
                  + _vint(len(encoded)) + encoded)
        out += _rar_block(fields) + data
    out += _rar_block(_vint(5) + _vint(0) + _vint(0))  # end of archive
    return bytes(out)


def seven_zip(name: str, data: bytes) -> bytes:
    """A 7z archive holding one file with the 'Copy' coder (no compression)."""
    utf16 = name.encode("utf-16-le") + b"\0\0"
    header = b"".join([
        b"\x01",  # Header
        b"\x04",  # MainStreamsInfo
        b"\x06", b"\x00", b"\x01", b"\x09", _7z_number(len(data)), b"\x00",  # PackInfo: pos 0, 1 stream, size
        b"\x07", b"\x0b", b"\x01", b"\x00",  # UnpackInfo, Folder: 1 folder, not external
        b"\x01", b"\x01", b"\x00",  # 1 coder; id size 1, simple; id 00 = Copy
        b"\x0c", _7z_number(len(data)),  # CodersUnpackSize
        b"\x0a", b"\x01", struct.pack("<I", zlib.crc32(data)),  # CRC, all defined
        b"\x00",  # end UnpackInfo
        b"\x08", b"\x00",  # SubStreamsInfo: the defaults (one file per folder)
        b"\x00",  # end MainStreamsInfo
        b"\x05", b"\x01",  # FilesInfo: 1 file
        b"\x11", _7z_number(len(utf16) + 1), b"\x00", utf16,  # Names, not external
        b"\x00",  # end FilesInfo
        b"\x00",  # end Header
    ])
    start = struct.pack("<QQI", len(data), len(header), zlib.crc32(header))
    return SEVEN_ZIP_SIGNATURE + b"\x00\x04" + struct.pack("<I", zlib.crc32(start)) + start + data + header


def _7z_number(value: int) -> bytes:
    if value < 0x80:
        return bytes([value])
    if value < 0x4000:
        return bytes([0x80 | (value >> 8), value & 0xFF])
    return b"\xff" + struct.pack("<Q", value)


def ofd(text: str = "整改报告") -> bytes:
    """An OFD (GB/T 33190) document: a zip with OFD.xml at its root, as 数科 or WPS export it."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("OFD.xml", '<?xml version="1.0" encoding="UTF-8"?>'
                    '<ofd:OFD xmlns:ofd="http://www.ofdspec.org/2016" Version="1.0" DocType="OFD">'
                    "<ofd:DocBody><ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>")
        zf.writestr("Doc_0/Document.xml", '<?xml version="1.0" encoding="UTF-8"?>'
                    '<ofd:Document xmlns:ofd="http://www.ofdspec.org/2016"><ofd:Pages>'
                    '<ofd:Page ID="1" BaseLoc="Pages/Page_0/Content.xml"/></ofd:Pages></ofd:Document>')
        zf.writestr("Doc_0/Pages/Page_0/Content.xml", '<?xml version="1.0" encoding="UTF-8"?>'
                    '<ofd:Page xmlns:ofd="http://www.ofdspec.org/2016"><ofd:Content><ofd:Layer>'
                    f"<ofd:TextObject ID=\"2\" Boundary=\"20 20 170 10\" Font=\"1\" Size=\"5\">"
                    f"<ofd:TextCode X=\"0\" Y=\"5\">{text}</ofd:TextCode></ofd:TextObject>"
                    "</ofd:Layer></ofd:Content></ofd:Page>")
    return buf.getvalue()


def opendocument(kind: str = "spreadsheet") -> bytes:
    """An OpenDocument package (.ods, .odt, .odp) laid out as LibreOffice writes it: ``mimetype`` first, stored."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(zipfile.ZipInfo("mimetype"), f"application/vnd.oasis.opendocument.{kind}",
                    compress_type=zipfile.ZIP_STORED)
        zf.writestr("content.xml", '<?xml version="1.0" encoding="UTF-8"?><office:document-content '
                    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" office:version="1.3">'
                    "<office:body/></office:document-content>")
        zf.writestr("styles.xml", '<?xml version="1.0" encoding="UTF-8"?><office:document-styles '
                    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"/>')
        zf.writestr("META-INF/manifest.xml", '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
                    'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"><manifest:file-entry '
                    f'manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.{kind}"/>'
                    "</manifest:manifest>")
        zf.writestr("Thumbnails/thumbnail.png", b"\x89PNG\r\n\x1a\n" + bytes(64))
    return buf.getvalue()


def pptx() -> bytes:
    """The parts of a PowerPoint package that say what it is."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/'
                    'package/2006/content-types"><Override PartName="/ppt/presentation.xml" ContentType="application/'
                    'vnd.openxmlformats-officedocument.presentationml.presentation.main+xml"/></Types>')
        zf.writestr("ppt/presentation.xml", "<p:presentation/>")
        zf.writestr("ppt/slides/slide1.xml", "<p:sld/>")
    return buf.getvalue()


def tnef(names: tuple[str, ...] = ("田坪乡整改台账.xlsx",)) -> bytes:
    """Outlook's winmail.dat: the TNEF signature, a key, and one attachment-title attribute per file
    (level 2, id 0x00018010, checksummed as MS-OXTNEF says; enough for what any reader looks at first)."""
    out = bytearray(struct.pack("<IH", 0x223E9F78, 0x1234))
    for name in names:
        data = name.encode("gbk") + b"\0"
        out += struct.pack("<BII", 2, 0x00018010, len(data)) + data + struct.pack("<H", sum(data) & 0xFFFF)
    return bytes(out)
