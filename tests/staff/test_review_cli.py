"""`mailbot flags`, `show`, `confirm` and `reject` as a clerk runs them on held mail: the digest's command
works as written, the answer is one Chinese line, the refusals say why."""

from __future__ import annotations

import itertools
import re

from tests.builders import attacks
from tests.builders.attacks import unit_mail
from tests.servers import run_mailbot


_names = itertools.count(1)


def deliver(var, raw: bytes) -> None:
    """Put a mail into the embedded default's Maildir inbox, as the mail server does."""
    folder = var / "mail" / "inbox" / "new"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{1700000000 + next(_names)}.cli.mx").write_bytes(raw)


def outbox(var):
    folder = var / "mail" / "outbox" / "new"
    return sorted(folder.iterdir()) if folder.exists() else []


def test_a_held_mail_confirmed_from_the_flags_command_line(tmp_path, database_url):
    rules, var = attacks.guarded_rules(tmp_path), tmp_path / "var"
    deliver(var, unit_mail("newclerk@126.com", client="126"))
    deliver(var, unit_mail("jqzdzb@l26.com"))
    ran = run_mailbot(database_url, var, "--rules", str(rules), "run", "--once")
    assert ran.returncode == 0 and "待人工确认 2" in ran.stdout, ran.stderr
    assert len(outbox(var)) == 1  # the 【待确认】 notice; the look-alike hears nothing
    listed = run_mailbot(database_url, var, "--rules", str(rules), "flags").stdout
    assert "待确认的来信" in listed and "疑似冒充的来信" in listed
    command = re.search(r"mailbot confirm (\d+) --unit 吉强镇 --by 姓名", listed)
    number = command.group(1)
    shown = run_mailbot(database_url, var, "--rules", str(rules), "show", number).stdout
    assert "等待人工确认" in shown and "newclerk@126.com 不是“吉强镇”登记的报送邮箱" in shown
    done = run_mailbot(database_url, var, "--rules", str(rules), "confirm", number, "--register", "--by", "王雪倩")
    assert done.returncode == 0, done.stderr
    assert "已把 newclerk@126.com 登记为吉强镇的报送邮箱" in done.stdout and "计入吉强镇，回执 " in done.stdout
    assert "回执已发往 newclerk@126.com" in done.stdout and len(outbox(var)) == 2
    assert '"newclerk@126.com"' in (rules / "units.toml").read_text(encoding="utf-8")
    status = run_mailbot(database_url, var, "--rules", str(rules), "status").stdout
    assert re.search(r"吉强镇\s+已受理", status)


def test_reject_and_the_refusals_say_why(tmp_path, database_url):
    rules, var = attacks.guarded_rules(tmp_path), tmp_path / "var"
    deliver(var, unit_mail(attacks.JIQIANG, files=attacks.HOSTILE_FILES["zip bomb"]()))
    run_mailbot(database_url, var, "--rules", str(rules), "run", "--once")
    refused = run_mailbot(database_url, var, "--rules", str(rules), "confirm", "1", "--unit", "吉强镇", "--by", "王雪倩")
    assert refused.returncode == 2 and refused.stderr.startswith("错误：来信 1 含有可疑内容") and not refused.stdout
    missing = run_mailbot(database_url, var, "--rules", str(rules), "reject", "1", "--by", "王雪倩")
    assert missing.returncode == 2 and "缺少选项 --comment" in missing.stderr
    done = run_mailbot(database_url, var, "--rules", str(rules), "reject", "1", "--by", "王雪倩", "--comment", "压缩炸弹")
    assert done.returncode == 0 and "已关闭：来信 1（来信所称单位：吉强镇）不计入任何单位" in done.stdout
    assert outbox(var) == []
    assert "没有待处理的事项" in run_mailbot(database_url, var, "--rules", str(rules), "flags").stdout
    shown = run_mailbot(database_url, var, "--rules", str(rules), "show", "1").stdout
    assert "已人工关闭" in shown and "不予计入：压缩炸弹（王雪倩" in shown
