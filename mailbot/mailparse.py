"""Raw message bytes → :class:`ParsedMail`, decoded ourselves.

The MIME tree comes from :mod:`mailbot.mimetree` (the email package's compat32 parser, bounded);
every header, parameter and body is then decoded by :mod:`mailbot.mailheaders`. imap-tools'
decoding is not used: it drops characters (PITFALLS: 王喆 → 王).

Each part is decoded on its own: a part that fails is skipped and named in ``ParsedMail.unread``
(the unit is told), and the From, Subject and every other part still count. Only a mail the parser
cannot read at all raises :class:`UnreadableMail`: the pipeline records it as failed, for a person.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import html
import mimetypes
import re
from collections.abc import Iterator
from email.utils import getaddresses

from mailbot.mail_types import MailAttachment, ParsedMail, UnreadPart
from mailbot.html_text import html_text
from mailbot.mailheaders import decode_bytes_checked, decode_words_checked, header_text_checked, injected, \
    unescape_raw_checked
from mailbot.mimetree import MAX_DEPTH, MAX_HEADER_CHARS, MAX_HEADERS, MAX_PARTS, Part, parse_tree
from parsers.unpack import is_unsafe_path

EXTENSIONS = {
    "application/pdf": ".pdf", "application/vnd.ms-excel": ".xls", "application/zip": ".zip",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ".xlsx", "text/csv": ".csv",
    "image/jpeg": ".jpg", "image/png": ".png", "application/msword": ".doc", "text/plain": ".txt",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx", "application/x-rar": ".rar",
    "application/x-rar-compressed": ".rar", "application/x-7z-compressed": ".7z", "application/vnd.ms-et": ".et",
}
MAX_NESTING = 5  # forwards of forwards; deeper nesting is hostile, not a clerk's habit
_FORWARD_MARK = re.compile(r"^[ \t>]*(?:-{2,}\s*(?:原始邮件|转发邮件信息|转发邮件|转发的邮件|Original(?: Message)?"
                           r"|Forwarded message)\s*-{2,}|_{10,})[ \t]*$", re.M | re.I)
_FORWARD_FROM = re.compile(r"^[ \t>*]*(?:发件人|From)\s*[:：]\s*(.+)$", re.M | re.I)
_FORWARD_SUBJECT = re.compile(r"^[ \t>*]*(?:主题|Subject)\s*[:：]\s*(.+)$", re.M | re.I)
_FORWARD_SUBJECT_PREFIX = re.compile(r"^\s*(?:fwd?|fw|转发)\s*[:：]", re.I)
ADDRESS = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_MESSAGE_ID = re.compile(r"<[^<>\s]+>")
URL = re.compile(r"https?://[^\s\"'<>（）()\u3000，。；]+", re.I)  # in text or an href; stops at CJK punctuation
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_HIDE_RAW = {0xDC80 + i: 0xF780 + i for i in range(128)}  # surrogate escapes of bytes 0x80-0xFF ↔ private use
_SHOW_RAW = {v: k for k, v in _HIDE_RAW.items()}


class UnreadableMail(Exception):
    """The MIME parser could not read the message at all: nothing of it can be trusted, not even its sender."""


def parse_mail(data: bytes) -> ParsedMail:
    """What cannot be decoded is recorded in ``problems`` (and ``unread`` for whole parts) and the best
    value returned; UnreadableMail only when the parser fails on the message as a whole."""
    try:
        mail = _parse(parse_tree(data if isinstance(data, bytes) else bytes(data)), 0)
    except MemoryError:
        raise  # the sandbox's limit: its worker is replaced, and the mail failed
    except Exception as exc:  # noqa: BLE001 - compat32 practically never raises; if it does, a person looks
        raise UnreadableMail(f"{type(exc).__name__}: {exc}"[:300]) from exc
    named = tuple(a if a.name else dataclasses.replace(a, name=f"附件{i}{_extension(a.content_type)}")
                  for i, a in enumerate(mail.attachments, 1))
    return dataclasses.replace(mail, attachments=named)


def _parse(msg: Part, depth: int) -> ParsedMail:
    """One message (the outer one or a forwarded message/rfc822 inside it), attachment names may be ""."""
    problems: list[str] = []
    headers = _headers(msg, problems)
    from_name, from_address = _sender(msg.raw_header("from"), problems)
    found = _Found(injected=[str(n).lower() for n, v in msg.raw_items() if injected(str(v))])
    for part in _leaves(msg):
        try:
            _read_part(part, depth, found, problems)
        except Exception as exc:  # noqa: BLE001 - one part's failure is that part's, never the mail's
            name = _name_if_any(part)
            problems.append(f"part {name or '(no name)'} skipped: {type(exc).__name__}: {exc}"[:300])
            found.unread.append(UnreadPart(name, "undecodable"))
    if msg.root is msg and msg.dropped_parts:  # a tree of its own: the outer mail, or a forwarded .eml
        problems.append(f"{msg.dropped_parts} parts beyond {MAX_PARTS} dropped")
        found.unread.append(UnreadPart("", "too_many", msg.dropped_parts))
    attachments, senders, forwarded_subject = found.attachments, found.senders, found.forwarded_subject
    body = "\n".join(found.plain) if found.plain else "\n".join(html_text(m) for m in found.markup)
    body = body.replace("\r\n", "\n").replace("\r", "\n")
    if not senders:
        senders, forwarded_subject = _inline_forward(headers.get("subject", ""), body)
    if "from" not in headers:
        problems.append("no From header")
    return ParsedMail(
        message_id=_first_id(headers.get("message-id", "")),
        from_address=from_address,
        from_name=from_name,
        subject=headers.get("subject", ""),
        date_header=headers.get("date", ""),
        in_reply_to=_first_id(headers.get("in-reply-to", "")),
        references=tuple(_MESSAGE_ID.findall(headers.get("references", ""))),
        headers=headers,
        body_text=body,
        attachments=tuple(attachments),
        forwarded_subject=forwarded_subject,
        problems=tuple(dict.fromkeys(problems)),
        links=tuple(dict.fromkeys(found.links)),
        forward_senders=tuple(dict.fromkeys(a for a in senders if a)),
        unread=tuple(found.unread),
        auth_results=tuple(header_text_checked(v)[0] for n, v in msg.raw_items()
                           if str(n).strip().lower() == "authentication-results"),
        forwarded_auth_results=tuple(found.forwarded_auth),
        injected_headers=tuple(dict.fromkeys(found.injected)),
        unsafe_names=tuple(dict.fromkeys(found.unsafe)),
    )


@dataclasses.dataclass
class _Found:
    """What the parts of one message have given so far."""

    plain: list[str] = dataclasses.field(default_factory=list)
    markup: list[str] = dataclasses.field(default_factory=list)
    attachments: list[MailAttachment] = dataclasses.field(default_factory=list)
    links: list[str] = dataclasses.field(default_factory=list)
    senders: list[str] = dataclasses.field(default_factory=list)  # of the forwarded mails inside, outermost first
    forwarded_subject: str = ""
    unread: list[UnreadPart] = dataclasses.field(default_factory=list)
    # what only an attack carries (see mailbot.hostile), and the authentication a forwarded mail kept
    injected: list[str] = dataclasses.field(default_factory=list)
    unsafe: list[str] = dataclasses.field(default_factory=list)
    forwarded_auth: list[str] = dataclasses.field(default_factory=list)

    def adopt(self, inner: ParsedMail, problems: list[str]) -> None:
        """A forwarded mail's files (and links) are the unit's submission: they become ours, attributed to
        its sender; its subject names the forward when it is the first."""
        self.attachments.extend(inner.attachments)
        self.links.extend(inner.links)
        self.senders.extend((inner.from_address, *inner.forward_senders))
        self.unread.extend(inner.unread)
        self.injected.extend(f"{name}（被转发的邮件）" for name in inner.injected_headers)
        self.unsafe.extend(inner.unsafe_names)
        self.forwarded_auth = self.forwarded_auth or list(inner.auth_results)
        problems.extend(f"forwarded mail: {p}" for p in inner.problems)
        self.forwarded_subject = self.forwarded_subject or inner.subject


def _read_part(part: Part, depth: int, found: _Found, problems: list[str]) -> None:
    problems.extend(f"MIME defect: {type(d).__name__}" for d in part.defects)
    problems.extend(f"header {name} cut to {MAX_HEADER_CHARS} characters" for name in part.cut_headers)
    if part.nesting_cut:
        problems.append(f"MIME nesting deeper than {MAX_DEPTH} levels cut")
        found.unread.append(UnreadPart(_filename(part, problems), "too_deep"))
        return
    ctype = part.get_content_type()
    payload = part.get_payload() if part.is_multipart() else None
    if isinstance(payload, list):  # message/rfc822 forwarded as attachment; delivery-status blocks
        if part.get_content_subtype() in ("rfc822", "global") and payload and isinstance(payload[0], Part):
            _forwarded(payload[0], depth, found, problems)
        return
    disposition = part.raw_header("Content-Disposition").split(";", 1)[0].strip().lower()
    name = _filename(part, problems, found)
    if ctype in ("text/plain", "text/html") and not name and disposition != "attachment":
        text, decoding = decode_bytes_checked(_payload(part, "body", problems), part.get_content_charset())
        problems.extend(decoding)
        (found.plain if ctype == "text/plain" else found.markup).append(text)
        found.links.extend(html.unescape(url) for url in URL.findall(text))
        return
    if part.get("Content-ID") and not name and part.get_content_maintype() == "image":
        return  # an inline picture of a signature, not a submission
    data = _payload(part, name or ctype, problems)
    if (name.lower().endswith(".eml") or ctype == "message/rfc822") and _looks_like_mail(data):
        _forwarded(parse_tree(data), depth, found, problems)  # 126 forwards an .eml
        return
    found.attachments.append(MailAttachment(name=name, data=data, content_type=ctype))


def _leaves(part: Part) -> Iterator[Part]:
    """Leaf parts in order; a message/* part is a leaf (its inside is a separate mail, parsed apart)."""
    if part.get_content_maintype() == "message" or not part.is_multipart():
        yield part
        return
    for sub in part.get_payload():
        if isinstance(sub, Part):
            yield from _leaves(sub)


def _forwarded(inner: Part, depth: int, found: _Found, problems: list[str]) -> None:
    if depth >= MAX_NESTING:
        problems.append("forwarded mail nested too deeply, inner mail ignored")
        found.unread.append(UnreadPart("", "too_deep"))
        return
    found.adopt(_parse(inner, depth + 1), problems)


def _looks_like_mail(data: bytes) -> bool:
    head = data[:4096].split(b"\n\n", 1)[0].split(b"\r\n\r\n", 1)[0].lower()
    return head.startswith((b"received:", b"return-path:", b"from:", b"date:", b"message-id:", b"subject:",
                            b"mime-version:", b"x-", b"to:", b"delivered-to:")) and b"from:" in head


def _headers(msg: Part, problems: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    if msg.dropped_headers:
        problems.append(f"{msg.dropped_headers} headers beyond {MAX_HEADERS} dropped")
    problems.extend(f"header {name} cut to {MAX_HEADER_CHARS} characters" for name in msg.cut_headers)
    for name, value in msg.raw_items():  # raw: 8-bit bytes still held as surrogate escapes
        key = str(name).strip().lower()
        if key in out:
            continue
        try:
            out[key], found = header_text_checked(value)
        except Exception as exc:  # noqa: BLE001 - a bad header is a problem, not a crash
            out[key], found = "", (f"{type(exc).__name__}",)
        problems.extend(f"header {key}: {p}" for p in found)
    return out


def _sender(raw: str, problems: list[str]) -> tuple[str, str]:
    """Parsed from the raw header, encoded words still intact, so a decoded name holding a comma or
    angle bracket cannot split or fake the address."""
    value = " ".join(unescape_raw_checked(raw)[0].split())
    try:
        pairs = [p for p in getaddresses([value]) if p[1]] if value else []
    except Exception:  # noqa: BLE001
        pairs = []
    name, address = pairs[0] if pairs else ("", "")
    if not ADDRESS.fullmatch(address):
        found = ADDRESS.search(value)
        address, name = (found.group(0), value[:found.start()]) if found else ("", value)
        if value:
            problems.append("malformed From header")
    decoded, found_problems = decode_words_checked(name)
    problems.extend(f"header from: {p}" for p in found_problems)
    return decoded.strip(" \t\"'<"), address.strip().lower()


def _first_id(value: str) -> str:
    found = _MESSAGE_ID.search(value)
    return found.group(0) if found else value.strip()


def _param(part: Part, header: str, name: str, problems: list[str]) -> str:
    """A header parameter from the raw header text: RFC 2231 (preferred when both forms are given),
    RFC 2047 inside quotes, raw 8-bit GBK/UTF-8."""
    raw = part.raw_header(header)
    if not raw:
        return ""
    scratch = Part()
    # raw 8-bit bytes kept, as private-use characters: compat32's get() would make them U+FFFD, and a Q word's
    # bytes must be decoded with its charset, not guessed beforehand
    scratch["Content-Type"] = raw.translate(_HIDE_RAW)
    try:
        values = [v for k, v in scratch.get_params(header="content-type")[1:] if k.lower() == name]
    except Exception as exc:  # noqa: BLE001
        problems.append(f"{header} parameters: {type(exc).__name__}")
        return ""
    if not values:
        return ""
    value = next((v for v in values if isinstance(v, tuple)), values[0])
    if isinstance(value, tuple):  # RFC 2231: (charset, language, percent-decoded text as Latin-1)
        charset, _, text = value
        data = str(text).translate(_SHOW_RAW).encode("latin-1", "surrogateescape")
        value, found = decode_bytes_checked(data, charset or None)
        problems.extend(f"{header} {name}: {p}" for p in found)
    decoded, found = decode_words_checked(str(value).translate(_SHOW_RAW))
    problems.extend(f"{header} {name}: {p}" for p in found)
    return decoded.strip().strip('"')


def _name_if_any(part: Part) -> str:
    """A failed part's file name, to tell the unit which file was not read; "" when even that fails."""
    try:
        return _filename(part, [])
    except Exception:  # noqa: BLE001
        return ""


def _filename(part: Part, problems: list[str], found: _Found | None = None) -> str:
    """The part's file name, its folders and control characters removed; ``found`` learns of a name that
    climbed out of its folder or carried a line break (an attack, not a client's habit)."""
    name = _param(part, "Content-Disposition", "filename", problems) or _param(part, "Content-Type", "name", problems)
    if found is not None and is_unsafe_path(name):
        found.unsafe.append(name)
    if found is not None and re.search(r"[\r\n\x00]", name):
        found.injected.append("content-disposition")
    name = _CONTROL.sub("", name.replace("\\", "/").rsplit("/", 1)[-1]).strip()
    return "" if name in (".", "..") else name


def _extension(content_type: str) -> str:
    found = EXTENSIONS.get(content_type) or mimetypes.guess_extension(content_type, strict=False) or ""
    return "" if found == ".bin" else found


def _payload(part: Part, label: str, problems: list[str]) -> bytes:
    """The decoded bytes; a damaged base64 payload gives what decodes (compat32 would hand back the
    still-encoded text) and a problem."""
    raw = part.raw_payload()
    if part.raw_header("Content-Transfer-Encoding").strip().lower() == "base64":
        compact = "".join(raw.split())  # the same as removing \s+, ten times faster on a 400 KB scan
        try:
            return base64.b64decode(compact, validate=True)
        except (binascii.Error, ValueError):
            cleaned = re.sub(r"[^A-Za-z0-9+/]", "", compact)
            cleaned = cleaned[: len(cleaned) - (len(cleaned) % 4 == 1)]
            data = base64.b64decode(cleaned + "=" * (-len(cleaned) % 4))
            problems.append(f"damaged base64 in {label}: {len(data)} bytes recovered")
            return data
    try:
        data = part.get_payload(decode=True)
    except Exception as exc:  # noqa: BLE001
        problems.append(f"payload of {label}: {type(exc).__name__}")
        data = None
    return data if isinstance(data, bytes) else raw.encode("utf-8", "surrogateescape")


def _inline_forward(subject: str, body: str) -> tuple[list[str], str]:
    """'-----原始邮件----- 发件人: 田坪乡 <tianping@126.com> 主题: …' quoted in a forward's body:
    every 发件人 after the mark (a forward of a forward names both, outermost first), and the first 主题."""
    mark = _FORWARD_MARK.search(body)
    if not mark and not _FORWARD_SUBJECT_PREFIX.match(subject):
        return [], ""
    start = mark.end() if mark else 0
    senders = [address.group(0).lower() for found in _FORWARD_FROM.finditer(body, start)
               if (address := ADDRESS.search(found.group(1)))]
    found = _FORWARD_SUBJECT.search(body, start)
    return senders, found.group(1).strip() if found else ""
