"""A SQLite database damaged the way a disk fault or a copy taken mid-write leaves it: its structure (the
schema and the version table) still reads, the pages of some tables do not."""

from __future__ import annotations

import sqlite3
from pathlib import Path


def damage_tables(path: Path, tables: tuple[str, ...] = ("messages", "verdicts", "outbox", "flags")) -> None:
    """Overwrite the root pages of ``tables`` with garbage; page 1 (the schema) and the rest stay intact."""
    with sqlite3.connect(path) as connection:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        size = connection.execute("PRAGMA page_size").fetchone()[0]
        marks = ",".join("?" * len(tables))
        pages = [row[0] for row in connection.execute(
            f"SELECT rootpage FROM sqlite_master WHERE type = 'table' AND name IN ({marks})", tables)]
    connection.close()
    data = bytearray(path.read_bytes())
    for page in pages:
        assert page > 1, "page 1 holds the schema"
        data[(page - 1) * size:page * size] = b"\xa5" * size
    path.write_bytes(bytes(data))
