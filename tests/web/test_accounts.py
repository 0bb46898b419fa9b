"""Console accounts from the shell (`mailbot user …`) and the login that a guesser cannot hammer, on both databases."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from mailbot import accounts
from mailbot.audit import Actor
from mailbot.models import UserRecord
from mailbot.schema import ensure_current
from mailbot.store import Store
from tests.servers import run_mailbot

NOW = datetime(2021, 11, 24, 9, 0, tzinfo=timezone.utc)


@pytest.fixture
def store(database_url):
    store = Store(database_url)
    ensure_current(store.engine)
    yield store
    store.close()


def test_user_commands_as_an_administrator_uses_them(database_url, tmp_path):
    var = tmp_path
    added = run_mailbot(database_url, var, "user", "add", "王雪倩", "--role", "admin", "--password-env", "PW",
                        PW="长长的密码 2021")
    assert added.returncode == 0 and "已新建管理员账号 王雪倩" in added.stdout, added.stderr
    twice = run_mailbot(database_url, var, "user", "add", "王雪倩", "--role", "staff", "--password-env", "PW", PW="x" * 9)
    assert twice.returncode == 2 and "已有用户 王雪倩" in twice.stderr
    short = run_mailbot(database_url, var, "user", "add", "li", "--role", "staff", "--password-env", "PW", PW="short")
    assert short.returncode == 2 and "密码至少 8 位" in short.stderr
    no_terminal = run_mailbot(database_url, var, "user", "add", "li", "--role", "staff")
    assert no_terminal.returncode == 2 and "--password-env" in no_terminal.stderr and "Traceback" not in no_terminal.stderr
    assert run_mailbot(database_url, var, "user", "disable", "王雪倩", "--by", "张三").returncode == 0
    assert "王雪倩\t管理员\t已停用" in run_mailbot(database_url, var, "user", "list").stdout
    audit = run_mailbot(database_url, var, "audit").stdout
    assert "张三（命令行）  停用账号  王雪倩" in audit and "新建账号  王雪倩  新建管理员账号 王雪倩" in audit


def test_passwords_are_stored_as_argon2id_hashes(store):
    accounts.add_user(store, "li", "staff", "一个足够长的密码", Actor("admin"), NOW)
    with store.session() as session:
        stored = session.get(UserRecord, 1).password_hash
    assert stored.startswith("$argon2id$") and "一个足够长的密码" not in stored


def test_a_reset_or_a_disabling_ends_the_sessions_of_the_account(store):
    account = accounts.add_user(store, "li", "staff", "first password", Actor("admin"), NOW)
    assert accounts.current(store, account.id, account.generation) is not None
    accounts.reset_password(store, "li", "second password", Actor("admin"), NOW)
    assert accounts.current(store, account.id, account.generation) is None
    again = accounts.log_in(store, "li", "second password", "10.0.0.1", NOW).account
    assert accounts.current(store, again.id, again.generation) is not None
    accounts.set_active(store, "li", False, Actor("admin"), NOW)
    assert accounts.current(store, again.id, again.generation) is None
    assert accounts.log_in(store, "li", "second password", "10.0.0.1", NOW).account is None


def test_failed_logins_are_counted_in_the_database_for_every_process(store, database_url):
    accounts.add_user(store, "li", "staff", "the right one", Actor("admin"), NOW)
    for n in range(accounts.FAILURES_PER_NAME):
        assert accounts.log_in(store, "li", f"guess {n}", "10.0.0.9", NOW).refused.startswith("用户名或密码不正确")
    other_process = Store(database_url)  # another console process, or this one after a restart
    try:
        refused = accounts.log_in(other_process, "LI", "the right one", "10.0.0.1", NOW + timedelta(minutes=1))
        assert refused.account is None and "登录失败次数过多" in refused.refused
        later = NOW + accounts.WINDOW + timedelta(minutes=2)
        assert accounts.log_in(other_process, "li", "the right one", "10.0.0.1", later).account is not None
    finally:
        other_process.close()


def test_one_address_guessing_many_names_is_stopped(store):
    accounts.add_user(store, "li", "staff", "the right one", Actor("admin"), NOW)
    for n in range(accounts.FAILURES_PER_ADDRESS):
        accounts.log_in(store, f"name{n}", "guess", "10.0.0.66", NOW)
    assert accounts.log_in(store, "li", "the right one", "10.0.0.66", NOW).account is None
    assert accounts.log_in(store, "li", "the right one", "10.0.0.1", NOW).account is not None
