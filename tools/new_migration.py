"""Write the next schema migration after changing mailbot/models.py.

    .venv/bin/python -m tools.new_migration "what changed"

Builds a throwaway SQLite database at the newest revision, compares it with the models and
writes mailbot/migrations/versions/NNNN_….py. Read and edit it before committing: Alembic
does not see renames, and data moves are yours to write. tests/db/test_migrations.py fails
while the models and the migrations disagree.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from sqlalchemy import create_engine

from mailbot.schema import model_changes, new_revision, upgrade


def main(message: str) -> int:
    with tempfile.TemporaryDirectory() as folder:
        engine = create_engine(f"sqlite:///{Path(folder) / 'head.db'}")
        upgrade(engine)
        if not model_changes(engine):
            print("mailbot/models.py and the migrations agree: nothing to write.")
            return 1
        print(f"written: {new_revision(engine, message)}")
        engine.dispose()
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    sys.exit(main(sys.argv[1]))
