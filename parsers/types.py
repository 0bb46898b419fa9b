"""Typed values produced by the parsers. Imports nothing of ours."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class FileKind(str, Enum):
    """What a file really is, decided from its bytes, never from its name."""

    XLSX = "xlsx"
    XLS = "xls"
    CSV = "csv"
    PDF = "pdf"
    ZIP = "zip"
    RAR = "rar"  # not unpacked: no well-kept pure-Python reader; refused with a hint to send ZIP
    SEVEN_ZIP = "7z"  # likewise
    OFD = "ofd"  # GB/T 33190 fixed-layout document (a zip with OFD.xml): the report must be PDF
    ODS = "ods"  # OpenDocument spreadsheet: not read; the unit is asked for .xlsx
    ODT = "odt"  # OpenDocument text
    OFFICE_OTHER = "office_other"  # a presentation or another office package: a document, never unpacked
    TNEF = "tnef"  # Outlook's winmail.dat (rich-text mail): the real attachments are inside, not unpacked
    DOCX = "docx"
    DOC = "doc"
    OFFICE_ENCRYPTED = "office_encrypted"  # OLE container holding an EncryptedPackage
    IMAGE = "image"
    EXECUTABLE = "executable"
    TEXT = "text"
    UNKNOWN = "unknown"


class ParseErrorKind(str, Enum):
    """Why a file could not be read. Stable values: they end up in finding codes."""

    ENCRYPTED = "encrypted"
    TRUNCATED = "truncated"  # damaged / cut off
    WRONG_TYPE = "wrong_type"  # the bytes are not what the reader expects
    TOO_LARGE = "too_large"  # over a size / count / page limit
    BOMB = "bomb"  # compression ratio attack
    XML_ENTITIES = "xml_entities"  # an XML part declares a DTD or entities (expansion bomb, external entity): hostile
    TIMEOUT = "timeout"
    OUT_OF_MEMORY = "out_of_memory"
    NO_TABLE = "no_table"  # a spreadsheet without a recognisable ledger header
    OVERFLOW = "overflow"  # the ledger's sheet has data beyond the row/column limits
    UNREADABLE = "unreadable"  # anything else the reader choked on


class ParseError(Exception):
    """The one exception parsers raise for bad input. ``detail`` is for logs, in English;
    ``sheet`` and ``cell`` say where in a workbook, when one place is to blame."""

    def __init__(self, kind: ParseErrorKind, detail: str = "", sheet: str = "", cell: str = "") -> None:
        super().__init__(f"{kind.value}: {detail}" if detail else kind.value)
        self.kind = kind
        self.detail = detail
        self.sheet = sheet
        self.cell = cell

    def __reduce__(self):  # picklable across the sandbox's process boundary
        return (ParseError, (self.kind, self.detail, self.sheet, self.cell))


@dataclass(frozen=True)
class Limits:
    """Every bound applied to untrusted input. Built from settings by the caller."""

    max_file_bytes: int = 25 * 1024 * 1024
    max_archive_members: int = 50
    max_archive_total_bytes: int = 100 * 1024 * 1024  # uncompressed, all members together
    max_archive_depth: int = 2  # a zip inside a zip inside a zip is refused
    max_compression_ratio: int = 200  # per member, uncompressed / compressed
    max_xlsx_uncompressed_bytes: int = 60 * 1024 * 1024
    max_sheet_rows: int = 5000
    max_sheet_columns: int = 100
    max_pdf_pages: int = 60
    max_files_per_mail: int = 20  # files read from one mail, archive members included; the rest refused unread
    parse_timeout_seconds: float = 30.0  # CPU seconds one file may use (not elapsed time): then TIMEOUT
    parse_memory_mb: int = 768
    # elapsed seconds after which a parse that has not used its CPU time is given up as the server's
    # trouble (overloaded, or a blocked worker): no finding, the mail is retried (parsers.sandbox)
    parse_backstop_seconds: float = 600.0


@dataclass(frozen=True)
class Attachment:
    """One file as received (after unpacking archives). ``path`` shows archive nesting."""

    name: str  # file name as the sender gave it, decoded
    data: bytes
    kind: FileKind
    sha256: str
    path: tuple[str, ...] = ()  # e.g. ("材料.zip",) for a file found inside 材料.zip
    unsafe_name: str = ""  # the member name as stored, when it was absolute or climbed out with ".."

    @property
    def size(self) -> int:
        return len(self.data)

    @property
    def display_name(self) -> str:
        return "/".join((*self.path, self.name))


@dataclass(frozen=True)
class CellValue:
    """A value read from a spreadsheet, with its place. ``text`` is stripped, never None."""

    text: str
    sheet: str
    row: int  # 1-based, as Excel shows it
    column: str  # column letter(s), as Excel shows them: "H"

    @property
    def cell(self) -> str:
        return f"{self.column}{self.row}"

    @property
    def ref(self) -> str:
        return f"{self.sheet}!{self.column}{self.row}"


# Canonical ledger fields. Header cells are matched to these by parsers.ledger.
LEDGER_FIELDS = (
    "seq",  # 序号
    "level1",  # 一级指标
    "level2",  # 二级指标
    "content",  # 评测内容
    "problem",  # 反馈问题
    "owner",  # 责任单位
    "measure",  # 整改措施
    "status",  # 整改完成情况
    "remark",  # 备注
)


@dataclass(frozen=True)
class LedgerRow:
    seq: int  # 序号
    row: int  # spreadsheet row number
    cells: dict[str, CellValue]  # field name (LEDGER_FIELDS) -> value; only columns present

    def text(self, field_name: str) -> str:
        cell = self.cells.get(field_name)
        return cell.text if cell else ""


@dataclass(frozen=True)
class Ledger:
    """A rectification ledger as found in one file."""

    sheet: str
    header_row: int
    columns: dict[str, str]  # field name -> column letter, only the columns found
    header_texts: dict[str, str]  # field name -> header text as written in the file
    unit: CellValue | None  # 单位 (None: no such line in the header block)
    contact: CellValue | None  # 联系人
    phone: CellValue | None  # 联系方式
    rows: dict[int, LedgerRow]  # by 序号
    duplicate_seqs: tuple[int, ...] = ()  # 序号 that appear more than once (first kept)
    sheets: tuple[str, ...] = ()  # every sheet of the workbook, for messages
    title: str = ""  # the title line above the header block, if any


@dataclass(frozen=True)
class SealEvidence:
    """Result of the red-seal heuristic on one rendered page."""

    page: int  # 1-based
    found: bool
    red_share: float  # share of red pixels on the page
    blob_box: tuple[int, int, int, int] | None = None  # x0, y0, x1, y1 of the best red blob (pixels)
    roundness: float = 0.0  # 1.0 = as wide as high and ring/disc-like


@dataclass(frozen=True)
class StatedCounts:
    """The figures a report states about its problems: "涉及我乡的反馈问题共14个，已完成整改13个，
    正在整改0个，未整改1个". None where the sentence does not give that figure."""

    sentence: str  # as written (whitespace removed), for the reply to quote
    total: int | None = None
    done: int | None = None  # 完成整改
    doing: int | None = None  # 正在整改
    undone: int | None = None  # 未整改


