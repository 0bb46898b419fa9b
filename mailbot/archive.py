"""The raw archive: every received message and attachment, by sha256, never deleted by mailbot.

Written before anything else is tried, so no parser crash or bug can lose a
message. Content-addressed files make writing idempotent: a retry writes the
same path again.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO


CHUNK = 1024 * 1024
HEAD_BYTES = 256 * 1024  # a mail's header block is looked for here


def read_head(path: Path) -> bytes:
    """The header block of the mail stored at ``path`` (up to the first blank line, at most HEAD_BYTES)."""
    with open(path, "rb") as handle:
        start = handle.read(HEAD_BYTES)
    for end in (b"\r\n\r\n", b"\n\n"):
        if end in start:
            return start.split(end, 1)[0] + end
    return start


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
        if self.path(sha).exists():
            return sha

        def write(handle: BinaryIO) -> str:
            handle.write(data)
            return sha

        return self._written(write)

    def put_file(self, source: Path) -> str:
        """Archive a file without holding it in memory (a mail over the size limit): hashed while copied."""

        def copy(handle: BinaryIO) -> str:
            digest = hashlib.sha256()
            with open(source, "rb") as reader:
                while chunk := reader.read(CHUNK):
                    digest.update(chunk)
                    handle.write(chunk)
            return digest.hexdigest()

        return self._written(copy)

    def _written(self, fill: Callable[[BinaryIO], str]) -> str:
        """A file written whole or not at all: ``fill`` writes a temporary file and names the sha256 it is kept under."""
        self.root.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.root, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as handle:
                sha = fill(handle)
                handle.flush()
                os.fsync(handle.fileno())
            target = self.path(sha)
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return sha

    def head(self, sha256: str) -> bytes:
        """The stored mail's header block only (for a mail over the size limit); ArchiveMissing when absent."""
        try:
            return read_head(self.path(sha256))
        except FileNotFoundError:
            raise ArchiveMissing(sha256, self.path(sha256)) from None

    def get(self, sha256: str) -> bytes:
        """The stored bytes; ArchiveMissing when they are not there (never a bare FileNotFoundError)."""
        try:
            return self.path(sha256).read_bytes()
        except FileNotFoundError:
            raise ArchiveMissing(sha256, self.path(sha256)) from None
