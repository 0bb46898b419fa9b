"""The database schema's version: upgrade with Alembic, refuse to run on any schema but this code's.

A database is in one of five states (:class:`SchemaState`): empty (created at the newest revision at
once), current, behind (an older release's: `mailbot db upgrade`), newer (upgraded by a newer mailbot,
then the code was rolled back: reinstall that version or restore the backup) or unregistered (tables
but no revision: another program's, or made before migrations existed; never touched).
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import create_engine, event, inspect, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.pool import NullPool
from sqlmodel import SQLModel

import mailbot.models  # noqa: F401  (registers every table on SQLModel.metadata)

log = logging.getLogger("mailbot.schema")
MIGRATIONS = Path(__file__).resolve().parent / "migrations"
MIGRATION_LOCK = 0x6D61696C626F74  # "mailbot": one migration at a time on a shared PostgreSQL
VERSION_TABLE = "alembic_version"


class SchemaError(Exception):
    """The database schema is not the one this mailbot needs; the message says what to do."""


def _config(engine: Engine | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if engine is not None:
        config.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False).replace("%", "%%"))
    return config


@functools.cache
def _scripts() -> ScriptDirectory:
    """The migrations this code ships, read from disk once: the daemon asks for the head every cycle."""
    return ScriptDirectory.from_config(_config())


def head() -> str:
    """The newest revision this code has (the database is not asked)."""
    return _scripts().get_current_head()


def current(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


@dataclass(frozen=True)
class SchemaState:
    """Where a database stands against this code's migrations."""

    revisions: tuple[str, ...]  # what alembic_version holds (empty: no version registered)
    head: str
    known: bool  # every one of them is a migration this code has
    tables: tuple[str, ...]  # the tables besides alembic_version

    @property
    def kind(self) -> str:
        if not self.revisions:
            return "unregistered" if self.tables else "empty"
        if self.revisions == (self.head,):
            return "current"
        return "behind" if self.known else "newer"

    @property
    def revision(self) -> str | None:
        return "、".join(self.revisions) or None

    def problem(self) -> str | None:
        """What stops mailbot from using this database and what to do, in one line; None when it may."""
        kind = self.kind
        if kind == "behind":
            return (f"数据库结构版本为 {self.revision}，本程序需要 {self.head}。"
                    "请先备份数据库，再运行：mailbot db upgrade")
        if kind == "newer":
            return (f"数据库结构版本为 {self.revision}，比本程序需要的 {self.head} 新：数据库已由更新版本的 mailbot 升级。"
                    "请重新安装那个较新的版本，或者恢复 db upgrade 之前所做的备份（见部署说明第 4.1 节）")
        if kind == "unregistered":
            shown = "、".join(self.tables[:6]) + (f" 等 {len(self.tables)} 个" if len(self.tables) > 6 else "")
            return (f"数据库中已有数据表（{shown}），但没有登记结构版本（{VERSION_TABLE}）："
                    "它属于其他程序，或建于 mailbot 使用结构版本之前。为免损坏数据，mailbot 不使用也不改动它。"
                    "请核对设置中的 database_url：应指向空数据库，或由 mailbot 建立的数据库")
        return None


def _state(connection: Connection) -> SchemaState:
    revisions = MigrationContext.configure(connection).get_current_heads()
    scripts = _scripts()
    known = {script.revision for script in scripts.walk_revisions()}
    tables = tuple(sorted(t for t in inspect(connection).get_table_names() if t != VERSION_TABLE))
    return SchemaState(tuple(revisions), scripts.get_current_head(), set(revisions) <= known, tables)


def state(engine: Engine) -> SchemaState:
    """Read the database's state; changes nothing (a SQLite file is created by connecting, though)."""
    with engine.connect() as connection:
        return _state(connection)


def state_at(url: str) -> SchemaState | None:
    """The state of the database at ``url``; None for a SQLite file not made yet (looking must not make it)."""
    if url.startswith("sqlite:///") and not Path(url.removeprefix("sqlite:///")).exists():
        return None
    engine = create_engine(url, poolclass=NullPool)
    try:
        return state(engine)
    finally:
        engine.dispose()


def changed_under_us(engine: Engine) -> str | None:
    """Why this running code must stop using the database, or None while it is still at head.

    Cheap enough for every cycle: the version table is read, the rest only when it differs."""
    with engine.connect() as connection:
        if MigrationContext.configure(connection).get_current_heads() == (head(),):
            return None
        now = _state(connection)
    if now.kind == "current":
        return None
    return now.problem() or f"数据库已被清空或更换（未登记结构版本，也没有数据表），本程序需要 {now.head}"


def upgrade(engine: Engine, revision: str = "head") -> tuple[str | None, str]:
    """Upgrade to ``revision`` in one transaction, so that a kill part way leaves the old schema.

    A newer or unregistered schema is refused (SchemaError) before Alembic touches it: it would fail
    on a revision it cannot find, or on CREATE TABLE over the tables there. Returns (before, after)."""
    with _ddl_transaction(engine) as connection:
        found = _state(connection)
        if found.kind in ("newer", "unregistered"):
            raise SchemaError(found.problem())
        config = _config(engine)
        config.attributes["connection"] = connection
        try:
            command.upgrade(config, revision)
        except CommandError as exc:
            raise SchemaError(f"数据库结构未能升级到 {revision}（{exc}），数据库未作改动。"
                              "请把这段信息告知 mailbot 的维护人员") from exc
    before, after = found.revision, current(engine)
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
    number = f"{int(head()) + 1:04d}"
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        script = command.revision(config, message=message, autogenerate=True, rev_id=number)
    _scripts.cache_clear()  # there is a new head now
    return script.path


def ensure_current(engine: Engine) -> None:
    """Create an empty database at head; refuse any other schema but head, saying what to do."""
    found = state(engine)
    if found.kind == "empty":
        upgrade(engine)  # serialised: a process that started at the same moment finds it done
        return
    if (problem := found.problem()) is not None:
        raise SchemaError(problem)
