"""--settings (or MAILBOT_SETTINGS) naming something that is no settings file: mailbot's Chinese reason, exit 2."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

MAILBOT = str(Path(sys.executable).with_name("mailbot"))


@pytest.mark.parametrize("make,said", [
    (lambda p: p.mkdir(), "无法读取设置文件"),  # e.g. /etc/mailbot given instead of /etc/mailbot/mailbot.toml
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
    assert "is a directory" not in result.stderr and "Invalid value" not in result.stderr
