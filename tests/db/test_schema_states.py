"""Every state a database can be in, as the operator meets it: run, db upgrade, db current, doctor, a running daemon.

A database upgraded by a newer mailbot (the code then rolled back), or one with tables but no
registered revision, is refused in words that say what to do, never with a traceback and never
by touching it; a daemon whose database changes under it stops before answering any more mail.
"""

from __future__ import annotations

import os

import pytest
from sqlalchemy import create_engine, inspect, text
from sqlmodel import SQLModel

from mailbot.schema import SchemaError, current, head, upgrade
from tests.builders import pdfs
from tests.builders.campaign import RULES, filled_ledger
from tests.pipeline.conftest import submission
from tests.servers import environment, run_mailbot, running_mailbot, wait_for


def set_revision(database_url: str, revision: str) -> None:
    engine = create_engine(database_url)
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = :r"), {"r": revision})
    engine.dispose()


def tables(database_url: str) -> list[str]:
    engine = create_engine(database_url)
    try:
        return sorted(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_a_database_upgraded_by_a_newer_mailbot_is_refused_with_what_to_do(database_url, tmp_path):
    """The code was rolled back after `db upgrade`: reinstall that version or restore the backup, not "upgrade"."""
    engine = create_engine(database_url)
    upgrade(engine)
    engine.dispose()
    set_revision(database_url, "0099")
    var = tmp_path / "var"

    ran = run_mailbot(database_url, var, "run", "--once")
    assert ran.returncode == 2 and "Traceback" not in ran.stderr, ran.stderr
    assert "数据库结构版本为 0099" in ran.stderr and "更新版本的 mailbot 升级" in ran.stderr
    assert "重新安装" in ran.stderr and "恢复" in ran.stderr and "再运行：mailbot db upgrade" not in ran.stderr

    upgraded = run_mailbot(database_url, var, "db", "upgrade")
    assert upgraded.returncode == 2 and "Traceback" not in upgraded.stderr, upgraded.stderr
    assert "更新版本的 mailbot 升级" in upgraded.stderr
    engine = create_engine(database_url)
    assert current(engine) == "0099"  # left as it was
    engine.dispose()

    shown = run_mailbot(database_url, var, "db", "current")
    assert shown.returncode == 1 and f"当前：0099　需要：{head()}" in shown.stdout and "重新安装" in shown.stdout

    checked = run_mailbot(database_url, var, "doctor")
    assert checked.returncode == 1 and "✗ 数据库" in checked.stdout and "更新版本的 mailbot 升级" in checked.stdout


def made_before_migrations(database_url: str) -> str:
    """What mailbot made before it had migrations (create_all, no alembic_version)."""
    engine = create_engine(database_url)
    SQLModel.metadata.create_all(engine)
    engine.dispose()
    return "attachments"  # the first of its tables, as the refusal lists them (alphabetically)


def another_programs(database_url: str) -> str:
    engine = create_engine(database_url)
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE customers (id INTEGER PRIMARY KEY, name VARCHAR(40))"))
    engine.dispose()
    return "customers"


@pytest.mark.parametrize("make", [made_before_migrations, another_programs])
def test_tables_without_a_registered_revision_are_refused_and_left_alone(database_url, tmp_path, make):
    found = make(database_url)
    before = tables(database_url)
    var = tmp_path / "var"

    ran = run_mailbot(database_url, var, "run", "--once")
    assert ran.returncode == 2 and "Traceback" not in ran.stderr, ran.stderr
    assert found in ran.stderr and "没有登记结构版本" in ran.stderr and "database_url" in ran.stderr
    assert "db upgrade" not in ran.stderr  # it would only fail on CREATE TABLE

    upgraded = run_mailbot(database_url, var, "db", "upgrade")
    assert upgraded.returncode == 2 and "Traceback" not in upgraded.stderr, upgraded.stderr
    assert found in upgraded.stderr and "没有登记结构版本" in upgraded.stderr
    assert tables(database_url) == before  # nothing created, nothing dropped

    shown = run_mailbot(database_url, var, "db", "current")
    assert shown.returncode == 1 and "当前：（未登记）" in shown.stdout and found in shown.stdout

    checked = run_mailbot(database_url, var, "doctor")
    assert checked.returncode == 1 and "✗ 数据库" in checked.stdout and found in checked.stdout


def test_db_current_exits_0_only_at_the_newest_revision(database_url, tmp_path):
    var = tmp_path / "var"
    missing = run_mailbot(database_url, var, "db", "current")
    assert missing.returncode == 1 and "当前：（未建立）" in missing.stdout and "尚未建立" in missing.stdout
    assert "alembic_version" not in tables(database_url)  # looking created nothing
    assert not (var / "mailbot.db").exists()

    engine = create_engine(database_url)
    upgrade(engine, "0001")
    behind = run_mailbot(database_url, var, "db", "current")
    assert behind.returncode == 1 and "当前：0001" in behind.stdout and "请先备份数据库，再运行：mailbot db upgrade" in \
        behind.stdout

    upgrade(engine)
    engine.dispose()
    now = run_mailbot(database_url, var, "db", "current")
    assert now.returncode == 0 and now.stdout.strip() == f"当前：{head()}　需要：{head()}"


def test_an_upgrade_alembic_cannot_do_is_said_in_chinese(database_url):
    engine = create_engine(database_url)
    with pytest.raises(SchemaError, match="数据库结构未能升级到 9999.*数据库未作改动"):
        upgrade(engine, "9999")
    engine.dispose()


@pytest.mark.parametrize("revision,said", [("0099", "更新版本的 mailbot 升级"), ("0003", "本程序需要")])
def test_a_running_daemon_stops_before_answering_when_the_schema_changes_under_it(database_url, tmp_path, revision,
                                                                                  said):
    """Another host ran a newer `db upgrade`, or an older backup was restored, while this daemon ran: it answers
    no more mail and exits 2, which the systemd unit does not restart."""
    var = tmp_path / "var"
    inbox = var / "mail" / "inbox"
    env = environment(database_url, var, MAILBOT_POLL_INTERVAL_SECONDS="0.3")
    with running_mailbot(env, "--rules", str(RULES), "run") as (daemon, log_file):
        assert wait_for(lambda: (var / "heartbeat").exists(), 120), f"no cycle finished: {log_file.read_text()}"
        set_revision(database_url, revision)
        # built after the change: a cycle checked before it has long listed the inbox when the mail lands
        raw = submission({"台账.xlsx": filled_ledger(), "报告.pdf": pdfs.text_report()})
        (inbox / "tmp" / "1.mx").write_bytes(raw)
        os.replace(inbox / "tmp" / "1.mx", inbox / "new" / "1.mx")
        code = daemon.wait(timeout=30)
    log = log_file.read_text(encoding="utf-8")
    assert code == 2, log
    assert "database schema changed under the running mailbot" in log and said in log
    outbox = var / "mail" / "outbox" / "new"
    assert not outbox.is_dir() or not any(outbox.iterdir())  # the mail was not answered
    engine = create_engine(database_url)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM messages")).scalar() == 0  # nor recorded
    engine.dispose()
