"""`mailbot run` as a daemon: mail arriving while it runs is answered within seconds; SIGTERM stops it cleanly."""

import os
import signal
import subprocess
import sys
from pathlib import Path

from tests.builders import pdfs
from tests.builders.campaign import RULES, filled_ledger
from tests.pipeline.conftest import submission
from tests.servers import wait_for

MAILBOT = str(Path(sys.executable).with_name("mailbot"))


def test_daemon_answers_new_mail_and_stops_on_sigterm(tmp_path):
    var = tmp_path / "var"
    inbox = var / "mail" / "inbox"
    outbox = var / "mail" / "outbox" / "new"
    env = {**os.environ, "MAILBOT_VAR_DIR": str(var), "MAILBOT_POLL_INTERVAL_SECONDS": "0.5"}
    daemon = subprocess.Popen([MAILBOT, "--rules", str(RULES), "run"], env=env, stderr=subprocess.PIPE, text=True)
    try:
        assert wait_for(lambda: (inbox / "new").is_dir(), 20)
        raw = submission({"台账.xlsx": filled_ledger(), "报告.pdf": pdfs.text_report()})
        (inbox / "tmp" / "1.mx").write_bytes(raw)
        os.replace(inbox / "tmp" / "1.mx", inbox / "new" / "1.mx")
        assert wait_for(lambda: outbox.is_dir() and any(outbox.iterdir()), 15), "no reply within 15 s"
    finally:
        daemon.send_signal(signal.SIGTERM)
        code = daemon.wait(timeout=20)
    log = daemon.stderr.read()
    assert code == 0
    assert "verdict=已受理" in log and "mailbot stopped" in log


def test_json_logs_one_line_per_mail_with_receipt_and_verdict(tmp_path):
    import json

    var = tmp_path / "var"
    (var / "mail" / "inbox" / "new").mkdir(parents=True)
    raw = submission({"台账.xlsx": filled_ledger(), "报告.pdf": pdfs.text_report()})
    (var / "mail" / "inbox" / "new" / "1.mx").write_bytes(raw)
    env = {**os.environ, "MAILBOT_VAR_DIR": str(var), "MAILBOT_LOG_FORMAT": "json"}
    result = subprocess.run([MAILBOT, "--rules", str(RULES), "run", "--once"], env=env, capture_output=True,
                            text=True, timeout=120)
    entries = [json.loads(line) for line in result.stderr.splitlines() if line.startswith("{")]
    [mail] = [e for e in entries if "verdict" in e]
    assert mail["verdict"] == "已受理" and mail["unit"] == "田坪乡" and mail["receipt"].startswith("20211124-")
