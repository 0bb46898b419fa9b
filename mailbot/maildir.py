"""The embedded default transport: a Maildir inbox to read and a Maildir outbox to write.

The inbox belongs to the staff: files are only read, never moved or renamed.
The receive time is the date of the top Received header (added by the last
server), falling back to the file's modification time, then to now, never the
Date header (mailbot/receive_time.py). A file that cannot be read is that mail's
failure, never the inbox's: it is handed on with ``unreadable`` set. A file over
``max_message_bytes`` is read as its header only (archived whole from the file,
never held in memory) and answered as too large, as IMAP does.
Outbox files are named after the reply's Message-ID, so delivering twice is a no-op
and no other reply can take its place (see MaildirOutbox).
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import threading
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

from mailbot.archive import HEAD_BYTES, read_head
from mailbot.mail_types import RawMail
from mailbot.receive_time import from_timestamp, maildir_time

log = logging.getLogger("mailbot")
_MESSAGE_ID = re.compile(rb"^message-id:[ \t]*<([^<>\r\n]+)>", re.I | re.M)
_UNSAFE = re.compile(r"[^A-Za-z0-9._@+=-]")


def ensure_maildir(root: Path) -> Path:
    for sub in ("tmp", "new", "cur"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    return root


class MaildirInbox:
    def __init__(self, root: Path, max_message_bytes: int = 30 * 1024 * 1024) -> None:
        self.root = ensure_maildir(Path(root))
        self.name = f"maildir:{self.root}"
        self.max_message_bytes = max_message_bytes

    def wait(self, seconds: float, stopping: threading.Event) -> None:
        stopping.wait(seconds)

    def file(self, key: str, needs_attention: bool) -> None:
        """Maildir mail is never moved: the folder belongs to the staff."""

    def drop(self) -> None:
        pass

    def close(self) -> None:
        pass

    def pending(self, done: set[str]) -> Iterator[RawMail]:
        """Messages whose key is not in ``done``, oldest first."""
        return self.fetch([k for k in self.keys() if self.message_key(k) not in done])

    def keys(self) -> list[str]:
        """Every message key, oldest file first."""
        entries = []
        for sub in ("new", "cur"):
            for entry in os.scandir(self.root / sub):
                if entry.name.startswith("."):
                    continue
                try:
                    if entry.is_file():
                        entries.append((entry.stat().st_mtime, sub, entry.name))
                except OSError:  # gone since the listing, or not ours to look at: fetch() says which
                    entries.append((0.0, sub, entry.name))
        return [f"{sub}/{name}" for _, sub, name in sorted(entries)]

    def fetch(self, keys: list[str]) -> Iterator[RawMail]:
        for key in keys:
            path = self.root / key
            now = datetime.now(timezone.utc)
            try:
                status = path.stat()
                too_large = status.st_size if status.st_size > self.max_message_bytes else 0
                data = read_head(path) if too_large else path.read_bytes()  # a large mail is never read whole
                file_time = from_timestamp(status.st_mtime)
            except FileNotFoundError:  # staff's client moved it from new/ to cur/ meanwhile
                continue
            except OSError as exc:  # no permission, an I/O error: this mail's failure, recorded and retried
                yield RawMail(mailbox=self.name, key=self.message_key(key), data=b"", received_at=now,
                              unreadable=f"无法读取邮件文件 {path}：{exc.strerror or exc}")
                continue
            stamp = maildir_time(data, file_time, now)
            yield RawMail(mailbox=self.name, key=self.message_key(key), data=data, received_at=stamp.moment,
                          too_large_bytes=too_large, note=stamp.note, source=path if too_large else None)

    @staticmethod
    def message_key(key: str) -> str:
        """Stable across new/ → cur/ moves and flag changes by a mail client: the unique part only."""
        return key.split("/", 1)[-1].split(":", 1)[0]


class MaildirOutbox:
    """Delivery into a Maildir folder, idempotent per reply.

    A file is named after the reply's Message-ID and its recipient, which no other reply shares: named
    after the outbox row instead, a database restored from a backup handed out the same row ids again
    and their replies were taken as delivered and never written. A file already there with the same
    bytes is this reply delivered before (a crash before it was marked sent); one with other bytes is
    not this reply, and the reply is written beside it, never skipped.
    """

    def __init__(self, root: Path) -> None:
        self.root = ensure_maildir(Path(root))

    def deliver(self, key: int | str, envelope_from: str, to: str, raw: bytes) -> None:
        name = outbox_name(raw, to, key)
        target = self.root / "new" / name
        if target.exists():
            if _same_bytes(target, raw):
                return
            target = self.root / "new" / f"{name.removesuffix('.mailbot')}.{hashlib.sha256(raw).hexdigest()[:12]}.mailbot"
            log.warning("outbox file %s holds another mail with this reply's Message-ID; written as %s", name, target.name)
            if target.exists() and _same_bytes(target, raw):
                return
        tmp = self.root / "tmp" / target.name
        with open(tmp, "wb") as handle:
            handle.write(raw)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)

    def close(self) -> None:
        pass


def outbox_name(raw: bytes, to: str, key: int | str) -> str:
    """``<Message-ID, made safe for a file name>.<recipient's hash>.mailbot`` (one file per reply and
    recipient: a digest goes to each member of staff); the key when a mail has no Message-ID."""
    found = _MESSAGE_ID.search(raw[:HEAD_BYTES].split(b"\r\n\r\n", 1)[0])
    stem = found.group(1).decode("ascii", "replace") if found else f"{key:010d}" if isinstance(key, int) else str(key)
    stem = _UNSAFE.sub("_", stem)[:120]
    return f"{stem}.{hashlib.sha256(to.encode('utf-8', 'surrogatepass')).hexdigest()[:8]}.mailbot"


def _same_bytes(path: Path, raw: bytes) -> bool:
    try:
        return path.stat().st_size == len(raw) and path.read_bytes() == raw
    except OSError:
        return False
