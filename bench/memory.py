"""Benchmark: the daemon's memory on a backlog of large mail (issue 13, point 4).

    .venv/bin/python -m bench.memory [--large 6] [--huge 2] [--code DIR]

Fills a Maildir inbox with ``--large`` submissions of about 29 MB each (a real ledger and report plus
three 7 MB photos: just under the default 30 MB limit) and ``--huge`` mails of 86 MB (over it), then
runs ``mailbot run --once`` on it as the service does and samples /proc every 20 ms:

- peak RSS of the mailbot process (VmHWM, the kernel's own high-water mark);
- the largest RSS seen of any of its descendants (the parser sandbox's workers).

``--code DIR`` runs the mailbot code in DIR (a checkout of another commit) with this venv, to compare.
Prints a table; the figures are written in bench/RESULTS.md by hand, never asserted in tests.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.builders import pdfs
from tests.builders.campaign import RULES, filled_ledger
from tests.pipeline.conftest import on_time, submission

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00"
MB = 1024 * 1024


def photo(megabytes: float, seed: int) -> bytes:
    return JPEG + os.urandom(int(megabytes * MB)) + bytes([seed % 256])


def fill(inbox: Path, large: int, huge: int) -> list[int]:
    for sub in ("tmp", "new", "cur"):
        (inbox / sub).mkdir(parents=True, exist_ok=True)
    sizes = []
    for i in range(large + huge):
        photos = 3 if i < large else 9  # 3 × 7 MB base64 ≈ 29 MB; 9 × 7 MB ≈ 86 MB
        files = {"田坪乡整改台账.xlsx": filled_ledger(), "田坪乡整改报告.pdf": pdfs.text_report(),
                 **{f"现场照片{n}.jpg": photo(7, i * 10 + n) for n in range(photos)}}
        raw = submission(files, sender=f"unit{i}@163.com", received=on_time(i))
        (inbox / "new" / f"{1700000000 + i}.M{i}.mx").write_bytes(raw)
        sizes.append(len(raw))
    return sizes


def status(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM of ``pid`` in kB (empty once it is gone)."""
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return {}
    return {line.split(":")[0]: int(line.split()[1]) for line in text.splitlines() if line.startswith(("VmRSS", "VmHWM"))}


def descendants(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        parent = todo.pop()
        try:
            children = Path(f"/proc/{parent}/task/{parent}/children").read_text().split()
        except OSError:
            continue
        found += map(int, children)
        todo += map(int, children)
    return found


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--large", type=int, default=6)
    parser.add_argument("--huge", type=int, default=2)
    parser.add_argument("--code", type=Path, help="run the mailbot code in this folder (another commit's checkout)")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="mailbot-memory-"))
    print(f"generating {args.large} × ~29 MB and {args.huge} × ~86 MB mails in {work} …", flush=True)
    sizes = fill(work / "var" / "mail" / "inbox", args.large, args.huge)
    env = {**os.environ, "MAILBOT_VAR_DIR": str(work / "var")}
    env.pop("MAILBOT_DATABASE_URL", None)
    code = args.code.resolve() if args.code else Path(__file__).resolve().parents[1]
    env["PYTHONPATH"] = str(code)
    command = [sys.executable, "-c", "import sys; from mailbot.cli import main; sys.argv[0] = 'mailbot'; main()",
               "--rules", str(RULES), "run", "--once"]
    start = time.perf_counter()
    process = subprocess.Popen(command, env=env, cwd=code, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak, workers = 0, 0
    while process.poll() is None:
        peak = max(peak, status(process.pid).get("VmHWM", 0))
        workers = max([workers, *(status(child).get("VmRSS", 0) for child in descendants(process.pid))])
        time.sleep(0.02)
    elapsed = time.perf_counter() - start
    out, err = process.communicate()
    print(f"""
machine: {os.cpu_count()} cores; code: {code}
backlog: {args.large} mails of {min(sizes[:args.large] or [0]) / MB:.1f}-{max(sizes[:args.large] or [0]) / MB:.1f} MB, \
{args.huge} of {max(sizes[args.large:] or [0]) / MB:.1f} MB ({sum(sizes) / MB:.0f} MB in all)
mailbot run --once: exit {process.returncode}, {elapsed:.1f} s; {out.strip().splitlines()[-1] if out.strip() else err[-300:]}
peak RSS, mailbot process (VmHWM): {peak / 1024:.0f} MB
largest RSS seen, a parser worker:  {workers / 1024:.0f} MB
""")


if __name__ == "__main__":
    main()
