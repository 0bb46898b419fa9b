"""The raw archive: every received message and attachment, by sha256, never deleted by mailbot.

Written before anything else is tried, so no parser crash or bug can lose a
message. Content-addressed files make writing idempotent: a retry writes the
same path again.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path


class ArchiveMissing(Exception):
    """A file the database records is not in the archive: restored without it, or its disk is not mounted."""

    def __init__(self, sha256: str, path: Path) -> None:
        super().__init__(f"原始存档中缺少 {path}（数据库中有记录）：恢复备份时请一并恢复存档目录，"
                         f"或检查存档所在的磁盘是否已挂载")
        self.sha256 = sha256
        self.path = path


class Archive:
    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def path(self, sha256: str) -> Path:
        return self.root / sha256[:2] / sha256

    def put(self, data: bytes) -> str:
        sha = hashlib.sha256(data).hexdigest()
        target = self.path(sha)
        if target.exists():
            return sha
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return sha

    def get(self, sha256: str) -> bytes:
        """The stored bytes; ArchiveMissing when they are not there (never a bare FileNotFoundError)."""
        try:
            return self.path(sha256).read_bytes()
        except FileNotFoundError:
            raise ArchiveMissing(sha256, self.path(sha256)) from None
