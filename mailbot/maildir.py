"""The embedded default transport: a Maildir inbox to read and a Maildir outbox to write.

The inbox belongs to the staff: files are only read, never moved or renamed.
The receive time is the date of the top Received header (added by the last
server), falling back to the file's modification time, never the Date header.
Outbox files are named after the outbox row, so delivering twice is a no-op.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from datetime import datetime, timezone
from email.parser import BytesHeaderParser
from email.policy import compat32
from email.utils import parsedate_to_datetime
from pathlib import Path

from mailbot.mail_types import RawMail


def ensure_maildir(root: Path) -> Path:
    for sub in ("tmp", "new", "cur"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    return root


def received_time(data: bytes, fallback: datetime) -> datetime:
    """The top Received header's timestamp (aware, UTC), or ``fallback``."""
    head = data.split(b"\r\n\r\n", 1)[0].split(b"\n\n", 1)[0]
    try:
        headers = BytesHeaderParser(policy=compat32).parsebytes(head + b"\n\n")
        received = headers.get_all("Received") or []
        if received:
            stamp = str(received[0]).rsplit(";", 1)[-1].strip()
            moment = parsedate_to_datetime(stamp)
            if moment.tzinfo is not None:
                return moment.astimezone(timezone.utc)
    except (TypeError, ValueError, IndexError):
        pass
    return fallback


class MaildirInbox:
    def __init__(self, root: Path) -> None:
        self.root = ensure_maildir(Path(root))
        self.name = f"maildir:{self.root}"

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
                if entry.is_file() and not entry.name.startswith("."):
                    entries.append((entry.stat().st_mtime, sub, entry.name))
        return [f"{sub}/{name}" for _, sub, name in sorted(entries)]

    def fetch(self, keys: list[str]) -> Iterator[RawMail]:
        for key in keys:
            path = self.root / key
            try:
                data = path.read_bytes()
                mtime = datetime.fromtimestamp(path.stat().st_mtime, timezone.utc)
            except FileNotFoundError:  # staff's client moved it from new/ to cur/ meanwhile
                continue
            yield RawMail(mailbox=self.name, key=self.message_key(key), data=data,
                          received_at=received_time(data, mtime))

    @staticmethod
    def message_key(key: str) -> str:
        """Stable across new/ → cur/ moves and flag changes by a mail client: the unique part only."""
        return key.split("/", 1)[-1].split(":", 1)[0]


class MaildirOutbox:
    """Delivery into a Maildir folder; idempotent per outbox row."""

    def __init__(self, root: Path) -> None:
        self.root = ensure_maildir(Path(root))

    def deliver(self, key: int | str, envelope_from: str, to: str, raw: bytes) -> None:
        name = f"{key:010d}.mailbot" if isinstance(key, int) else f"{key}.mailbot"
        target = self.root / "new" / name
        if target.exists():
            return
        tmp = self.root / "tmp" / name
        with open(tmp, "wb") as handle:
            handle.write(raw)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)

    def close(self) -> None:
        pass
