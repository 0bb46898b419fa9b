"""The database schema's version: upgrade with Alembic, refuse to run on an out-of-date one.

A brand-new empty database (the embedded default on first start) is created at the newest
revision at once; a database with tables but an older revision is left alone and the daemon
says what to run: `mailbot db upgrade`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, event, inspect, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.pool import NullPool
from sqlmodel import SQLModel

import mailbot.models  # noqa: F401  (registers every table on SQLModel.metadata)

log = logging.getLogger("mailbot.schema")
MIGRATIONS = Path(__file__).resolve().parent / "migrations"
MIGRATION_LOCK = 0x6D61696C626F74  # "mailbot": one migration at a time on a shared PostgreSQL


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
    """Upgrade to ``revision`` in one transaction, so that a kill part way leaves the old schema.

    Returns (before, after)."""
    before = current(engine)
    with _ddl_transaction(engine) as connection:
        config = _config(engine)
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
    after = current(engine)
    if after != before:
        log.info("database schema %s -> %s", before or "(empty)", after)
    return before, after


@contextmanager
def _ddl_transaction(engine: Engine) -> Iterator[Connection]:
    """A transaction that holds DDL too, one process at a time. PostgreSQL's do (an advisory
    lock serialises them; whoever comes second finds the work done); Python's sqlite3 runs CREATE TABLE
    outside any transaction unless told not to manage them (SQLAlchemy's pysqlite recipe), and a
    first start killed during the migration then left half a schema that no command could mend."""
    if engine.dialect.name != "sqlite":
        with engine.begin() as connection:
            if engine.dialect.name == "postgresql":
                connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
            yield connection
        return
    own = create_engine(engine.url, poolclass=NullPool, connect_args={"timeout": 30})

    @event.listens_for(own, "connect")
    def _manual(dbapi_connection, _record) -> None:
        dbapi_connection.isolation_level = None

    @event.listens_for(own, "begin")
    def _begin(connection) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    try:
        with own.begin() as connection:
            yield connection
    finally:
        own.dispose()


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
        upgrade(engine)  # serialised: a process that started at the same moment finds it done
        return
    now, newest = current(engine), head(engine)
    if now != newest:
        raise SchemaError(f"数据库结构版本为 {now or '（未登记）'}，本程序需要 {newest}。"
                          f"请先备份数据库，再运行：mailbot db upgrade")
