"""The database: open it, and how several workers share it (claims, locks, reservations, once-only work).

SQLite by default; any SQLAlchemy URL works. Sessions are short and explicit:
the pipeline writes a verdict, its findings and its reply in one transaction.
What the steps ask of the database is in :mod:`mailbot.queries`.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import struct
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import event, make_url, text
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlmodel import Session, create_engine, select

from mailbot import queries
from mailbot.models import DONE_STATES, MessageRecord, OnceRecord, OutboxRecord


DatabaseError = DBAPIError  # what a command catches when the database cannot be reached or written
RESTORE = "请停止 mailbot（systemctl stop mailbot），按部署说明第 5.2 节从最近的备份恢复数据库，恢复前不要再运行 mailbot run"
_DAMAGE = (  # the driver's words → what is wrong and what to do
    (("malformed", "not a database", "file is encrypted", "corrupt"), "数据库已损坏（{reason}）：" + RESTORE),
    (("readonly database", "read-only", "permission denied", "unable to open database file"),
     "无法写入或打开数据库文件（{reason}）：请检查数据库文件及其所在目录的属主和权限（应归 mailbot 用户）"),
    (("disk is full", "no space left"), "数据库所在磁盘已满（{reason}）：请清理或扩容后再运行"),
)


def explain(exc: BaseException) -> str:
    """A database failure in one line for an administrator: what is wrong and what to do (the driver's reason
    included, never the exception's class or a password)."""
    reason = " ".join(str(getattr(exc, "orig", None) or exc).split())[:300]
    for words, text in _DAMAGE:
        if any(word in reason.lower() for word in words):
            return text.format(reason=reason)
    return f"无法连接数据库：{reason}。请检查设置中的 database_url 和数据库服务"


def shown_url(url: str) -> str:
    """The database URL as it may be printed: the password masked."""
    return make_url(url).render_as_string(hide_password=True)


class Store:
    def __init__(self, url: str) -> None:
        if url.startswith("sqlite:///"):
            Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        if url.startswith("sqlite"):
            self.engine = create_engine(url, connect_args={"timeout": 30})
            event.listen(self.engine, "connect", _sqlite_pragmas)
        else:  # a pooled connection may have died with a server restart: test it before use
            self.engine = create_engine(url, pool_pre_ping=True)

    @contextmanager
    def session(self) -> Iterator[Session]:
        with Session(self.engine, expire_on_commit=False) as session:
            yield session

    @contextmanager
    def reservations(self) -> Iterator[Reservations]:
        """Which mails this worker prepares in this cycle (see :class:`Reservations`)."""
        if self.engine.dialect.name == "postgresql":
            with self.engine.connect() as connection:
                locks = _AdvisoryLocks(connection)
                try:
                    yield Reservations(locks, self)
                finally:
                    locks.close()
        elif self.engine.url.database and self.engine.url.database != ":memory:":
            with open(f"{self.engine.url.database}.reservations", "a+b") as file:  # closing it unlocks all
                yield Reservations(_FileLocks(file.fileno()), self)
        else:
            yield Reservations(None, self)

    def close(self) -> None:
        self.engine.dispose()


class Reservations:
    """Which worker reads and parses which mail, before anyone claims it.

    Parsing is most of a mail's cost, and the claim (:func:`claim_message`) comes after it: without
    this, two workers would both parse every mail and a second worker would add nothing. A
    reservation is a lock that dies with its worker (no stale lease after a crash): on PostgreSQL a
    session advisory lock, on SQLite a byte-range lock on ``<database>.reservations`` (the workers of
    one SQLite file share its machine). A mail another worker has finished meanwhile is not parsed again.
    """

    def __init__(self, locks: _AdvisoryLocks | _FileLocks | None, store: Store) -> None:
        self.locks, self.store = locks, store

    def take(self, mailbox: str, key: str) -> bool:
        name = f"mail/{mailbox}/{key}"
        if self.locks is not None and not self.locks.try_lock(name):
            return False
        with self.store.session() as session:
            state = queries.message_state(session, mailbox, key)
        if state in DONE_STATES:
            self.release(mailbox, key)
            return False
        return True

    def release(self, mailbox: str, key: str) -> None:
        if self.locks is not None:
            self.locks.unlock(f"mail/{mailbox}/{key}")


class _AdvisoryLocks:
    def __init__(self, connection) -> None:
        self.connection = connection

    def try_lock(self, name: str) -> bool:
        locked = self.connection.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": _lock_key(name)}).scalar()
        self.connection.commit()
        return bool(locked)

    def unlock(self, name: str) -> None:
        self.connection.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": _lock_key(name)})
        self.connection.commit()

    def close(self) -> None:
        try:
            self.connection.execute(text("SELECT pg_advisory_unlock_all()"))
            self.connection.commit()
        except DBAPIError:  # the connection died, and its locks with it
            self.connection.invalidate()


class _FileLocks:
    """One byte per name (its hash, in a 2^40 range) of a file; the kernel drops them when the process exits.

    Open-file-description locks (Linux) where there are: they belong to this open file, not to the whole
    process, so the daemon's scan lane (:mod:`mailbot.scan_lane`), which keeps its own reservations
    open across cycles, neither loses its locks when a cycle closes its file (as classic POSIX locks
    would) nor shares them with the cycle."""

    def __init__(self, fd: int) -> None:
        self.fd = fd

    def try_lock(self, name: str) -> bool:
        try:
            self._set(fcntl.F_WRLCK, name)
        except OSError:  # EAGAIN/EACCES: another worker holds it
            return False
        return True

    def unlock(self, name: str) -> None:
        self._set(fcntl.F_UNLCK, name)

    def _set(self, kind: int, name: str) -> None:
        start = _lock_key(name) % 2**40
        if hasattr(fcntl, "F_OFD_SETLK"):  # struct flock: type, whence, start, len, pid (0 for OFD locks)
            fcntl.fcntl(self.fd, fcntl.F_OFD_SETLK, struct.pack("hhqqi4x", kind, os.SEEK_SET, start, 1, 0))
        else:
            fcntl.lockf(self.fd, (fcntl.LOCK_UN if kind == fcntl.F_UNLCK else fcntl.LOCK_EX | fcntl.LOCK_NB), 1, start)


@event.listens_for(Session, "before_flush")
def _without_nul(session, _context, _instances) -> None:
    """PostgreSQL's text cannot hold NUL (U+0000), SQLite's can: text from a mail (a subject, a CSV cell echoed
    in a finding) with one failed the mail on PostgreSQL on every retry. One rule for both, for every table:
    NUL is dropped from text as it is stored (the raw archive keeps the bytes)."""
    for record in (*session.new, *session.dirty):
        table = getattr(record, "__table__", None)
        for column in table.columns if table is not None else ():
            value = getattr(record, column.key, None)
            if isinstance(value, str) and "\x00" in value:
                setattr(record, column.key, value.replace("\x00", ""))


def _sqlite_pragmas(connection, _record) -> None:
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")  # readers (status) never block the daemon
    cursor.execute("PRAGMA synchronous=FULL")  # a committed verdict survives a power cut
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def commit_once(session: Session, key: str) -> bool:
    """Commit the session's work only if no worker has done ``key`` before; False (and nothing
    committed) when one has. For work that every worker's scheduler starts but one must do."""
    session.add(OnceRecord(key=key))
    return try_commit(session)


def try_commit(session: Session) -> bool:
    """Commit; False (rolled back) when a unique key says another worker wrote the same first."""
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        return False
    return True


def claim_message(session: Session, message_id: int) -> MessageRecord | None:
    """Lock the mail for this worker until commit; None when another worker holds it or it is done."""
    begin_write(session)
    return session.exec(select(MessageRecord).where(MessageRecord.id == message_id,
                                                    MessageRecord.state.in_(("new", "failed")))
                        .with_for_update(skip_locked=True)).first()


def claim_outbox(session: Session, outbox_id: int) -> OutboxRecord | None:
    """Lock a pending reply for sending; None when another worker is sending it or it went out."""
    begin_write(session)
    return session.exec(select(OutboxRecord).where(OutboxRecord.id == outbox_id, OutboxRecord.state == "pending")
                        .with_for_update(skip_locked=True)).first()


def begin_write(session: Session) -> None:
    """Start a transaction that reads and then writes (a claim, an override, a replayed verdict).

    SQLite has no row locks and ignores FOR UPDATE: the transaction starts with BEGIN IMMEDIATE,
    which takes the database's write lock (waiting for it), so a second worker or a CLI command waits
    for the first one's commit and then finds the row done. Nothing is written to take it (a no-op
    UPDATE did the same at ~2 ms a claim). Without it, what was checked (no newer verdict, the row
    still pending) could change before it is written, as the daemon commits in between. PostgreSQL:
    nothing here; row locks (SELECT … FOR UPDATE SKIP LOCKED) and advisory locks do that work."""
    if session.get_bind().dialect.name == "sqlite":
        session.connection().exec_driver_sql("BEGIN IMMEDIATE")


def lock(session: Session, name: str) -> None:
    """Serialise work on ``name`` (a unit's dossier, a mail's sha256) until commit.

    PostgreSQL: an advisory transaction lock. SQLite: nothing to do, the claim holds the write lock.
    Two workers judging two mails of one unit would otherwise each miss the other's file, and two
    copies of one mail claimed at once would each be answered.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _lock_key(name)})


def _lock_key(name: str) -> int:
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


