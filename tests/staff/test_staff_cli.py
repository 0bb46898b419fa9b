"""`mailbot export`, `mailbot digest --preview` and `mailbot remind --dry-run` as staff run them."""

import os
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import openpyxl

from tests.builders.campaign import RULES, edited_rules, registered
from tests.servers import settings_toml

MAILBOT = str(Path(sys.executable).with_name("mailbot"))


def run(rules: Path, var: Path, *args):
    env = {**os.environ, "MAILBOT_VAR_DIR": str(var)}
    return subprocess.run([MAILBOT, "--rules", str(rules), *args], capture_output=True, text=True, env=env, timeout=120)


def rules_due_tomorrow(tmp_path) -> Path:
    """The campaign with its deadline tomorrow (Shanghai), so the day-before reminder is due from 10:00 today."""
    tomorrow = (datetime.now(timezone(timedelta(hours=8))) + timedelta(days=1)).date()
    return edited_rules(tmp_path, units=(registered("田坪乡", "tp@126.com"),),
                        campaign=(("date = 2021-11-25", f"date = {tomorrow}"),))


def test_export_and_preview(tmp_path):
    out = tmp_path / "汇总.xlsx"
    result = run(RULES, tmp_path / "var", "export", str(out))
    assert result.returncode == 0, result.stderr
    assert openpyxl.load_workbook(out).sheetnames == ["汇总台账", "报送进度", "问题整改情况"]
    result = run(RULES, tmp_path / "var", "digest", "--preview", str(tmp_path / "p"))
    assert result.returncode == 0 and (tmp_path / "p" / "digest.html").exists()


def test_remind_dry_run_lists_who_would_get_what(tmp_path):
    rules = rules_due_tomorrow(tmp_path)
    result = run(rules, tmp_path / "var", "remind", "--dry-run")
    assert result.returncode == 0, result.stderr
    now = datetime.now(timezone(timedelta(hours=8)))
    if now.hour < 10:
        assert "现在没有需要发送的提醒" in result.stdout
    else:
        assert "田坪乡（未报送）→ tp@126.com" in result.stdout
        assert "吉强镇（未报送）→ （无邮箱" in result.stdout
    assert not (tmp_path / "var" / "mail" / "outbox" / "new").exists() or \
        not any((tmp_path / "var" / "mail" / "outbox" / "new").iterdir())


def test_digest_without_recipients_is_a_usage_error(tmp_path):
    result = run(RULES, tmp_path / "var", "digest", "--send")
    assert result.returncode == 2 and "没有收件人" in result.stderr


def test_staff_commands_never_open_the_mailbox(tmp_path):
    """An override, a digest or a replay only sends mail: run by a clerk from a shell where the IMAP
    授权码 is not set (it lives in the service's credentials), they must work all the same."""
    from tests.builders import pdfs
    from tests.builders.campaign import filled_ledger
    from tests.pipeline.conftest import submission

    var = tmp_path / "var"
    (var / "mail" / "inbox" / "new").mkdir(parents=True)
    (var / "mail" / "inbox" / "new" / "1.mx").write_bytes(submission({"台账.xlsx": filled_ledger(),
                                                                      "报告.pdf": pdfs.text_report()}))
    assert run(RULES, var, "run", "--once").returncode == 0  # received on the embedded default
    settings = settings_toml(tmp_path / "mailbot.toml", inbox={
        "kind": "imap", "host": "127.0.0.1", "port": 9, "username": "xjzfbxx@126.com",
        "password_env": "NOBODY_SET_THIS", "security": "plain"})
    env = {k: v for k, v in os.environ.items() if k != "NOBODY_SET_THIS"}

    def staff(*args):
        return subprocess.run([MAILBOT, "--settings", str(settings), "--rules", str(RULES), *args], capture_output=True,
                              text=True, env={**env, "MAILBOT_VAR_DIR": str(var)}, timeout=120)

    done = staff("override", "20211124-00001", "--reject", "--by", "王雪倩", "--comment", "报告未盖章")
    assert done.returncode == 0 and "已发邮件告知 tianping@126.com" in done.stdout, done.stderr
    assert staff("digest", "--preview", str(tmp_path / "p")).returncode == 0
    assert staff("rules", "replay").returncode == 0
    assert len(list((var / "mail" / "outbox" / "new").iterdir())) == 2  # the receipt and the override notice
    refused = staff("run", "--once")  # the daemon does need it, and says so
    assert refused.returncode == 2 and "环境变量 NOBODY_SET_THIS 未设置" in refused.stderr
    assert "Traceback" not in refused.stderr
