"""PostgreSQL restarts or goes away for a while (an upgrade, a reboot of its host) while mailbot runs."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from mailbot.daemon import build_daemon
from mailbot.settings import Settings
from tests.builders import pdfs
from mailbot.rules_loader import load_rules
from tests.builders.campaign import Filling, edited_rules, filled_ledger
from tests.pipeline.conftest import Office, on_time, submission


def office_on(cluster, rules, tmp_path: Path, **settings) -> Office:
    """mailbot on a Maildir in ``tmp_path`` and a fresh database of ``cluster``."""
    configured = Settings(**{"var_dir": tmp_path / "var", "rules_dir": Path("rules"),
                             "database_url": cluster.new_database(), **settings})
    daemon = build_daemon(configured, rules)
    daemon.inbox.root.mkdir(parents=True, exist_ok=True)
    return Office(tmp_path, configured, daemon)


def test_the_next_mail_after_a_database_restart_is_processed_without_a_failed_cycle(own_postgres, rules, tmp_path):
    office = office_on(own_postgres, rules, tmp_path)
    daemon = office.daemon
    try:
        office.deliver(submission({"台账.xlsx": filled_ledger(), "报告.pdf": pdfs.text_report()}))
        [first] = daemon.run_once()  # the pool now holds connections to the server about to go away
        assert first.state == "processed"

        own_postgres.restart()
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


def test_mail_that_arrives_while_the_database_is_down_is_answered_once_it_is_back(own_postgres, tmp_path):
    """…and the staff are told when the outage has lasted ``alert_after_minutes``, and again when it is over."""
    rules_dir = edited_rules(tmp_path, units=(("staff = []", 'staff = ["wangxq@xiji.gov.cn"]'),))
    office = office_on(own_postgres, load_rules(rules_dir), tmp_path, rules_dir=rules_dir,
                       poll_interval_seconds=0.2, alert_after_minutes=0.02)
    daemon = office.daemon
    runner = threading.Thread(target=daemon.run_forever, daemon=True)
    runner.start()
    try:
        own_postgres.stop()
        office.deliver(submission({"台账.xlsx": filled_ledger(), "报告.pdf": pdfs.text_report()}))
        wait_for(lambda: len(sent(office)) == 1, seconds=30)  # the alert: 1.2 s into the outage
        time.sleep(2)  # more failed cycles: the daemon must neither die, give up on the mail, nor alert again
        [alert] = sent(office)
        assert runner.is_alive() and alert["To"] == "wangxq@xiji.gov.cn"
        assert alert["Subject"] == "【mailbot 故障】来信暂时无法处理"
        assert "OperationalError" in alert.get_content() and "不会丢失" in alert.get_content()

        own_postgres.start_again()
        wait_for(lambda: len(sent(office)) == 3, seconds=60)
        subjects = [str(m["Subject"]) for m in sent(office)]
        assert any(s.startswith("【已受理】田坪乡") for s in subjects)  # the mail, answered after the outage
        assert "【mailbot 已恢复】来信处理恢复正常" in subjects and subjects.count("【mailbot 故障】来信暂时无法处理") == 1
    finally:
        daemon.stopping.set()
        runner.join(timeout=30)
    assert not runner.is_alive()


def wait_for(condition, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.2)
