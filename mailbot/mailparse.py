"""Raw message bytes → :class:`ParsedMail`, decoded ourselves and never raising.

We parse with the email package's compat32 policy: it keeps raw 8-bit header
bytes as surrogate escapes (recoverable as GBK/UTF-8) and does not raise on
malformed address or parameter headers, unlike policy.default (cpython#151857).
Every header, parameter and body is then decoded by :mod:`mailbot.mailheaders`.
imap-tools' decoding is not used: it drops characters (PITFALLS: 王喆 → 王).
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import email
import html
import mimetypes
import re
from collections.abc import Iterator
from email.message import Message
from email.policy import compat32
from email.utils import getaddresses

from mailbot.mail_types import MailAttachment, ParsedMail
from mailbot.html_text import html_text
from mailbot.mailheaders import decode_bytes_checked, decode_words_checked, header_text_checked, injected, \
    unescape_raw_checked
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
MAX_HEADER_CHARS = 16_384  # RFC 5322 lines are at most 998; a folded header of 16 KiB is already absurd


def parse_mail(data: bytes) -> ParsedMail:
    """Never raises: what cannot be decoded is recorded in ``problems`` and the best value returned."""
    problems: list[str] = []
    try:
        msg = email.message_from_bytes(data if isinstance(data, bytes) else bytes(data), policy=compat32)
        mail = _parse(msg, 0)
    except Exception as exc:  # noqa: BLE001 - last line of defence; compat32 practically never raises
        problems.append(f"unparseable message: {type(exc).__name__}")
        mail = _parse(email.message_from_bytes(b"\r\n", policy=compat32), 0)
    named = tuple(a if a.name else dataclasses.replace(a, name=f"附件{i}{_extension(a.content_type)}")
                  for i, a in enumerate(mail.attachments, 1))
    return dataclasses.replace(mail, attachments=named, problems=tuple(dict.fromkeys((*problems, *mail.problems))))


def _parse(msg: Message, depth: int) -> ParsedMail:
    """One message (the outer one or a forwarded message/rfc822 inside it), attachment names may be ""."""
    problems: list[str] = []
    _tame_headers(msg, problems)
    headers = _headers(msg, problems)
    attacks = _Attacks(injected=[str(n).lower() for n, v in _raw_items(msg) if injected(str(v))])
    from_name, from_address = _sender(_raw_header(msg, "from"), problems)
    plain: list[str] = []
    markup: list[str] = []
    attachments: list[MailAttachment] = []
    links: list[str] = []
    senders: list[str] = []  # of the forwarded mails inside, outermost first
    forwarded_subject = ""
    for part in _leaves(msg):
        problems.extend(f"MIME defect: {type(d).__name__}" for d in part.defects)
        ctype = part.get_content_type()
        payload = part.get_payload()
        if isinstance(payload, list):  # message/rfc822 forwarded as attachment; delivery-status blocks
            if part.get_content_subtype() in ("rfc822", "global") and payload and isinstance(payload[0], Message):
                subject = _adopt(_nested(payload[0], depth, problems), attachments, links, senders, problems, attacks)
                forwarded_subject = forwarded_subject or subject
            continue
        disposition = str(part.get("Content-Disposition", "")).split(";", 1)[0].strip().lower()
        name = _filename(part, problems, attacks)
        if ctype in ("text/plain", "text/html") and not name and disposition != "attachment":
            text, found = decode_bytes_checked(_payload(part, "body", problems), part.get_content_charset())
            problems.extend(found)
            (plain if ctype == "text/plain" else markup).append(text)
            links.extend(html.unescape(url) for url in URL.findall(text))
            continue
        if part.get("Content-ID") and not name and part.get_content_maintype() == "image":
            continue  # an inline picture of a signature, not a submission
        data = _payload(part, name or ctype, problems)
        if (name.lower().endswith(".eml") or ctype == "message/rfc822") and _looks_like_mail(data):
            inner = _nested(email.message_from_bytes(data, policy=compat32), depth, problems)  # 126 forwards an .eml
            subject = _adopt(inner, attachments, links, senders, problems, attacks)
            forwarded_subject = forwarded_subject or subject
            continue
        attachments.append(MailAttachment(name=name, data=data, content_type=ctype))
    body = "\n".join(plain) if plain else "\n".join(html_text(m) for m in markup)
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
        links=tuple(dict.fromkeys(links)),
        forward_senders=tuple(dict.fromkeys(a for a in senders if a)),
        auth_results=tuple(header_text_checked(v)[0] for n, v in _raw_items(msg)
                           if str(n).strip().lower() == "authentication-results"),
        forwarded_auth_results=tuple(attacks.forwarded_auth),
        injected_headers=tuple(dict.fromkeys(attacks.injected)),
        unsafe_names=tuple(dict.fromkeys(attacks.unsafe)),
    )


@dataclasses.dataclass
class _Attacks:
    """What one mail (its forwarded mails included) carries that only an attack would: see mailbot.hostile."""

    injected: list[str] = dataclasses.field(default_factory=list)
    unsafe: list[str] = dataclasses.field(default_factory=list)
    forwarded_auth: list[str] = dataclasses.field(default_factory=list)


def _raw_items(msg: Message) -> list[tuple[str, str]]:
    try:
        return [(str(n), str(v)) for n, v in msg.raw_items()]
    except Exception:  # noqa: BLE001 - a header that cannot be read is reported by _headers
        return []


def _leaves(part: Message) -> Iterator[Message]:
    """Leaf parts in order; a message/* part is a leaf (its inside is a separate mail, parsed apart)."""
    if part.get_content_maintype() == "message" or not part.is_multipart():
        yield part
        return
    for sub in part.get_payload():
        if isinstance(sub, Message):
            yield from _leaves(sub)


def _nested(inner: Message, depth: int, problems: list[str]) -> ParsedMail | None:
    if depth >= MAX_NESTING:
        problems.append("forwarded mail nested too deeply, inner mail ignored")
        return None
    return _parse(inner, depth + 1)


def _adopt(inner: ParsedMail | None, attachments: list[MailAttachment], links: list[str], senders: list[str],
           problems: list[str], attacks: _Attacks) -> str:
    """A forwarded mail's files (and links) are the unit's submission: they become ours, attributed to its sender.

    Returns the forwarded mail's subject ("" when it was nested too deeply to read).
    """
    if inner is None:
        return ""
    attachments.extend(inner.attachments)
    links.extend(inner.links)
    senders.extend((inner.from_address, *inner.forward_senders))
    problems.extend(f"forwarded mail: {p}" for p in inner.problems)
    attacks.injected.extend(f"{name}（被转发的邮件）" for name in inner.injected_headers)
    attacks.unsafe.extend(inner.unsafe_names)
    if not attacks.forwarded_auth:
        attacks.forwarded_auth.extend(inner.auth_results)
    return inner.subject


def _looks_like_mail(data: bytes) -> bool:
    head = data[:4096].split(b"\n\n", 1)[0].split(b"\r\n\r\n", 1)[0].lower()
    return head.startswith((b"received:", b"return-path:", b"from:", b"date:", b"message-id:", b"subject:",
                            b"mime-version:", b"x-", b"to:", b"delivered-to:")) and b"from:" in head


def _tame_headers(msg: Message, problems: list[str]) -> None:
    """Cut every header longer than any mail client writes: the standard library's parameter parsing
    (Content-Disposition, Content-Type) slows down with the square of a header's length."""
    for part in msg.walk():
        for name in {str(n) for n, v in part.raw_items() if len(str(v)) > MAX_HEADER_CHARS}:
            values = [str(v) for n, v in part.raw_items() if str(n) == name]
            del part[name]
            for value in values:
                part[name] = value[:MAX_HEADER_CHARS]
            problems.append(f"header {name.lower()} cut to {MAX_HEADER_CHARS} characters")


def _headers(msg: Message, problems: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    try:
        items = msg.raw_items()  # raw: 8-bit bytes still held as surrogate escapes
        for name, value in items:
            key = str(name).strip().lower()
            if key in out:
                continue
            out[key], found = header_text_checked(value)
            problems.extend(f"header {key}: {p}" for p in found)
    except Exception as exc:  # noqa: BLE001 - a bad header is a problem, not a crash
        problems.append(f"headers: {type(exc).__name__}")
    return out


def _raw_header(part: Message, header: str) -> str:
    """The header as stored (compat32's get() would turn raw 8-bit bytes into U+FFFD)."""
    wanted = header.lower()
    try:
        return next((str(v) for n, v in part.raw_items() if str(n).lower() == wanted), "")
    except Exception:  # noqa: BLE001
        return ""


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


def _param(part: Message, header: str, name: str, problems: list[str]) -> str:
    """A header parameter from the raw header text: RFC 2231 (preferred when both forms are given),
    RFC 2047 inside quotes, raw 8-bit GBK/UTF-8."""
    raw = _raw_header(part, header)
    if not raw:
        return ""
    scratch = Message()
    scratch["Content-Type"] = unescape_raw_checked(raw)[0]
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
        value, found = decode_bytes_checked(str(text).encode("latin-1", "replace"), charset or None)
        problems.extend(f"{header} {name}: {p}" for p in found)
    decoded, found = decode_words_checked(str(value))
    problems.extend(f"{header} {name}: {p}" for p in found)
    return decoded.strip().strip('"')


def _filename(part: Message, problems: list[str], attacks: _Attacks) -> str:
    name = _param(part, "Content-Disposition", "filename", problems) or _param(part, "Content-Type", "name", problems)
    if is_unsafe_path(name):
        attacks.unsafe.append(name)
    if re.search(r"[\r\n\x00]", name):
        attacks.injected.append("content-disposition")
    name = _CONTROL.sub("", name.replace("\\", "/").rsplit("/", 1)[-1]).strip()
    return "" if name in (".", "..") else name


def _extension(content_type: str) -> str:
    found = EXTENSIONS.get(content_type) or mimetypes.guess_extension(content_type, strict=False) or ""
    return "" if found == ".bin" else found


def _payload(part: Message, label: str, problems: list[str]) -> bytes:
    """The decoded bytes; a damaged base64 payload gives what decodes (compat32 would hand back the
    still-encoded text) and a problem."""
    raw = part.get_payload()
    raw = raw if isinstance(raw, str) else ""
    if part.get("Content-Transfer-Encoding", "").strip().lower() == "base64":
        compact = re.sub(r"\s+", "", raw)
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
