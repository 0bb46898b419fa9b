"""Raw message bytes → :class:`ParsedMail`, decoded ourselves and never raising.

We parse with the email package's compat32 policy (it keeps raw 8-bit header
bytes as surrogate escapes and does not raise on malformed address headers,
unlike policy.default) and decode every header, parameter and body with
:mod:`mailbot.mailheaders`. imap-tools' own decoding is not used: it drops
characters (PITFALLS: 王喆 → 王).
"""

from __future__ import annotations

import email
import re
from email.message import Message
from email.policy import compat32
from email.utils import getaddresses, parseaddr

from mailbot.mail_types import MailAttachment, ParsedMail
from mailbot.mailheaders import decode_bytes, decode_words, header_text, unescape_raw

EXTENSIONS = {
    "application/pdf": ".pdf", "application/vnd.ms-excel": ".xls", "application/zip": ".zip",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ".xlsx", "text/csv": ".csv",
    "image/jpeg": ".jpg", "image/png": ".png", "application/msword": ".doc",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
}
_FORWARD_MARK = re.compile(r"(-{2,}\s*(原始邮件|Original( Message)?|转发邮件|Forwarded message)\s*-{2,})", re.I)
_FORWARD_FROM = re.compile(r"^\s*(发件人|From)\s*[:：]\s*(.+)$", re.M | re.I)
_FORWARD_SUBJECT = re.compile(r"^\s*(主题|Subject)\s*[:：]\s*(.+)$", re.M | re.I)
_FORWARD_SUBJECT_PREFIX = re.compile(r"^\s*(fwd?|fw|转发)\s*[:：]", re.I)
_TAGS = re.compile(r"<[^>]+>")
ADDRESS = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")


def parse_mail(data: bytes) -> ParsedMail:
    problems: list[str] = []
    try:
        msg = email.message_from_bytes(data, policy=compat32)
    except Exception as exc:  # noqa: BLE001 - compat32 practically never raises; be sure anyway
        msg = email.message_from_bytes(b"\r\n", policy=compat32)
        problems.append(f"unparseable message: {type(exc).__name__}")
    headers = _headers(msg, problems)
    from_name, from_address = _address(headers.get("from", ""), problems)
    body_parts: list[str] = []
    attachments: list[MailAttachment] = []
    forwarded: dict[str, str] = {}
    _walk(msg, body_parts, attachments, forwarded, problems)
    body = "\n".join(body_parts)
    if not forwarded and (_FORWARD_SUBJECT_PREFIX.match(headers.get("subject", "")) or _FORWARD_MARK.search(body)):
        forwarded = _inline_forward(body)
    return ParsedMail(
        message_id=_first_id(headers.get("message-id", "")),
        from_address=from_address,
        from_name=from_name,
        subject=headers.get("subject", ""),
        date_header=headers.get("date", ""),
        in_reply_to=_first_id(headers.get("in-reply-to", "")),
        references=tuple(re.findall(r"<[^<>\s]+>", headers.get("references", ""))),
        headers=headers,
        body_text=body,
        attachments=tuple(attachments),
        forwarded_from=forwarded.get("from", ""),
        forwarded_subject=forwarded.get("subject", ""),
        problems=tuple(problems),
    )


