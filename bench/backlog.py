"""Benchmark: mailbot against a local Dovecot and SMTP server.

    .venv/bin/python -m bench.backlog [--mails 1000] [--idle-mails 40]

Fills a fresh Dovecot mailbox with N generated submissions (a realistic ledger
filled from the campaign template plus a PDF report each, from the 33 units in
turn), then measures:
  1. the raw IMAP fetch rate of that backlog (imaplib, BODY.PEEK[] in batches):
     the ceiling to compare with;
  2. backlog throughput of `mailbot run --once` (submissions/s, end to end:
     fetch, archive, parse, judge, record, reply through SMTP);
  3. arrival-to-reply latency in IDLE mode (p50/p95) for mails appended one by one
     while the daemon idles;
  4. peak RSS of the mailbot process and of its parser children.
Needs Debian's dovecot-imapd. Prints a table; the figures are written down in
bench/RESULTS.md by hand, never asserted in tests.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import tempfile
import threading
import time
from pathlib import Path

from mailbot.daemon import build_daemon
from mailbot.rules_loader import load_rules
from mailbot.settings import Settings
from tests.builders import pdfs
from tests.builders.campaign import RULES, Filling, filled_ledger
from tests.pipeline.conftest import on_time, submission
from tests.servers import PASSWORD, Dovecot, SmtpServer


def make_mails(count: int, rules) -> list[bytes]:
    units = list(rules.roster.units)
    campaign = rules.campaign()
    files = {}
    for unit in units:
        seqs = tuple(p.seq for p in campaign.problems_for(unit))
        files[unit.name] = {f"{unit.name}整改台账.xlsx": filled_ledger(Filling(unit=unit.name, seqs=seqs)),
                            f"{unit.name}整改报告.pdf": pdfs.text_report(unit=unit.name)}
    out = []
    for i in range(count):
        unit = units[i % len(units)]
        out.append(submission(files[unit.name], sender=f"u{i}@163.com", subject=f"{unit.name}整改材料",
                              received=on_time(i / 60)))
    return out


def raw_fetch_rate(server: Dovecot, user: str) -> float:
    client = server.client(user)
    client.select("INBOX", readonly=True)
    typ, data = client.uid("SEARCH", None, "ALL")
    uids = data[0].split()
    start = time.perf_counter()
    for i in range(0, len(uids), 100):
        client.uid("FETCH", b",".join(uids[i:i + 100]), "(UID INTERNALDATE BODY.PEEK[])")
    elapsed = time.perf_counter() - start
    client.logout()
    return len(uids) / elapsed


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mails", type=int, default=1000)
    parser.add_argument("--idle-mails", type=int, default=40)
    args = parser.parse_args()
    os.environ["BENCH_PW"] = PASSWORD
    rules = load_rules(RULES)
    print(f"generating {args.mails} submissions …", flush=True)
    mails = make_mails(args.mails, rules)
    server, smtp = Dovecot(), SmtpServer()
    server.start()
    smtp.start()
    work = Path(tempfile.mkdtemp(prefix="mailbot-bench-"))
    try:
        user = server.new_user()
        start = time.perf_counter()
        for raw in mails:
            server.append(user, raw)
        append_rate = len(mails) / (time.perf_counter() - start)
        fetch_rate = raw_fetch_rate(server, user)

        def settings(name: str, poll: float) -> Settings:
            return Settings(var_dir=work / name, poll_interval_seconds=poll,
                            inbox=server.imap_settings(user, password_env="BENCH_PW"),
                            outbox=smtp.settings(password_env="BENCH_PW"))

        daemon = build_daemon(settings("backlog", 60), rules)
        start = time.perf_counter()
        outcomes = daemon.run_once()
        backlog_seconds = time.perf_counter() - start
        daemon.inbox.close()
        replies = len(smtp.messages)

        idle_user = server.new_user()
        idle = build_daemon(Settings(var_dir=work / "idle", poll_interval_seconds=600,
                                     inbox=server.imap_settings(idle_user, password_env="BENCH_PW"),
                                     outbox=smtp.settings(password_env="BENCH_PW")), rules)
        thread = threading.Thread(target=idle.run_forever, daemon=True)
        thread.start()
        while idle.inbox.box is None:
            time.sleep(0.05)
        time.sleep(0.5)
        latencies = []
        for raw in mails[: args.idle_mails]:
            before = len(smtp.messages)
            appended = time.perf_counter()
            server.append(idle_user, raw)
            while len(smtp.messages) == before:
                time.sleep(0.005)
            latencies.append(time.perf_counter() - appended)
            time.sleep(0.2)
        idle.stopping.set()
        thread.join(30)

        own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        print(f"""
machine: {os.cpu_count()} cores
backlog: {len(mails)} submissions (ledger + PDF report each), {sum(map(len, mails)) / 1e6:.1f} MB
  APPEND into Dovecot:          {append_rate:8.1f} mails/s
  raw IMAP fetch (ceiling):      {fetch_rate:8.1f} mails/s
  mailbot run --once:            {len(outcomes) / backlog_seconds:8.1f} submissions/s  ({backlog_seconds:.1f} s, {replies} replies sent)
IDLE arrival → reply ({len(latencies)} mails): p50 {statistics.median(latencies):.2f} s, p95 {percentile(latencies, 0.95):.2f} s, max {max(latencies):.2f} s
peak RSS: mailbot process {own:.0f} MB, largest parser child {children:.0f} MB (Dovecot/SMTP not counted)
""")
    finally:
        smtp.stop()
        server.cleanup()


if __name__ == "__main__":
    main()