@dataclass(frozen=True)
class OcrLine:
    """One line of text recognised on a scanned page."""

    text: str
    confidence: float  # the recogniser's score, 0-1
    top: float  # where the line starts, as a share of the page height (0 = top edge)


@dataclass(frozen=True)
class PageReading:
    """What OCR read of one page: every line (``whole``) or only those a check needed, in reading order."""

    page: int  # 1-based
    lines: tuple[OcrLine, ...]
    whole: bool = False


@dataclass(frozen=True)
class ScanReading:
    """What OCR read of a report's scanned pages. ``failed``: why it could not read (then no lines)."""

    engine: str  # engine and models, e.g. "rapidocr-onnxruntime 1.4.4": a reading by another engine is not reused
    pages: tuple[PageReading, ...] = ()
    failed: str = ""

    def page(self, number: int) -> PageReading | None:
        return next((p for p in self.pages if p.page == number), None)

    @property
    def lines(self) -> tuple[OcrLine, ...]:
        return tuple(line for p in self.pages for line in p.lines)


@dataclass(frozen=True)
class Report:
    """A rectification report read from a PDF."""

    pages: int
    page_texts: tuple[str, ...]  # one per page ("" for a page without text layer)
    has_text_layer: bool  # False for a scan (or text made only of (cid:NNN) garbage)
    scanned_pages: tuple[int, ...]  # 1-based pages without text but with images
    title: str  # heading at the top of page 1, lines joined
    dates: tuple[str, ...]  # dates mentioned, ISO format "2021-11-24"
    seals: tuple[SealEvidence, ...] = ()  # one per page examined for a seal
    truncated_pages: bool = False  # True when only the first Limits.max_pdf_pages were read
    blank_pages: tuple[int, ...] = ()  # 1-based pages with neither text nor ink (blank, near-blank, a white image)
    reading: ScanReading | None = None  # OCR of the scanned pages (mailbot adds it: parsers.scan_text.with_reading)

    @property
    def blank(self) -> bool:
        """Nothing on any page: no text and no ink."""
        return self.pages > 0 and len(self.blank_pages) == self.pages

    @property
    def has_text(self) -> bool:
        """Text to check: a text layer, or lines OCR read on the scans."""
        return self.has_text_layer or bool(self.reading and self.reading.lines)

    @property
    def from_scan(self) -> bool:
        """The text the checks see was read by OCR (识别自扫描件), not taken from a text layer."""
        return not self.has_text_layer and self.has_text

    @property
    def inked_pages(self) -> tuple[int, ...]:
        """Scanned pages with something on them: those OCR may read."""
        return tuple(p for p in self.scanned_pages if p not in self.blank_pages)

    @property
    def text(self) -> str:
        return "\n".join(self.page_texts)

    @property
    def seal_found(self) -> bool:
        return any(s.found for s in self.seals)

    @property
    def closing_text(self) -> str:
        """The last six lines of the last page with text: the 落款 and its date (a duplex scanner's blank
        back page after it does not hide it)."""
        last = next((t for t in reversed(self.page_texts) if t.strip()), "")
        return "\n".join([line for line in last.splitlines() if line.strip()][-6:])

    @property
    def issuer_text(self) -> str:
        """Where a report names its author: the title and the closing lines (落款)."""
        return self.title + "\n" + self.closing_text
