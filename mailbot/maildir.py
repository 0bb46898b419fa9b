"""The embedded default transport: a Maildir inbox to read and a Maildir outbox to write.

The inbox belongs to the staff: files are only read, never moved or renamed.
The receive time is the date of the top Received header (added by the last
server), falling back to the file's modification time, then to now, never the
Date header (mailbot/receive_time.py). A file that cannot be read is that mail's
failure, never the inbox's: it is handed on with ``unreadable`` set.
Outbox files are named after the outbox row, so delivering twice is a no-op.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

from mailbot.mail_types import RawMail
from mailbot.receive_time import from_timestamp, maildir_time


def ensure_maildir(root: Path) -> Path:
    for sub in ("tmp", "new", "cur"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    return root


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
                data = path.read_bytes()
                file_time = from_timestamp(path.stat().st_mtime)
            except FileNotFoundError:  # staff's client moved it from new/ to cur/ meanwhile
                continue
            except OSError as exc:  # no permission, an I/O error: this mail's failure, recorded and retried
                yield RawMail(mailbox=self.name, key=self.message_key(key), data=b"", received_at=now,
                              unreadable=f"无法读取邮件文件 {path}：{exc.strerror or exc}")
                continue
            stamp = maildir_time(data, file_time, now)
            yield RawMail(mailbox=self.name, key=self.message_key(key), data=data, received_at=stamp.moment,
                          note=stamp.note)

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
