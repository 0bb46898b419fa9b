"""A damaged database is said in one Chinese line with what to do, by every command: `doctor` no longer
reports it sound (it checked only the schema), `status` no longer prints a SQLAlchemy traceback."""

import pytest
from click.testing import CliRunner

from mailbot.cli import main
from tests.builders.campaign import RULES
from tests.builders.damage import damage_tables
from tests.builders.demo import fill_inbox

pytestmark = pytest.mark.sqlite_only("a damaged SQLite file: PostgreSQL keeps its pages itself")


def mailbot(var, monkeypatch, *args):
    monkeypatch.setenv("MAILBOT_VAR_DIR", str(var))
    return CliRunner().invoke(main, ["--rules", str(RULES), *args])


def test_every_command_says_the_database_is_damaged_and_to_restore_it(tmp_path, monkeypatch):
    var = tmp_path / "var"
    fill_inbox(var)
    assert mailbot(var, monkeypatch, "run", "--once").exit_code == 0
    sound = mailbot(var, monkeypatch, "doctor").output
    assert "✓ 数据库" in sound and "数据可以读取" in sound
    damage_tables(var / "mailbot.db")

    doctor = mailbot(var, monkeypatch, "doctor")
    [line] = [line for line in doctor.output.splitlines() if "数据库" in line and "磁盘" not in line]
    assert line.startswith("✗ 数据库") and "数据库已损坏" in line and "第 5.2 节从最近的备份恢复" in line
    assert doctor.exit_code == 1
    for command in (("status",), ("run", "--once"), ("flags",), ("show", "20211124-00001")):
        result = mailbot(var, monkeypatch, *command)
        assert result.exit_code == 3, (command, result.output)
        assert result.output.count("\n") == 1 and "Traceback" not in result.output, result.output
        assert result.output.startswith("错误：数据库已损坏") and "第 5.2 节从最近的备份恢复数据库" in result.output
