"""--settings (or MAILBOT_SETTINGS) naming something that is no settings file: mailbot's Chinese reason, exit 2."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

MAILBOT = str(Path(sys.executable).with_name("mailbot"))


@pytest.mark.parametrize("make,said", [
    (lambda p: p.mkdir(), "这是一个文件夹，请指定其中的设置文件"),  # /etc/mailbot given for /etc/mailbot/mailbot.toml
    (lambda p: None, "找不到设置文件"),
])
@pytest.mark.parametrize("how", ["option", "environment"])
def test_a_settings_path_that_is_no_file_is_explained_in_chinese(tmp_path, make, said, how):
    path = tmp_path / "mailbot.toml"
    make(path)
    env = {k: v for k, v in os.environ.items() if not k.startswith("MAILBOT_")}
    if how == "option":
        args = ["--settings", str(path), "status"]
    else:
        args, env["MAILBOT_SETTINGS"] = ["status"], str(path)
    result = subprocess.run([MAILBOT, *args], capture_output=True, text=True, env=env, timeout=60)
    assert result.returncode == 2, result.stderr
    assert f"{path}：{said}" in result.stderr, result.stderr
    assert "is a directory" not in result.stderr.lower() and "Invalid value" not in result.stderr
    assert "Usage:" not in result.stderr and "Error:" not in result.stderr  # click's English frame


@pytest.mark.parametrize("text,said", [
    ('[inbox]\nkind = imap\n', ":2: TOML 语法错误：这个值的写法不对。文字要加英文双引号"),
    ('poll_interval_seconds = "abc"\n', ":1: poll_interval_seconds: 应为数字"),
])
def test_a_mistake_in_the_settings_file_is_named_in_chinese(tmp_path, text, said):
    path = tmp_path / "mailbot.toml"
    path.write_text(text, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("MAILBOT_")}
    result = subprocess.run([MAILBOT, "--settings", str(path), "status"], capture_output=True, text=True, env=env,
                            timeout=60)
    assert result.returncode == 2 and f"{path}{said}" in result.stderr, result.stderr


def test_a_wrong_environment_variable_is_named(tmp_path):
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("MAILBOT_")},
           "MAILBOT_POLL_INTERVAL_SECONDS": "abc", "MAILBOT_VAR_DIR": str(tmp_path)}
    result = subprocess.run([MAILBOT, "status"], capture_output=True, text=True, env=env, timeout=60)
    assert result.returncode == 2, result.stderr
    assert "环境变量 MAILBOT_POLL_INTERVAL_SECONDS: poll_interval_seconds: 应为数字" in result.stderr, result.stderr
