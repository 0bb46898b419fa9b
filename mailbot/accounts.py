"""Console accounts: who may log in, as staff or as administrator, and a login a guesser cannot hammer.

Passwords are stored as argon2id hashes (argon2-cffi is imported here only). Failed logins are
counted in the database, per name and per client address, so the limit holds for every process
serving the console and across restarts; a success clears the count for that name and address.
A password reset or a disabling raises the account's ``generation``, which ends its open sessions.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from mailbot import queries as q
from mailbot.audit import Actor, note
from mailbot.models import LoginAttemptRecord, UserRecord
from mailbot.store import Store, try_commit

ROLES = {"staff": "工作人员", "admin": "管理员"}
MIN_PASSWORD = 8
MAX_PASSWORD = 256
MAX_NAME = 64
FAILURES_PER_NAME = 5  # then the name is refused for the rest of the window
FAILURES_PER_ADDRESS = 20  # one address guessing many names
WINDOW = timedelta(minutes=15)
_HASHER = PasswordHasher()
_DUMMY = _HASHER.hash("not a password of anyone")  # a login for no such user costs what a real one costs


class AccountError(Exception):
    """The account change cannot be made; the message says why, in Chinese."""


@dataclass(frozen=True)
class Account:
    id: int
    name: str
    role: str
    active: bool
    generation: int
    created_at: datetime

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def role_label(self) -> str:
        return ROLES.get(self.role, self.role)

    @classmethod
    def of(cls, row: UserRecord) -> Account:
        return cls(row.id, row.name, row.role, row.active, row.generation, row.created_at)


@dataclass(frozen=True)
class Login:
    account: Account | None
    refused: str = ""  # why not, in Chinese, as the login page says it


def password_problem(password: str) -> str:
    """Why a new password is not acceptable, or ""."""
    if len(password) < MIN_PASSWORD:
        return f"密码至少 {MIN_PASSWORD} 位"
    if len(password) > MAX_PASSWORD:
        return f"密码最多 {MAX_PASSWORD} 位"
    if not password.strip():
        return "密码不能全是空格"
    return ""


def _name_problem(name: str) -> str:
    if not name or len(name) > MAX_NAME or any(c.isspace() or not c.isprintable() for c in name):
        return f"用户名须为 1 至 {MAX_NAME} 个字符，不含空格，如 wangxq 或 王雪倩"
    return ""


def add_user(store: Store, name: str, role: str, password: str, actor: Actor, now: datetime) -> Account:
    if role not in ROLES:
        raise AccountError(f"角色只能是 {' 或 '.join(ROLES)}（{'、'.join(f'{k}：{v}' for k, v in ROLES.items())}）")
    problem = _name_problem(name) or password_problem(password)
    if problem:
        raise AccountError(problem)
    with store.session() as session:
        if q.user_by_name(session, name) is not None:
            raise AccountError(f"已有用户 {name}；要换密码请用 mailbot user reset {name}")
        row = UserRecord(name=name, role=role, password_hash=_HASHER.hash(password), created_at=now)
        session.add(row)
        note(session, actor, "user.add", name, f"新建{ROLES[role]}账号 {name}", now)
        if not try_commit(session):  # added by someone else at this moment
            raise AccountError(f"已有用户 {name}")
        return Account.of(row)


def _change(store: Store, name: str, actor: Actor, now: datetime, action: str, detail: str, change) -> Account:
    with store.session() as session:
        row = q.user_by_name(session, name)
        if row is None:
            raise AccountError(f"没有用户 {name}（mailbot user list 列出全部用户）")
        change(row)
        session.add(row)
        note(session, actor, action, name, detail, now)
        session.commit()
        return Account.of(row)


def set_active(store: Store, name: str, active: bool, actor: Actor, now: datetime) -> Account:
    """Disable (ending its sessions) or enable again; the account and its history stay."""
    def change(row: UserRecord) -> None:
        if not active:
            row.generation += 1
        row.active = active
    return _change(store, name, actor, now, "user.enable" if active else "user.disable",
                   f"{'启用' if active else '停用'}账号 {name}", change)


def reset_password(store: Store, name: str, password: str, actor: Actor, now: datetime) -> Account:
    """A new password; the account's open sessions end."""
    if problem := password_problem(password):
        raise AccountError(problem)

    def change(row: UserRecord) -> None:
        row.password_hash = _HASHER.hash(password)
        row.generation += 1
    return _change(store, name, actor, now, "user.reset", f"重设账号 {name} 的密码", change)


def list_users(store: Store) -> list[Account]:
    with store.session() as session:
        return [Account.of(row) for row in q.users(session)]


def current(store: Store, user_id: int, generation: int) -> Account | None:
    """The account a session names, while it is active and its password unchanged since the login."""
    with store.session() as session:
        row = session.get(UserRecord, user_id)
        if row is None or not row.active or row.generation != generation:
            return None
        return Account.of(row)


def log_in(store: Store, name: str, password: str, address: str, now: datetime) -> Login:
    """Check a login and record the attempt. Too many failures for the name (or from the address) in
    the window refuse even the right password, so guessing cannot go on in the background."""
    name = name.strip()[:MAX_NAME]
    key = name.lower()
    with store.session() as session:
        by_name, by_address = q.login_failures(session, key, address, now - WINDOW)
        if by_name >= FAILURES_PER_NAME or by_address >= FAILURES_PER_ADDRESS:
            _attempt(session, key, address, False, now)
            minutes = int(WINDOW.total_seconds() // 60)
            return Login(None, f"登录失败次数过多，已暂停登录，请 {minutes} 分钟后再试；忘记密码请找管理员重设")
        row = q.user_by_name(session, name)
        ok = _verify(row.password_hash if row else _DUMMY, password) and row is not None and row.active
        if ok and _HASHER.check_needs_rehash(row.password_hash):  # parameters raised since it was set
            row.password_hash = _HASHER.hash(password)
            session.add(row)
        _attempt(session, key, address, ok, now)
        if not ok:
            return Login(None, "用户名或密码不正确（账号停用时也无法登录）")
        return Login(Account.of(row))


def _verify(hashed: str, password: str) -> bool:
    try:
        return _HASHER.verify(hashed, password[:MAX_PASSWORD * 4])
    except (VerificationError, InvalidHashError):
        return False


def _attempt(session, key: str, address: str, ok: bool, now: datetime) -> None:
    q.forget_login_attempts(session, now - 4 * WINDOW)
    session.add(LoginAttemptRecord(name=key, address=address[:64], ok=ok, created_at=now))
    session.commit()
