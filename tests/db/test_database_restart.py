"""PostgreSQL restarts or goes away for a while (an upgrade, a reboot of its host) while mailbot runs."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from mailbot.daemon import build_daemon
from mailbot.settings import Settings
from tests.builders import pdfs
from tests.builders.campaign import Filling, filled_ledger
from tests.pipeline.conftest import Office, on_time, submission
from tests.servers import Postgres, postgres_bin


@pytest.fixture
def own_cluster():
    """A cluster of this test's own: restarting the session's shared one would cut other tests off."""
    if postgres_bin() is None:
        pytest.skip("needs Debian's postgresql (.ci/run installs it)")
    cluster = Postgres()
    cluster.start()
    yield cluster
    cluster.cleanup()


def test_the_next_mail_after_a_database_restart_is_processed_without_a_failed_cycle(own_cluster, rules, tmp_path):
    settings = Settings(var_dir=tmp_path / "var", rules_dir=Path("rules"), database_url=own_cluster.new_database())
    daemon = build_daemon(settings, rules)
    daemon.inbox.root.mkdir(parents=True, exist_ok=True)
    office = Office(tmp_path, settings, daemon)
    try:
        office.deliver(submission({"台账.xlsx": filled_ledger(), "报告.pdf": pdfs.text_report()}))
        [first] = daemon.run_once()  # the pool now holds connections to the server about to go away
        assert first.state == "processed"

        own_cluster.restart()
        office.deliver(submission({"台账.xlsx": filled_ledger(Filling(unit="兴隆镇")),
                                   "报告.pdf": pdfs.text_report(unit="兴隆镇")},
                                  sender="xl@163.com", subject="兴隆镇材料", received=on_time(1)))
        [second] = daemon.run_once()  # no exception: a dead pooled connection is replaced, not used
        assert second.state == "processed" and second.unit == "兴隆镇"
        assert len(office.replies()) == 2
    finally:
        daemon.close()


def sent(office: Office) -> list:
    return office.replies() if office.outbox.exists() else []


def test_mail_that_arrives_while_the_database_is_down_is_answered_once_it_is_back(own_cluster, rules, tmp_path):
    settings = Settings(var_dir=tmp_path / "var", rules_dir=Path("rules"), database_url=own_cluster.new_database(),
                        poll_interval_seconds=0.2)
    daemon = build_daemon(settings, rules)
    daemon.inbox.root.mkdir(parents=True, exist_ok=True)
    office = Office(tmp_path, settings, daemon)
    runner = threading.Thread(target=daemon.run_forever, daemon=True)
    runner.start()
    try:
        own_cluster.stop()
        office.deliver(submission({"台账.xlsx": filled_ledger(), "报告.pdf": pdfs.text_report()}))
        time.sleep(3)  # several cycles fail meanwhile; the daemon must neither die nor give up on the mail
        assert runner.is_alive() and not sent(office)
        own_cluster.start_again()
        deadline = time.monotonic() + 60
        while not sent(office) and time.monotonic() < deadline:
            time.sleep(0.2)
        [reply] = sent(office)
        assert reply["Subject"].startswith("【已受理】田坪乡")
    finally:
        daemon.stopping.set()
        runner.join(timeout=30)
    assert not runner.is_alive()
