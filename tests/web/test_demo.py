"""The README's demo ends with the staff console on the demo data, and says where and how to log in."""

import re
import subprocess
import sys
import urllib.request

import pytest

from tests.builders.campaign import ROOT


@pytest.mark.sqlite_only("the demo is the embedded default: Maildir and SQLite under its folder")
def test_the_demo_starts_the_console_and_prints_its_address_and_a_login(tmp_path):
    done = subprocess.run([sys.executable, "-m", "tests.builders.demo", "--dir", str(tmp_path / "demo"), "--no-wait"],
                          cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    address = re.search(r"网页控制台已启动：(http://127\.0\.0\.1:\d+/)", done.stdout)[1]
    assert "演示账号：demo　密码：demo-password" in done.stdout
    assert (tmp_path / "demo" / "var" / "mailbot.db").exists()
    with pytest.raises(OSError):  # --no-wait: stopped once it had answered
        urllib.request.urlopen(address + "login", timeout=5)
