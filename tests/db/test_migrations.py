"""Migrations upgrade an old database with data in it; the daemon refuses an out-of-date schema."""

from datetime import datetime

import pytest
from sqlalchemy import create_engine, event, inspect, text
from sqlalchemy.engine import Engine

from mailbot.schema import current, ensure_current, head, model_changes, upgrade
from tests.servers import run_mailbot

OLD_REPLY = b"From: xjzfbxx@126.com\r\nTo: tianping@126.com\r\nSubject: old\r\n\r\nold reply\r\n"


def old_database_with_data(database_url: str) -> None:
    """The schema of the first release (0001), holding one processed mail and a reply still to send."""
    engine = create_engine(database_url)
    upgrade(engine, "0001")
    now = datetime(2021, 11, 24, 2, 0)
    with engine.begin() as c:
        c.execute(text("INSERT INTO messages (mailbox, key, sha256, message_id, from_address, subject, received_at,"
                       " state, reason, unit, campaign, created_at) VALUES ('maildir:x', 'k1', 'abc', '<m@x>',"
                       " 'tianping@126.com', '田坪乡台账', :t, 'processed', '', '田坪乡', 'xzbh-2021-56', :t)"), {"t": now})
        c.execute(text("INSERT INTO verdicts (receipt, message_id, unit, campaign, tag, late, rules_version,"
                       " rows_expected, rows_answered, status_counts, identity_note, received_at, created_at)"
                       " VALUES ('20211124-00001', 1, '田坪乡', 'xzbh-2021-56', '已受理', false, 'old', 14, 14,"
                       " '{}', 'registered', :t, :t)"), {"t": now})
        c.execute(text("INSERT INTO outbox (message_id, verdict_id, to_address, subject, rfc_message_id, raw, state,"
                       " attempts, last_error, created_at) VALUES (1, 1, 'tianping@126.com', 'old', '<r@x>', :raw,"
                       " 'pending', 0, '', :t)"), {"raw": OLD_REPLY, "t": now})
    engine.dispose()


def test_upgrade_keeps_the_data_and_the_daemon_then_runs(database_url, tmp_path):
    old_database_with_data(database_url)
    refused = run_mailbot(database_url, tmp_path / "var", "run", "--once")
    assert refused.returncode == 2 and "mailbot db upgrade" in refused.stderr
    upgraded = run_mailbot(database_url, tmp_path / "var", "db", "upgrade")
    assert upgraded.returncode == 0 and f"0001 → {head()}" in upgraded.stdout
    engine = create_engine(database_url)
    assert current(engine) == head()
    shown = run_mailbot(database_url, tmp_path / "var", "show", "20211124-00001")
    assert shown.returncode == 0 and "田坪乡 — 已受理" in shown.stdout
    ran = run_mailbot(database_url, tmp_path / "var", "run", "--once")
    assert ran.returncode == 0, ran.stderr
    delivered = list((tmp_path / "var" / "mail" / "outbox" / "new").iterdir())
    assert [p.read_bytes() for p in delivered] == [OLD_REPLY]  # the pending reply of the old release went out
    engine.dispose()


def test_a_new_database_is_created_at_the_newest_schema(database_url, tmp_path):
    result = run_mailbot(database_url, tmp_path / "var", "status")
    assert result.returncode == 0
    engine = create_engine(database_url)
    assert current(engine) == head()
    assert "已是最新" in run_mailbot(database_url, tmp_path / "var", "db", "upgrade").stdout
    engine.dispose()


def test_the_migrations_build_exactly_what_the_models_describe(database_url):
    """A column added to mailbot/models.py without a migration fails here (tools/new_migration.py writes one)."""
    engine = create_engine(database_url)
    upgrade(engine)
    assert model_changes(engine) == []
    engine.dispose()


def test_an_upgrade_that_fails_part_way_leaves_the_database_as_it_was(database_url):
    """A first start killed during the migration must not leave half a schema that nothing can mend
    (on SQLite, Python's driver would have run each CREATE TABLE in its own transaction)."""
    def fail_at_the_last_migration(conn, cursor, statement, *args):
        if statement.lstrip().upper().startswith("CREATE TABLE OVERRIDES"):
            raise RuntimeError("killed here")

    engine = create_engine(database_url)
    event.listen(Engine, "before_cursor_execute", fail_at_the_last_migration)
    try:
        with pytest.raises(RuntimeError, match="killed here"):
            upgrade(engine)
    finally:
        event.remove(Engine, "before_cursor_execute", fail_at_the_last_migration)
    assert inspect(engine).get_table_names() == []
    ensure_current(engine)  # the next start creates the whole schema
    assert current(engine) == head()
    engine.dispose()


def test_processes_starting_together_on_an_empty_database_all_start(database_url, tmp_path):
    """Two workers (or the daemon and a clerk's `mailbot status`) started at the same moment."""
    import concurrent.futures

    engines = [create_engine(database_url) for _ in range(4)]
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        list(pool.map(ensure_current, engines))  # none raises
    assert current(engines[0]) == head()
    for engine in engines:
        engine.dispose()
