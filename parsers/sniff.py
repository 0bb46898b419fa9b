"""What a file really is, from its bytes. The name is never trusted.

An .xlsx renamed .xls is read as xlsx; an executable renamed 报告.pdf is
refused. Office zips are told apart by their parts, OLE files by their stream
names (an encrypted .xlsx is an OLE file holding an ``EncryptedPackage``).
"""

from __future__ import annotations

import hashlib
import io
import zipfile

from parsers.types import Attachment, FileKind

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
EXECUTABLE_MAGIC = (b"MZ", b"\x7fELF", b"\xca\xfe\xba\xbe", b"\xfe\xed\xfa", b"\xcf\xfa\xed\xfe", b"#!")
IMAGE_MAGIC = (b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"GIF87a", b"GIF89a", b"BM", b"II*\x00", b"MM\x00*")
TEXT_SAMPLE = 64 * 1024


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def make_attachment(name: str, data: bytes, path: tuple[str, ...] = ()) -> Attachment:
    return Attachment(name=name, data=data, kind=detect(data, name), sha256=sha256(data), path=path)


def detect(data: bytes, name: str = "") -> FileKind:
    # container magic first: a zip storing a PDF uncompressed has %PDF- in its first kilobyte
    if data.startswith(b"PK\x03\x04") or data.startswith(b"PK\x05\x06"):
        return _zip_kind(data)
    if data.startswith(OLE_MAGIC):
        return _ole_kind(data)
    if b"%PDF-" in data[:1024]:
        return FileKind.PDF
    if data.startswith(EXECUTABLE_MAGIC):
        return FileKind.EXECUTABLE
    if data.startswith(IMAGE_MAGIC):
        return FileKind.IMAGE
    return _text_kind(data[:TEXT_SAMPLE], name)


def _zip_kind(data: bytes) -> FileKind:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            names = set(zf.namelist())
    except (zipfile.BadZipFile, ValueError, OSError, EOFError):
        return FileKind.UNKNOWN
    if "xl/workbook.xml" in names or "xl/workbook.bin" in names:
        return FileKind.XLSX
    if "word/document.xml" in names:
        return FileKind.DOCX
    return FileKind.ZIP


def _ole_kind(data: bytes) -> FileKind:
    """Stream names sit in the OLE directory as UTF-16LE; looking for them avoids a full OLE parser."""
    def has(stream: str) -> bool:
        return stream.encode("utf-16-le") in data

    if has("EncryptedPackage"):
        return FileKind.OFFICE_ENCRYPTED
    if has("Workbook") or has("Book"):
        return FileKind.XLS
    if has("WordDocument"):
        return FileKind.DOC
    return FileKind.UNKNOWN


def _text_kind(sample: bytes, name: str) -> FileKind:
    text = None
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = sample.decode(encoding)
            break
        except UnicodeDecodeError:
            # a multi-byte character cut at the sample's end is not a reason to give up
            try:
                text = sample[:-4].decode(encoding) if len(sample) == TEXT_SAMPLE else None
            except UnicodeDecodeError:
                text = None
            if text is not None:
                break
    if not text or any(ord(ch) < 32 and ch not in "\t\r\n" for ch in text):
        return FileKind.UNKNOWN
    lines = [line for line in text.splitlines() if line.strip()][:50]
    for delimiter in (",", "\t", ";"):
        counts = [line.count(delimiter) for line in lines]
        if counts and max(counts) >= 2:
            common = max(set(counts), key=counts.count)
            if common >= 2 and counts.count(common) >= max(1, len(counts) * 0.6):
                return FileKind.CSV
    if name.lower().endswith(".csv") and lines:
        return FileKind.CSV
    return FileKind.TEXT
