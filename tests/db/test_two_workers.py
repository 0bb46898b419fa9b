"""Two `mailbot run` workers on one database and one mailbox: every mail once, every reply once.

On PostgreSQL the workers claim mail and replies with SELECT … FOR UPDATE SKIP LOCKED; on SQLite
(an administrator starting `mailbot run --once` beside the service) they take turns on the write
lock. Either way each mail is reserved before it is parsed, so the second worker takes its share.
The inbox holds every submission twice, side by side, as a unit that clicks 发送 twice: the two
workers then claim the two copies at the same moment, and only one may be answered.
"""

import email
import os
import subprocess
import sys
from collections import Counter
from email import policy
from pathlib import Path

from sqlalchemy import create_engine, text

from tests.builders.campaign import RULES
from tests.pipeline.backlog import fill_inbox
from tests.servers import PASSWORD, settings_toml

MAILBOT = str(Path(sys.executable).with_name("mailbot"))


def run_two_workers(database_url: str, smtp, root: Path) -> list[int]:
    """One round on a fresh inbox and database; asserts every mail and reply once; returns each worker's share."""
    var = root / "var"
    expected = fill_inbox(var / "mail" / "inbox", copies=2)
    settings = settings_toml(root / "mailbot.toml", outbox=smtp.settings(password_env="TWO_WORKERS_SMTP_PW",
                                                                      max_per_minute=100000))
    env = {**os.environ, "MAILBOT_DATABASE_URL": database_url, "MAILBOT_VAR_DIR": str(var),
           "TWO_WORKERS_SMTP_PW": PASSWORD}
    command = [MAILBOT, "--settings", str(settings), "--rules", str(RULES), "run", "--once"]
    subprocess.run([MAILBOT, "--settings", str(settings), "db", "upgrade"], env=env, check=True, capture_output=True)
    smtp.messages.clear()
    workers = [subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
               for _ in range(2)]
    results = [w.communicate(timeout=300) for w in workers]
    assert all(w.returncode == 0 for w in workers), results

    engine = create_engine(database_url)
    with engine.connect() as c:
        states = Counter(state for (state,) in c.execute(text("SELECT state FROM messages")))
        per_message = Counter(m for (m,) in c.execute(text("SELECT message_id FROM verdicts")))
        outbox = Counter(state for (state,) in c.execute(text("SELECT state FROM outbox")))
    engine.dispose()
    assert states == {"processed": expected, "duplicate": expected}
    assert set(per_message.values()) == {1} and len(per_message) == expected
    assert outbox == {"sent": expected}
    recipients = Counter(m["rcpt_tos"][0] for m in smtp.messages)
    assert recipients == Counter({f"unit{i}@163.com": 1 for i in range(expected)})
    subjects = [email.message_from_bytes(m["data"], policy=policy.default)["Subject"] for m in smtp.messages]
    assert len(set(subjects)) == expected
    did = [sum(1 for line in err.splitlines() if " INFO mail " in line) for _, err in results]
    assert sum(did) == 2 * expected  # each mail in one worker's log: answered, or recorded as the other's copy
    return did


def test_two_workers_share_the_work_without_doubles(database, request, smtp, tmp_path):
    """A round where one worker starts late and does everything proves nothing: the server takes
    0.3 s per reply (as a busy real one does) so that a round outlasts the workers' start-up, and
    up to three rounds (each checked in full) are run until both workers have taken mail."""

    def fresh_database(round_: int) -> str:
        if database.kind == "sqlite":
            return f"sqlite:///{tmp_path / f'round{round_}.db'}"
        return database.url if round_ == 0 else request.getfixturevalue("postgres").new_database()

    smtp.delay_seconds = 0.3
    shares = []
    for round_ in range(3):
        shares.append(run_two_workers(fresh_database(round_), smtp, tmp_path / f"round{round_}"))
        if min(shares[-1]) > 0:
            break
    assert min(shares[-1]) > 0, f"one worker did all the work in every round ({shares}): the race never happened"
