"""`mailbot doctor` against the real servers: what works is said, what fails is said in plain words."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.builders.campaign import edited_rules
from tests.servers import PASSWORD, settings_toml

MAILBOT = str(Path(sys.executable).with_name("mailbot"))


def write_settings(path: Path, dovecot, smtp, user: str, idle=True) -> Path:
    rules = edited_rules(path.parent, units=(("staff = []", 'staff = ["staff@office.test"]'),))
    return settings_toml(path, rules_dir=rules, var_dir=path.parent / "var",
                         inbox=dovecot.imap_settings(user, password_env="DOCTOR_IMAP_PW", send_id="always", idle=idle,
                                                     processed_folder="已处理"),
                         outbox=smtp.settings(password_env="DOCTOR_SMTP_PW"), office={"address": smtp.user})


def doctor(settings: Path, *extra, password=PASSWORD):
    env = {**os.environ, "DOCTOR_IMAP_PW": password, "DOCTOR_SMTP_PW": PASSWORD}
    return subprocess.run([MAILBOT, "--settings", str(settings), "doctor", *extra], capture_output=True, text=True,
                          env=env, timeout=60)


@pytest.mark.no_database("doctor against live servers; its database is not created")
def test_everything_works_and_a_test_message_is_sent(tmp_path, dovecot, smtp):
    settings = write_settings(tmp_path / "mailbot.toml", dovecot, smtp, dovecot.new_user())
    result = doctor(settings, "--send-test", "staff@office.test")
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    assert "✓ 工作人员邮箱：staff@office.test" in out and "尚未建立，首次运行时自动建立" in out
    assert "✓ 登录 127.0.0.1 成功" in out and "已发送 IMAP ID" in out and "服务器支持 IDLE" in out
    assert "文件夹“已处理”不存在，首次移动邮件时创建" in out
    assert "✓ SMTP 登录 127.0.0.1 成功" in out and "测试邮件已发给 staff@office.test" in out
    assert smtp.messages[-1]["rcpt_tos"] == ["staff@office.test"]


@pytest.mark.no_database("doctor against live servers; its database is not created")
def test_wrong_authorisation_code_is_explained(tmp_path, dovecot, smtp):
    settings = write_settings(tmp_path / "mailbot.toml", dovecot, smtp, "someone@example.test")
    result = doctor(settings, password="wrong")
    assert result.returncode == 1 and "用户名或密码（授权码）不正确" in result.stdout


@pytest.mark.no_database("doctor against live servers; its database is not created")
def test_polling_server_is_reported(tmp_path, dovecot_polling, smtp):
    settings = write_settings(tmp_path / "mailbot.toml", dovecot_polling, smtp, dovecot_polling.new_user())
    result = doctor(settings)
    assert "服务器不支持 IDLE" in result.stdout


@pytest.mark.sqlite_only("the default install with no MAILBOT_*: an old schema built by hand in the default SQLite")
def test_rules_database_and_disk_are_checked_without_creating_anything(tmp_path):
    from sqlalchemy import create_engine

    from mailbot.schema import upgrade

    env = {**{k: v for k, v in os.environ.items() if not k.startswith("MAILBOT_")}, "MAILBOT_VAR_DIR": str(tmp_path)}

    def run():
        return subprocess.run([MAILBOT, "doctor"], capture_output=True, text=True, env=env, timeout=60)

    fresh = run()
    assert fresh.returncode == 1  # the shipped units.toml names no staff: nobody would hear of problems
    assert "✗ 工作人员邮箱：未填写" in fresh.stdout and "✓ 规则 rules：版本" in fresh.stdout
    assert "尚未建立，首次运行时自动建立" in fresh.stdout and "✓ 存档所在磁盘" in fresh.stdout
    assert not (tmp_path / "mailbot.db").exists()  # looking did not create it

    engine = create_engine(f"sqlite:///{tmp_path / 'mailbot.db'}")
    upgrade(engine, "0001")
    engine.dispose()
    old = run()
    assert "✗ 数据库 sqlite:///" in old.stdout and "结构版本为 0001" in old.stdout and "mailbot db upgrade" in old.stdout

    env["MAILBOT_RULES_DIR"] = str(tmp_path / "no-such-rules")
    assert "✗ 规则" in run().stdout


@pytest.mark.sqlite_only("no MAILBOT_* in the environment: doctor looks at the default SQLite")
def test_the_rules_checked_are_the_ones_given_with_dash_dash_rules(tmp_path):
    """`mailbot --rules DIR doctor` checks DIR, as every other command then uses it, not the settings' rules_dir."""
    rules = edited_rules(tmp_path, units=(("staff = []", 'staff = ["staff@office.test"]'),))
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("MAILBOT_")}, "MAILBOT_VAR_DIR": str(tmp_path),
           "MAILBOT_RULES_DIR": str(tmp_path / "no-such-rules")}
    result = subprocess.run([MAILBOT, "--rules", str(rules), "doctor"], capture_output=True, text=True, env=env,
                            timeout=60)
    assert f"✓ 规则 {rules}：版本" in result.stdout and "✓ 工作人员邮箱：staff@office.test" in result.stdout, result.stdout
    assert result.returncode == 0
