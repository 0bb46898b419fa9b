"""Benchmark: scanned reports read by OCR (the mailbot[ocr] extra).

    .venv/bin/python -m bench.scans [--reports 5] [--scans 100] [--texts 100] [--head-start S] [--cold]

1. a typical 3-page scanned report (typed, signed, stamped, tilted 0.6 degrees, noisy; it states its
   counts in the opening paragraph) judged from its bytes: parse, OCR of what the checks need, judge;
   a warm OCR worker, each file distinct (no reading on record); and the OCR worker's peak RSS;
2. a burst of ``--scans`` scanned submissions into the Maildir inbox of a running, warm daemon (SQLite,
   embedded default; ``--cold``: one started with the burst), while ``--texts`` text-PDF submissions
   arrive one every 0.3 s: arrival-to-reply of the text mails (p50/p95, the outbox watched from the
   start) and how long the scans take. Every mail is built before the daemon starts.
Prints the figures; they are written down in bench/RESULTS.md by hand, never asserted in tests.
"""

from __future__ import annotations

import argparse
import email
import os
import statistics
import tempfile
import threading
import time
from email import policy
from pathlib import Path

from mailbot.daemon import build_daemon
from mailbot.intake import read_files
from mailbot.judge import judge
from mailbot.rules_loader import load_rules
from mailbot.scans import ScanReader
from mailbot.settings import OcrSettings, Settings
from parsers.types import Limits
from tests.builders import pdfs
from tests.builders.campaign import RULES, Filling, filled_ledger
from tests.builders.scans import scanned_typed_report
from tests.pipeline.conftest import on_time, submission


def variant(pdf: bytes, n: int) -> bytes:
    """The same scan as another file (another sha256): read again, as a different unit's would be."""
    return pdf + f"\n% copy {n}\n".encode()


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def judged_report(reports: int) -> None:
    rules = load_rules(RULES)
    campaign = rules.campaign()
    unit = rules.roster.get("田坪乡")
    scan = scanned_typed_report(tilt=0.6, noise=20)
    ledger = filled_ledger()
    reader = ScanReader(OcrSettings())
    started = time.monotonic()
    reader.probe()
    print(f"OCR worker start and engine load: {time.monotonic() - started:.2f} s")
    times = []
    for n in range(reports):
        started = time.monotonic()
        dossier = read_files({"台账.xlsx": ledger, "报告.pdf": variant(scan, n)}.items(), campaign, Limits(), reader)
        verdict = judge(dossier, campaign, rules.roster, rules.version, unit)
        times.append(time.monotonic() - started)
        report = dossier.reports[0].report
        assert report.from_scan and "田坪乡" in report.title, report.title
    worker = reader.sandbox._free.queue[0]  # the one OCR worker, idle now
    print(f"3-page scanned report judged: median {statistics.median(times):.2f} s, max {max(times):.2f} s "
          f"({reports} reports; verdict {verdict.tag.value}, pages read {[p.page for p in report.reading.pages]})")
    print(f"OCR worker peak RSS: {peak_rss_mb(worker.process.pid):.0f} MB")
    reader.close()


