"""What a file really is, from its bytes. The name is never trusted.

An .xlsx renamed .xls is read as xlsx; an executable renamed 报告.pdf is
refused. Office zips are told apart by their parts, OLE files by their stream
names (an encrypted .xlsx is an OLE file holding an ``EncryptedPackage``).
The name only breaks a tie that the bytes leave open (a one-column .csv).
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import re
import struct
import zipfile
import zlib
from collections import Counter
from itertools import islice

from parsers.guard import MAX_OOXML_MEMBERS, directory_records
from parsers.textcodec import encoding_of
from parsers.types import Attachment, FileKind

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")  # a file, or an empty archive
EXECUTABLE_MAGIC = (
    b"MZ",  # Windows PE / DOS
    b"\x7fELF",
    b"\xca\xfe\xba\xbe",  # Mach-O universal (and Java classes)
    b"\xfe\xed\xfa",  # Mach-O big-endian
    b"\xce\xfa\xed\xfe", b"\xcf\xfa\xed\xfe",  # Mach-O little-endian, 32 and 64 bit
    b"#!",  # scripts
)
OPENDOCUMENT = "application/vnd.oasis.opendocument."
OPENDOCUMENT_KINDS = {OPENDOCUMENT + "spreadsheet": FileKind.ODS, OPENDOCUMENT + "text": FileKind.ODT}
ARCHIVE_MAGIC = {b"Rar!\x1a\x07": FileKind.RAR, b"7z\xbc\xaf\x27\x1c": FileKind.SEVEN_ZIP,  # RAR 4 and 5
                 b"\x78\x9f\x3e\x22": FileKind.TNEF}  # 0x223E9F78, little-endian: winmail.dat
IMAGE_MAGIC = (b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"GIF87a", b"GIF89a", b"II*\x00", b"MM\x00*")
HEIF_BRANDS = (b"heic", b"heix", b"hevc", b"heim", b"heis", b"mif1", b"msf1", b"avif")  # phone photos
PDF_WINDOW = 1024  # readers accept junk before %PDF- within the first kilobyte
TEXT_SAMPLE = 64 * 1024
CSV_DELIMITERS = (",", "\t", ";")  # the ones parsers.ledger_csv reads
CSV_SAMPLE_RECORDS = 50
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
OLE_ENTRY = 128  # directory entries are 128 bytes, 128-aligned in the file
BIFF_BOF = (0x0009, 0x0209, 0x0409, 0x0809)  # BOF record of BIFF2, 3, 4, 5/8
BIFF_SUBSTREAMS = (0x0005, 0x0010, 0x0100)  # workbook globals, worksheet, BIFF4W workbook
BIFF_EOF = b"\x0a\x00\x00\x00"
WORKBOOK_PART = b"xl/workbook."  # .xml or .bin, as a name in the zip directory
WORKBOOK_TYPES = tuple(f"application/vnd.{t}.main".encode() for t in (  # the main part of a workbook
    "openxmlformats-officedocument.spreadsheetml.sheet", "openxmlformats-officedocument.spreadsheetml.template",
    "ms-excel.sheet.macroenabled", "ms-excel.template.macroenabled", "ms-excel.sheet.binary.macroenabled"))
DOCUMENT_TYPE = b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main"
MAX_OLE_HITS = 1000  # occurrences of a stream name looked at before giving up


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def make_attachment(name: str, data: bytes, path: tuple[str, ...] = ()) -> Attachment:
    return Attachment(name=name, data=data, kind=detect(data, name), sha256=sha256(data), path=path)


def detect(data: bytes, name: str = "") -> FileKind:
    # containers first: a zip storing a PDF uncompressed has %PDF- in its first kilobyte
    if data.startswith(ZIP_MAGIC):
        return _zip_kind(data)
    if data.startswith(OLE_MAGIC):
        return _ole_kind(data)
    if _is_bare_biff(data):
        return FileKind.XLS
    # before PDF: a PE/PDF polyglot is still a program someone can run
    if data.startswith(EXECUTABLE_MAGIC):
        return FileKind.EXECUTABLE
    for magic, kind in ARCHIVE_MAGIC.items():
        if data.startswith(magic):
            return kind  # before PDF too: a RAR storing a PDF uncompressed shows %PDF- early
    if b"%PDF-" in data[:PDF_WINDOW]:
        return FileKind.PDF
    if _is_image(data):
        return FileKind.IMAGE
    return _text_kind(data, name)


def _zip_kind(data: bytes) -> FileKind:
    """A zip is an office document when its parts say so; only a plain zip is an archive to unpack.

    Part names are compared as the packaging standard does: case-insensitively, and some
    exporters write them with backslashes (``xl\\workbook.xml``). A workbook whose parts
    sit elsewhere is known by the content type its ``[Content_Types].xml`` gives the main part.
    """
    if directory_records(data) > MAX_OOXML_MEMBERS:
        # too many parts to list here; a workbook is still told apart (its reader refuses it
        # as too large, with a reason about workbooks), anything else is refused as an archive
        return FileKind.XLSX if WORKBOOK_PART in data.lower() else FileKind.ZIP
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            names = {name.lower().replace("\\", "/"): name for name in zf.namelist()}
            mimetype = _opendocument_type(zf) if "mimetype" in names else ""
            types = _content_types(zf, names.get("[content_types].xml"))
    except (zipfile.BadZipFile, ValueError, OSError, EOFError, struct.error, NotImplementedError):
        return FileKind.UNKNOWN
    if "xl/workbook.xml" in names or "xl/workbook.bin" in names or any(t in types for t in WORKBOOK_TYPES):
        return FileKind.XLSX  # .xlsb too: read by the second reader (parsers.ledger_calamine)
    if "word/document.xml" in names or DOCUMENT_TYPE in types:
        return FileKind.DOCX
    if "ofd.xml" in names:
        return FileKind.OFD
    if mimetype.startswith(OPENDOCUMENT):
        return OPENDOCUMENT_KINDS.get(mimetype, FileKind.OFFICE_OTHER)
    if "[content_types].xml" in names:
        return FileKind.OFFICE_OTHER  # .pptx and other OOXML packages
    return FileKind.ZIP


def _content_types(zf: zipfile.ZipFile, name: str | None) -> bytes:
    """The start of ``[Content_Types].xml`` (read at most 64 KB), lower-cased; b"" if absent or unreadable."""
    if name is None:
        return b""
    try:
        with zf.open(name) as part:
            return part.read(TEXT_SAMPLE).lower()
    except (zipfile.BadZipFile, RuntimeError, ValueError, OSError, EOFError, NotImplementedError, zlib.error):
        return b""


def _opendocument_type(zf: zipfile.ZipFile) -> str:
    """The ``mimetype`` part of an OpenDocument package (a few dozen bytes; read at most 100); '' if unreadable."""
    name = next(n for n in zf.namelist() if n.lower() == "mimetype")
    try:
        with zf.open(name) as part:
            return part.read(100).decode("ascii", "replace").strip()
    except (zipfile.BadZipFile, RuntimeError, ValueError, OSError, EOFError, NotImplementedError, zlib.error):
        return ""  # encrypted or damaged: then it is no document we could name


def _ole_kind(data: bytes) -> FileKind:
    if _has_stream(data, "EncryptedPackage"):
        return FileKind.OFFICE_ENCRYPTED
    if _has_stream(data, "Workbook") or _has_stream(data, "Book"):
        return FileKind.XLS  # also WPS .et
    if _has_stream(data, "WordDocument"):
        return FileKind.DOC
    return FileKind.UNKNOWN


def _has_stream(data: bytes, stream: str) -> bool:
    """A directory entry named ``stream`` in any case (``Workbook``, ``WORKBOOK``, ``WorkBook``:
    OLE compares names case-insensitively, and so do xlrd and Excel), found without an OLE parser.

    Only a 128-aligned match with the matching name-length field and a stream
    type counts, so document text that mentions "Workbook" in UTF-16 does not.
    """
    needle = _stream_name(stream)
    length = 2 * len(stream) + 2
    for hit, match in enumerate(needle.finditer(data, 512)):  # the 512-byte header holds no directory entry
        at = match.start()
        if hit >= MAX_OLE_HITS:
            return False
        if at % OLE_ENTRY == 0 and at + OLE_ENTRY <= len(data):
            name_length, entry_type = struct.unpack_from("<HB", data, at + 64)
            if name_length == length and entry_type == 2:
                return True
    return False


def _stream_name(stream: str) -> re.Pattern[bytes]:
    """The UTF-16-LE name with its terminating NUL, matching either case of each letter."""
    def unit(c: str) -> bytes:
        if c.isalpha():
            return b"[" + c.upper().encode() + c.lower().encode() + b"]\0"
        return re.escape(c.encode()) + b"\0"
    return re.compile(b"".join(unit(c) for c in stream) + b"\0\0")


def _is_bare_biff(data: bytes) -> bool:
    """A BIFF2-BIFF8 worksheet or BIFF4W workbook stream without an OLE container (Excel 2.x-4.0 files, and
    what some exporters still write as .xls): a BOF record of a known version for a known substream, and an
    EOF record. xlrd reads these."""
    if len(data) < 8:
        return False
    opcode, length = struct.unpack_from("<HH", data)
    if opcode not in BIFF_BOF or not 4 <= length <= 20 or len(data) < 4 + length:
        return False
    substream = struct.unpack_from("<H", data, 6)[0]
    return substream in BIFF_SUBSTREAMS and BIFF_EOF in data


def _is_image(data: bytes) -> bool:
    if data.startswith(IMAGE_MAGIC):
        return True
    if data.startswith(b"BM") and data[6:10] == b"\0\0\0\0":  # BMP; "BM" alone starts text too
        return True
    if data.startswith(b"RIFF") and data[8:12] == b"WEBP":
        return True
    return data[4:8] == b"ftyp" and data[8:12] in HEIF_BRANDS


def _text_kind(data: bytes, name: str) -> FileKind:
    complete = len(data) <= TEXT_SAMPLE
    text = _decode(data[:TEXT_SAMPLE], complete)
    if text is None or not text.strip() or CONTROL.search(text):
        return FileKind.UNKNOWN
    if not complete:
        text = text[: text.rfind("\n") + 1] or text  # the last line may be cut off
    csv_name = name.lower().endswith((".csv", ".tsv"))
    if any(_delimited(text, delimiter, csv_name) for delimiter in CSV_DELIMITERS) or csv_name:
        return FileKind.CSV
    return FileKind.TEXT


def _decode(sample: bytes, complete: bool) -> str | None:
    """The sample as text in whatever encoding it is in (parsers.textcodec); a multi-byte character cut at
    the sample's end is not an error."""
    encoding = encoding_of(sample, complete)
    if encoding is None:
        return None
    return codecs.getincrementaldecoder(encoding)(errors="replace").decode(sample, final=complete).removeprefix("\ufeff")


def _delimited(text: str, delimiter: str, csv_name: bool) -> bool:
    """Most records have the same number (at least 3) of fields.

    Records, not lines: Excel quotes multi-line cells (整改措施 often has several lines).
    """
    try:
        reader = csv.reader(io.StringIO(text), delimiter=delimiter)
        widths = [len(r) for r in islice(reader, CSV_SAMPLE_RECORDS) if any(f.strip() for f in r)]
    except csv.Error:
        return False
    if not widths or (len(widths) < 2 and not csv_name):
        return False  # one line with two commas is a sentence more often than a table
    width, count = Counter(widths).most_common(1)[0]
    return width >= 3 and count * 2 > len(widths)