def _headers(msg: Message, problems: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for name, value in msg.raw_items():  # raw: 8-bit bytes still held as surrogate escapes
        key = name.strip().lower()
        if key in out:
            continue
        try:
            out[key] = header_text(value)
        except Exception as exc:  # noqa: BLE001 - a bad header is a problem, not a crash
            problems.append(f"header {key}: {type(exc).__name__}")
            out[key] = ""
    return out


def _address(value: str, problems: list[str]) -> tuple[str, str]:
    try:
        pairs = getaddresses([value]) if value else []
        name, address = pairs[0] if pairs else parseaddr(value)
    except Exception:  # noqa: BLE001
        name, address = "", ""
    if not ADDRESS.fullmatch(address or ""):
        found = ADDRESS.search(value)
        address = found.group(0) if found else ""
        if value:
            problems.append("malformed From header")
    return decode_words(name).strip().strip('"'), address.strip().lower()


def _first_id(value: str) -> str:
    found = re.search(r"<[^<>\s]+>", value)
    return found.group(0) if found else value.strip()


def _param(part: Message, header: str, name: str) -> str:
    """A header parameter, from the raw header text: RFC 2231, RFC 2047 inside quotes, raw 8-bit."""
    raw = _raw_header(part, header)
    if raw is None:
        return ""
    scratch = Message()
    scratch["Content-Type"] = unescape_raw(str(raw))
    value = scratch.get_param(name, header="content-type")
    if value is None:
        return ""
    if isinstance(value, tuple):  # RFC 2231: (charset, language, percent-decoded latin-1 text)
        charset, _, text = value
        value = decode_bytes(text.encode("latin-1", "replace"), charset)
    return decode_words(str(value)).strip().strip('"')


def _raw_header(part: Message, header: str) -> str | None:
    """The header as stored (compat32's get() would turn raw 8-bit bytes into U+FFFD)."""
    wanted = header.lower()
    return next((str(value) for name, value in part.raw_items() if name.lower() == wanted), None)


def _filename(part: Message) -> str:
    name = _param(part, "Content-Disposition", "filename") or _param(part, "Content-Type", "name")
    return name.replace("\\", "/").rsplit("/", 1)[-1].strip()


def _walk(msg: Message, body: list[str], attachments: list[MailAttachment], forwarded: dict[str, str],
          problems: list[str]) -> None:
    for part in msg.walk():
        if part.is_multipart():
            continue
        ctype = part.get_content_type()
        if ctype == "message/rfc822" or isinstance(part.get_payload(), list):
            continue
        disposition = str(part.get("Content-Disposition", "")).split(";", 1)[0].strip().lower()
        name = _filename(part)
        is_body = ctype in ("text/plain", "text/html") and not name and disposition != "attachment"
        if is_body:
            text = _text(part, problems)
            body.append(_TAGS.sub("", text) if ctype == "text/html" else text)
            continue
        if part.get("Content-ID") and not name and ctype.startswith("image/"):
            continue  # an inline picture of a signature, not a submission
        data = _payload(part, problems)
        if not name:
            name = f"附件{len(attachments) + 1}{EXTENSIONS.get(ctype, '')}"
        attachments.append(MailAttachment(name=name, data=data, content_type=ctype))
    for part in msg.walk():
        if part.get_content_type() == "message/rfc822" and isinstance(part.get_payload(), list):
            inner = part.get_payload()[0]
            inner_headers = _headers(inner, problems)
            forwarded.setdefault("from", _address(inner_headers.get("from", ""), problems)[1])
            forwarded.setdefault("subject", inner_headers.get("subject", ""))
            break


def _payload(part: Message, problems: list[str]) -> bytes:
    try:
        data = part.get_payload(decode=True)
    except Exception as exc:  # noqa: BLE001
        problems.append(f"payload: {type(exc).__name__}")
        data = None
    if part.defects:
        problems.extend(type(d).__name__ for d in part.defects)
    if data is None:
        raw = part.get_payload()
        data = raw.encode("utf-8", "surrogateescape") if isinstance(raw, str) else b""
    return data


def _text(part: Message, problems: list[str]) -> str:
    return decode_bytes(_payload(part, problems), part.get_content_charset())


def _inline_forward(body: str) -> dict[str, str]:
    """'-----原始邮件----- 发件人: 田坪乡 <tianping@126.com> 主题: …' in a forwarded mail's body."""
    mark = _FORWARD_MARK.search(body)
    block = body[mark.end():] if mark else body
    out: dict[str, str] = {}
    if found := _FORWARD_FROM.search(block):
        address = ADDRESS.search(found.group(2))
        if address:
            out["from"] = address.group(0).lower()
    if found := _FORWARD_SUBJECT.search(block):
        out["subject"] = found.group(2).strip()
    return out