def backlog(scans: int, texts: int, head_start: float = 0.0, texts_only: bool = False, cold: bool = False) -> None:
    """A burst of ``scans`` scanned submissions at once, then ``texts`` text ones every 0.3 s, ``head_start``
    seconds after the burst (0: the text mails arrive while the daemon is still opening the scans).
    The daemon is running already and warm (its parse workers and OCR engine loaded by a first scan and
    text mail), as when a burst comes in the day; ``cold``: started together with the burst instead."""
    rules = load_rules(RULES)
    root = Path(tempfile.mkdtemp(prefix="bench-scans-"))
    settings = Settings(var_dir=root / "var", rules_dir=RULES, poll_interval_seconds=0.2)
    daemon = build_daemon(settings, rules)
    inbox = settings.inbox_path
    for sub in ("tmp", "new", "cur"):
        (inbox / sub).mkdir(parents=True, exist_ok=True)
    outbox = settings.outbox_path / "new"
    outbox.mkdir(parents=True, exist_ok=True)

    def deliver(raw: bytes, name: str) -> float:
        (inbox / "tmp" / name).write_bytes(raw)
        os.replace(inbox / "tmp" / name, inbox / "new" / name)
        return time.monotonic()

    scan = scanned_typed_report(tilt=0.6, noise=20)
    ledger = filled_ledger()
    scan_mails = [submission({"台账.xlsx": ledger, "整改报告.pdf": variant(scan, n)}, sender=f"s{n}@163.com",
                             message_id=f"<scan{n}@bench>", received=on_time()) for n in range(scans + 1)]
    text_ledger = filled_ledger(Filling(unit="兴隆镇"))
    report = pdfs.text_report(unit="兴隆镇")
    text_mails = [submission({"台账.xlsx": text_ledger, "报告.pdf": report}, sender=f"t{n}@163.com", subject="兴隆镇材料",
                             message_id=f"<text{n}@bench>", received=on_time()) for n in range(texts + 1)]  # built
    # beforehand: building a mail (openpyxl, the PDF) in the daemon's process would take its CPU and GIL
    runner = threading.Thread(target=daemon.run_forever, daemon=True)
    if not cold:  # warm: one scan and one text mail answered first (not counted)
        deliver(scan_mails.pop(), "1600000000.W1.bench")
        deliver(text_mails.pop(), "1600000000.W2.bench")
        runner.start()
        while len(list(outbox.iterdir())) < 2:
            time.sleep(0.1)
        warm = {path.name for path in outbox.iterdir()}
    else:
        scan_mails.pop(), text_mails.pop()
        warm = set()
    answered: dict[str, float] = {}  # outbox file → when it was first seen, watched from the start
    watching = threading.Event()

    def watch() -> None:
        while not watching.is_set():
            for path in outbox.iterdir():
                if path.name not in warm:
                    answered.setdefault(path.name, time.monotonic())
            time.sleep(0.05)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    started = time.monotonic()
    for n, raw in enumerate(scan_mails):
        deliver(raw, f"1700000000.S{n}.bench")
    if cold:
        runner.start()
    time.sleep(head_start)
    arrived = {}
    for n, raw in enumerate(text_mails):
        arrived[f"<text{n}@bench>"] = deliver(raw, f"1800000000.T{n}.bench")
        time.sleep(0.3)
    deadline = time.monotonic() + 3600
    wanted = texts if texts_only else scans + texts
    while len(answered) < wanted and time.monotonic() < deadline:
        time.sleep(0.2)
    watching.set()
    watcher.join()
    replies = {}
    for path in outbox.iterdir():
        if path.name in answered:
            message = email.message_from_bytes(path.read_bytes(), policy=policy.default)
            replies[str(message["In-Reply-To"])] = answered[path.name]
    daemon.stopping.set()
    runner.join(120)
    latencies = sorted(replies[k] - t for k, t in arrived.items() if k in replies)
    scan_done = [replies[f"<scan{n}@bench>"] for n in range(scans) if f"<scan{n}@bench>" in replies]
    p95 = latencies[max(0, int(len(latencies) * 0.95) - 1)] if latencies else float("nan")
    print(f"backlog: {scans} scans at once to a {'cold' if cold else 'warm'} daemon + {texts} text mails arriving "
          f"every 0.3 s from {head_start:.0f} s on (text stream {texts * 0.3:.0f} s)")
    print(f"  text mails arrival → reply: p50 {statistics.median(latencies):.2f} s, p95 {p95:.2f} s, "
          f"max {latencies[-1]:.2f} s ({len(latencies)}/{texts} answered)")
    if scan_done and not texts_only:
        span = max(scan_done) - started
        print(f"  scans answered: {len(scan_done)}/{scans}, last after {span:.0f} s ({span / len(scan_done):.2f} s a scan); "
              f"while the text stream lasted, {sum(1 for t in scan_done if t - started < texts * 0.3)} scans were answered")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reports", type=int, default=5)
    parser.add_argument("--scans", type=int, default=100)
    parser.add_argument("--texts", type=int, default=100)
    parser.add_argument("--skip-backlog", action="store_true")
    parser.add_argument("--head-start", type=float, default=0.0)
    parser.add_argument("--texts-only", action="store_true", help="stop once the text mails are answered")
    parser.add_argument("--cold", action="store_true", help="start the daemon together with the burst")
    args = parser.parse_args()
    print(f"load average at start: {os.getloadavg()}")
    if args.reports:
        judged_report(args.reports)
    if not args.skip_backlog:
        backlog(args.scans, args.texts, args.head_start, args.texts_only, args.cold)
    print(f"load average at end: {os.getloadavg()}")


if __name__ == "__main__":
    main()
