"""SIGKILL the daemon at different points of a batch; after restarts every mail is processed once
and every reply delivered once."""

import email
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from email import policy
from pathlib import Path

from sqlmodel import Session, create_engine, select

from mailbot.models import MessageRecord, OutboxRecord, VerdictRecord
from tests.builders.campaign import RULES
from tests.pipeline.backlog import fill_inbox

MAILBOT = str(Path(sys.executable).with_name("mailbot"))


def test_sigkill_at_any_point_loses_nothing_and_doubles_nothing(tmp_path, database):
    var = tmp_path / "var"
    expected = fill_inbox(var / "mail" / "inbox")
    env = {**os.environ, "MAILBOT_VAR_DIR": str(var)}
    command = [MAILBOT, "--rules", str(RULES), "run", "--once"]
    kills = 0
    for delay in (0.4, 0.7, 0.9, 1.1, 1.3, 1.6, 2.0, 2.5, 3.0):
        process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(delay)
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
            kills += 1
        process.wait()
    final = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    assert final.returncode == 0, final.stderr
    assert kills >= 2  # the batch really was interrupted more than once

    engine = create_engine(database.url_for(var))
    with Session(engine) as session:
        messages = session.exec(select(MessageRecord)).all()
        verdicts = session.exec(select(VerdictRecord)).all()
        outbox = session.exec(select(OutboxRecord)).all()
    assert len(messages) == expected and {m.state for m in messages} == {"processed"}
    assert Counter(v.message_id for v in verdicts) == Counter({m.id: 1 for m in messages})
    assert len(outbox) == expected and {o.state for o in outbox} == {"sent"}

    delivered = [email.message_from_bytes(p.read_bytes(), policy=policy.default)
                 for p in (var / "mail" / "outbox" / "new").iterdir()]
    assert len(delivered) == expected
    assert Counter(m["To"] for m in delivered) == Counter({f"unit{i}@163.com": 1 for i in range(expected)})
