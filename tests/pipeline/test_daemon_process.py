"""`mailbot run` as a daemon: mail arriving while it runs is answered; SIGTERM stops it cleanly."""

import os
import subprocess

from tests.builders import mails, pdfs
from tests.builders.campaign import RULES, Filling, filled_ledger
from tests.pipeline.conftest import submission
from tests.servers import MAILBOT, running_mailbot, wait_for


def test_daemon_answers_new_mail_and_stops_on_sigterm(tmp_path):
    var = tmp_path / "var"
    inbox = var / "mail" / "inbox"
    outbox = var / "mail" / "outbox" / "new"
    env = {**os.environ, "MAILBOT_VAR_DIR": str(var), "MAILBOT_POLL_INTERVAL_SECONDS": "0.5"}
    with running_mailbot(env, "--rules", str(RULES), "run") as (daemon, log_file):
        assert wait_for(lambda: (inbox / "new").is_dir(), 120)
        raw = submission({"台账.xlsx": filled_ledger(), "报告.pdf": pdfs.text_report()})
        (inbox / "tmp" / "1.mx").write_bytes(raw)
        os.replace(inbox / "tmp" / "1.mx", inbox / "new" / "1.mx")
        assert wait_for(lambda: outbox.is_dir() and any(outbox.iterdir()), 120), "no reply"
    log = log_file.read_text(encoding="utf-8")
    assert daemon.returncode == 0, log
    assert "verdict=已受理" in log and "mailbot stopped" in log


def test_json_logs_one_line_per_mail_whatever_became_of_it(tmp_path):
    """A log collector reads every line as JSON and finds each mail exactly once, with the same fields."""
    import json

    var = tmp_path / "var"
    (var / "mail" / "inbox" / "new").mkdir(parents=True)
    good = submission({"台账.xlsx": filled_ledger(), "报告.pdf": pdfs.text_report()})
    inbox = {"1-accepted.mx": good, "2-copy.mx": good,
             "3-needs-fixing.mx": submission({"台账.xlsx": filled_ledger(Filling(unit="兴隆镇"))}, sender="xl@163.com",
                                             subject="兴隆镇整改台账"),
             "4-unknown.mx": submission({"材料.pdf": pdfs.text_report(unit="")}, sender="someone@163.com", subject="材料"),
             "5-auto-reply.mx": mails.auto_reply("auto-submitted")}
    for name, raw in inbox.items():
        (var / "mail" / "inbox" / "new" / name).write_bytes(raw)
    env = {**os.environ, "MAILBOT_VAR_DIR": str(var), "MAILBOT_LOG_FORMAT": "json"}
    result = subprocess.run([MAILBOT, "--rules", str(RULES), "run", "--once"], env=env, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    entries = [json.loads(line) for line in result.stderr.splitlines()]  # every line, not only those that look like JSON
    lines = {e["mail"]: e for e in entries if e.get("event") == "mail"}
    assert len(lines) == len([e for e in entries if e.get("event") == "mail"]) == len(inbox)
    fields = {"time", "level", "logger", "message", "event", "outcome", "mail", "from", "unit", "receipt", "verdict",
              "late", "rules_version", "reason"}
    assert all(set(e) == fields for e in lines.values())
    accepted = lines["1-accepted.mx"]
    assert (accepted["outcome"], accepted["verdict"], accepted["unit"]) == ("processed", "已受理", "田坪乡")
    assert accepted["receipt"].startswith("20211124-") and len(accepted["rules_version"]) == 12
    assert (lines["2-copy.mx"]["outcome"], lines["2-copy.mx"]["verdict"]) == ("duplicate", "")
    assert lines["3-needs-fixing.mx"]["verdict"] == "需补正"
    assert lines["4-unknown.mx"]["verdict"] == "无法确认单位" and lines["4-unknown.mx"]["unit"] is None
    assert lines["5-auto-reply.mx"]["outcome"] == "ignored" and lines["5-auto-reply.mx"]["reason"]
