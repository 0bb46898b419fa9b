"""The database schema's version: upgrade with Alembic, refuse to run on an out-of-date one.

A brand-new empty database (the embedded default on first start) is created at the newest
revision at once; a database with tables but an older revision is left alone and the daemon
says what to run: `mailbot db upgrade`.
"""

from __future__ import annotations

import logging
from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel

import mailbot.models  # noqa: F401  (registers every table on SQLModel.metadata)

log = logging.getLogger("mailbot.schema")
MIGRATIONS = Path(__file__).resolve().parent / "migrations"


class SchemaError(Exception):
    """The database schema is not the one this mailbot needs; the message says what to do."""


def _config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False).replace("%", "%%"))
    return config


def head(engine: Engine) -> str:
    return ScriptDirectory.from_config(_config(engine)).get_current_head()


def current(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> tuple[str | None, str]:
    """Upgrade to ``revision``; returns (before, after)."""
    before = current(engine)
    with engine.begin() as connection:
        config = _config(engine)
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
    after = current(engine)
    if after != before:
        log.info("database schema %s -> %s", before or "(empty)", after)
    return before, after


def model_changes(engine: Engine) -> list:
    """What mailbot.models says that the migrations do not build (empty when they agree)."""
    with engine.connect() as connection:
        return compare_metadata(MigrationContext.configure(connection), SQLModel.metadata)


def new_revision(engine: Engine, message: str) -> str:
    """Write the next migration (0004_…) from the models' changes; ``engine`` must be at head."""
    config = _config(engine)
    number = f"{int(head(engine)) + 1:04d}"
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        script = command.revision(config, message=message, autogenerate=True, rev_id=number)
    return script.path


def ensure_current(engine: Engine) -> None:
    """Create an empty database at head; refuse an older or unknown schema."""
    if not inspect(engine).get_table_names():
        upgrade(engine)
        return
    now, newest = current(engine), head(engine)
    if now != newest:
        raise SchemaError(f"数据库结构版本为 {now or '（未登记）'}，本程序需要 {newest}。"
                          f"请先备份数据库，再运行：mailbot db upgrade")
