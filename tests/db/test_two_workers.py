"""Two `mailbot run` workers on one PostgreSQL and one mailbox: every mail once, every reply once."""

import email
import os
import subprocess
import sys
from collections import Counter
from email import policy
from pathlib import Path

from sqlalchemy import create_engine, text

from tests.builders.campaign import RULES
from tests.pipeline.test_crash import fill_inbox
from tests.servers import PASSWORD

MAILBOT = str(Path(sys.executable).with_name("mailbot"))


def test_two_workers_share_the_work_without_doubles(postgres, smtp, tmp_path):
    url = postgres.new_database()
    var = tmp_path / "var"
    expected = fill_inbox(var / "mail" / "inbox")
    settings = tmp_path / "mailbot.toml"
    settings.write_text(f'''
[outbox]
kind = "smtp"
host = "127.0.0.1"
port = {smtp.port}
security = "plain"
username = "{smtp.user}"
password_env = "TWO_WORKERS_SMTP_PW"
max_per_minute = 100000
''', encoding="utf-8")
    env = {**os.environ, "MAILBOT_DATABASE_URL": url, "MAILBOT_VAR_DIR": str(var), "TWO_WORKERS_SMTP_PW": PASSWORD}
    command = [MAILBOT, "--settings", str(settings), "--rules", str(RULES), "run", "--once"]
    subprocess.run([MAILBOT, "--settings", str(settings), "db", "upgrade"], env=env, check=True, capture_output=True)
    workers = [subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
               for _ in range(2)]
    results = [w.communicate(timeout=300) for w in workers]
    assert all(w.returncode == 0 for w in workers), results

    engine = create_engine(url)
    with engine.connect() as c:
        states = Counter(state for (state,) in c.execute(text("SELECT state FROM messages")))
        per_message = Counter(m for (m,) in c.execute(text("SELECT message_id FROM verdicts")))
        outbox = Counter(state for (state,) in c.execute(text("SELECT state FROM outbox")))
    engine.dispose()
    assert states == {"processed": expected}
    assert set(per_message.values()) == {1} and len(per_message) == expected
    assert outbox == {"sent": expected}
    recipients = Counter(m["rcpt_tos"][0] for m in smtp.messages)
    assert recipients == Counter({f"unit{i}@163.com": 1 for i in range(expected)})
    subjects = [email.message_from_bytes(m["data"], policy=policy.default)["Subject"] for m in smtp.messages]
    assert len(set(subjects)) == expected
    did = [sum(1 for line in err.splitlines() if "verdict=" in line) for _, err in results]
    assert sum(did) == expected  # the log shows how the two workers shared the mail
