"""The daemon's heartbeat: the end of its last good cycle, written by `mailbot run`, read by `mailbot health`.

One small file under the state folder (not the database: the database may be what is down), written
whole or not at all, so a reader never sees half a line.
"""

from __future__ import annotations

import os
from datetime import datetime, timezone
from pathlib import Path


def heartbeat_path(var_dir: Path) -> Path:
    return var_dir / "heartbeat"


def beat(path: Path, now: datetime) -> None:
    """Record ``now`` (UTC, ISO 8601); raises OSError when the file cannot be written."""
    written = path.with_name(path.name + ".tmp")
    path.parent.mkdir(parents=True, exist_ok=True)
    written.write_text(now.astimezone(timezone.utc).isoformat() + "\n", encoding="utf-8")
    os.replace(written, path)


def last_beat(path: Path) -> datetime:
    """When the daemon last finished a cycle; FileNotFoundError before its first, ValueError for a damaged file."""
    beat_at = datetime.fromisoformat(path.read_text(encoding="utf-8").strip())
    return beat_at if beat_at.tzinfo else beat_at.replace(tzinfo=timezone.utc)
