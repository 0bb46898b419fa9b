"""Benchmark: one or several `mailbot run --once` workers on one PostgreSQL and one IMAP mailbox.

    .venv/bin/python -m bench.workers [--mails 400] [--workers 1 2] [--smtp-delay 0.0]

For each worker count: a fresh Dovecot mailbox with the same N submissions, a fresh database,
then that many `mailbot run --once` processes started together; measures the wall time until
all have exited (submissions/s, end to end with SMTP replies), each worker's share of the mail,
and checks that every mail got exactly one verdict and one reply. ``--smtp-delay`` makes the
SMTP server take that long per reply, as a busy real one does (126.com: 0.1-0.3 s), which is
where a second worker helps most on a small machine. Figures go in bench/RESULTS.md by hand.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import create_engine, text

from bench.backlog import make_mails
from mailbot.rules_loader import load_rules
from tests.builders.campaign import RULES
from tests.servers import PASSWORD, Dovecot, Postgres, SmtpServer, settings_toml

MAILBOT = str(Path(sys.executable).with_name("mailbot"))


def one_round(count: int, mails: list[bytes], server: Dovecot, smtp: SmtpServer, postgres: Postgres,
              work: Path) -> tuple[float, list[int]]:
    user = server.new_user()
    for raw in mails:
        server.append(user, raw)
    url = postgres.new_database()
    settings = work / f"workers{count}.toml"
    settings_toml(settings, inbox=server.imap_settings(user, password_env="BENCH_PW"),
                  outbox=smtp.settings(password_env="BENCH_PW", max_per_minute=1000000))
    env = {**os.environ, "BENCH_PW": PASSWORD, "MAILBOT_DATABASE_URL": url, "MAILBOT_VAR_DIR": str(work / f"v{count}")}
    base = [MAILBOT, "--settings", str(settings), "--rules", str(RULES)]
    subprocess.run([*base, "db", "upgrade"], env=env, check=True, capture_output=True)
    smtp.messages.clear()
    start = time.perf_counter()
    workers = [subprocess.Popen([*base, "run", "--once"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                text=True) for _ in range(count)]
    logs = [w.communicate()[1] for w in workers]
    seconds = time.perf_counter() - start
    engine = create_engine(url)
    with engine.connect() as c:
        verdicts = c.execute(text("SELECT count(*), count(DISTINCT message_id) FROM verdicts")).one()
    engine.dispose()
    assert all(w.returncode == 0 for w in workers), logs
    assert tuple(verdicts) == (len(mails), len(mails)) and len(smtp.messages) == len(mails), (verdicts, len(smtp.messages))
    return seconds, [sum(1 for line in log.splitlines() if " INFO mail " in line) for log in logs]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mails", type=int, default=400)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--smtp-delay", type=float, default=0.0)
    args = parser.parse_args()
    mails = make_mails(args.mails, load_rules(RULES))
    server, smtp, postgres = Dovecot(), SmtpServer(), Postgres()
    smtp.delay_seconds = args.smtp_delay
    work = Path(tempfile.mkdtemp(prefix="mailbot-bench-workers-"))
    server.start()
    smtp.start()
    postgres.start()
    try:
        print(f"machine: {os.cpu_count()} cores; {len(mails)} submissions; SMTP {args.smtp_delay:.2f} s per reply")
        for count in args.workers:
            seconds, shares = one_round(count, mails, server, smtp, postgres, work)
            print(f"  {count} worker(s): {len(mails) / seconds:6.1f} submissions/s ({seconds:.1f} s), "
                  f"shares {shares}, every mail one verdict and one reply", flush=True)
    finally:
        smtp.stop()
        server.cleanup()
        postgres.cleanup()


if __name__ == "__main__":
    main()
