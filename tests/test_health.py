"""`mailbot health`, the container's HEALTHCHECK: 0 only while the schema is current and the daemon keeps cycling.

What a monitor relies on: a daemon that has not finished a cycle yet, has stalled, or runs on a
database it must not use is reported (exit 1, one Chinese line saying why), a working one is not.
"""

from __future__ import annotations

import subprocess
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import create_engine

from mailbot.schema import upgrade
from tests.builders.campaign import RULES
from tests.deploy.dockerfile import DOCKERFILE, stages
from tests.servers import environment, run_mailbot, running_mailbot, wait_for

def health(database_url: str, var: Path, **extra: str) -> subprocess.CompletedProcess:
    return run_mailbot(database_url, var, "health", **extra)


def one_line_reason(result: subprocess.CompletedProcess) -> str:
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


def beat(var: Path, age: timedelta) -> None:
    var.mkdir(parents=True, exist_ok=True)
    (var / "heartbeat").write_text((datetime.now(timezone.utc) - age).isoformat() + "\n", encoding="utf-8")


def test_health_fails_until_the_daemon_has_finished_a_cycle(database_url, tmp_path):
    var = tmp_path / "var"
    assert "数据库尚未建立" in one_line_reason(health(database_url, var))
    assert not (var / "mailbot.db").exists()  # looking created nothing

    engine = create_engine(database_url)
    upgrade(engine)
    engine.dispose()
    assert "mailbot run 还没有完成过一轮处理" in one_line_reason(health(database_url, var))


def test_health_passes_while_a_real_daemon_runs(database_url, tmp_path):
    var = tmp_path / "var"
    env = environment(database_url, var, MAILBOT_POLL_INTERVAL_SECONDS="0.5")
    with running_mailbot(env, "--rules", str(RULES), "run") as (_, log):
        assert wait_for(lambda: (var / "heartbeat").exists(), 120), f"no cycle finished: {log.read_text()}"
        result = health(database_url, var)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("正常：mailbot run 最近一次完成处理是在") and "数据库结构为最新版本" in result.stdout
    written = datetime.fromisoformat((var / "heartbeat").read_text(encoding="utf-8").strip())
    assert written.utcoffset() == timedelta(0) and datetime.now(timezone.utc) - written < timedelta(minutes=1)


@pytest.mark.sqlite_only("the threshold is the point; any database will do")
@pytest.mark.parametrize("poll,age,healthy", [
    (60, timedelta(minutes=4), True),  # 3 cycles are 3 minutes; 5 minutes is the least a cycle gets
    (60, timedelta(minutes=6), False),
    (600, timedelta(minutes=25), True),  # a long poll (or IDLE wait): three of them
    (600, timedelta(minutes=31), False),
])
def test_a_heartbeat_older_than_three_cycles_fails(tmp_path, poll, age, healthy):
    database_url = f"sqlite:///{tmp_path / 'var' / 'mailbot.db'}"
    (tmp_path / "var").mkdir()
    engine = create_engine(database_url)
    upgrade(engine)
    engine.dispose()
    beat(tmp_path / "var", age)
    result = health(database_url, tmp_path / "var", MAILBOT_POLL_INTERVAL_SECONDS=str(poll))
    if healthy:
        assert result.returncode == 0, result.stderr
    else:
        reason = one_line_reason(result)
        assert f"（{age.seconds // 60} 分钟前），超过 {max(3 * poll, 300) // 60} 分钟" in reason and "请查看日志" in reason


def test_health_fails_on_a_schema_behind_however_fresh_the_heartbeat(database_url, tmp_path):
    engine = create_engine(database_url)
    upgrade(engine, "0001")
    engine.dispose()
    beat(tmp_path / "var", timedelta(0))
    assert "请先备份数据库，再运行：mailbot db upgrade" in one_line_reason(health(database_url, tmp_path / "var"))


def test_the_image_healthcheck_is_mailbot_health_with_time_for_the_first_cycle():
    """Docker marks the container unhealthy when this fails; the start period covers the first cycle of a backlog."""
    _, final = stages(DOCKERFILE.read_text(encoding="utf-8"))
    check = next(rest for word, rest in final if word == "HEALTHCHECK")
    options, _, command = check.partition("CMD")
    assert command.strip() == '["mailbot", "health"]'
    flags = dict(option.lstrip("-").split("=") for option in options.split())
    assert flags["start-period"].endswith("m") and int(flags["start-period"][:-1]) >= 5
