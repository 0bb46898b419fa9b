"""When the server received a mail: the time the deadline is judged by, never the sender's Date header.

Each source is tried in a fixed order, and any failure (a date out of range, a time zone of -2359 that
overflows, an unparseable stamp, a time after the mail was stored) moves on to the next, with a note
for the staff saying which time was used and why: the mail itself is never held up by it.

- Maildir: the top Received header (written by the last server) → the file's modification time → now;
- IMAP: INTERNALDATE (the server's own) → the top Received header → now.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from email.parser import BytesHeaderParser
from email.policy import compat32
from email.utils import parsedate_to_datetime

SKEW = timedelta(days=1)  # a server's clock may be this far ahead of the one that stored the mail
HEAD_BYTES = 256 * 1024  # the header block is looked for here; a mail's headers are far smaller


@dataclass(frozen=True)
class Stamp:
    moment: datetime  # aware, UTC
    note: str = ""  # for staff, Chinese: why the usual source was not used ("" when it was)


def top_received(data: bytes, not_after: datetime) -> datetime:
    """The top Received header's timestamp (aware, UTC); ValueError saying why there is none to use."""
    head = data[:HEAD_BYTES].split(b"\r\n\r\n", 1)[0].split(b"\n\n", 1)[0]
    try:
        received = BytesHeaderParser(policy=compat32).parsebytes(head + b"\n\n").get_all("Received") or []
        if not received:
            raise ValueError("没有 Received 头")
        stamp = str(received[0]).rsplit(";", 1)[-1].strip()
        moment = parsedate_to_datetime(stamp)
        if moment is None or moment.tzinfo is None:
            raise ValueError(f"Received 头的时间“{stamp[:60]}”没有时区")
        moment = moment.astimezone(timezone.utc)
    except ValueError:
        raise
    except Exception as exc:  # noqa: BLE001 - OverflowError (year 9999 at -2359), TypeError, IndexError…
        raise ValueError(f"Received 头的时间无法读取（{type(exc).__name__}）") from exc
    if moment > not_after + SKEW:
        raise ValueError(f"Received 头的时间 {moment:%Y-%m-%d %H:%M} 晚于邮件存入的时间")
    return moment


def from_timestamp(seconds: float) -> datetime | None:
    """A file time as an aware UTC datetime; None when it is out of range."""
    try:
        return datetime.fromtimestamp(seconds, timezone.utc)
    except (OverflowError, OSError, ValueError):
        return None


def maildir_time(data: bytes, file_time: datetime | None, now: datetime) -> Stamp:
    """Top Received → the file's modification time → now."""
    try:
        return Stamp(top_received(data, file_time or now))
    except ValueError as why:
        if file_time is not None:
            return Stamp(file_time, f"{why}，收到时间按邮件文件的时间计")
        return Stamp(now, f"{why}，邮件文件的时间也无法读取，收到时间按处理时的时间计")


def imap_time(internal_date: bytes | str | None, data: bytes, now: datetime) -> Stamp:
    """INTERNALDATE ("24-Nov-2021 10:30:00 +0800") → top Received → now."""
    text = internal_date.decode("ascii", "replace") if isinstance(internal_date, bytes) else internal_date or ""
    try:
        return Stamp(datetime.strptime(text, "%d-%b-%Y %H:%M:%S %z").astimezone(timezone.utc))
    except Exception as exc:  # noqa: BLE001 - ValueError, OverflowError: on to the next source
        why = f"服务器记录的收到时间“{text[:40]}”无法读取（{type(exc).__name__}）"
    try:
        return Stamp(top_received(data, now), f"{why}，收到时间按 Received 头计")
    except ValueError as second:
        return Stamp(now, f"{why}，{second}，收到时间按处理时的时间计")
