"""How fast the staff console answers, on the demo data and on a full roster.

    .venv/bin/python -m bench.console [--rounds 20]

Fills a state folder with the demo's sample mail plus one accepted submission for every other unit of
the roster (so 总览 lists 33 units with mail), judges it with `mailbot run --once`, starts `mailbot web`
(waitress), logs in once (an argon2id check) and times each page over ``rounds`` requests, one at a
time, with a plain HTTP client (no browser rendering). Figures go to bench/RESULTS.md by hand.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import os
import re
import statistics
import subprocess
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

from tests.builders import pdfs
from tests.builders.campaign import Filling, filled_ledger
from tests.builders.demo import fill_inbox, on_time
from tests.builders.mails import client_mail
from tests.servers import MAILBOT, free_port

PAGES = ("/", "/pending", "/unit/政府办", "/summary", "/rules", "/audit", "/summary/workbook.xlsx")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        var = Path(folder) / "var"
        fill_inbox(var)
        from mailbot.rules_loader import load_rules
        from tests.builders.campaign import RULES

        inbox = var / "mail" / "inbox" / "new"
        for n, unit in enumerate(u.name for u in load_rules(RULES).roster.units):
            raw = client_mail("163", sender=f"bench{n}@163.com", subject=f"{unit}整改台账及整改报告",
                              files={"台账.xlsx": filled_ledger(Filling(unit=unit, only_own_rows=True)),
                                     "报告.pdf": pdfs.text_report(unit=unit)}, received=on_time(8))
            (inbox / f"bench{n}.mx").write_bytes(raw)
        env = {**os.environ, "MAILBOT_VAR_DIR": str(var), "PW": "bench-password"}
        subprocess.run([MAILBOT, "run", "--once"], env=env, check=True, capture_output=True)
        subprocess.run([MAILBOT, "user", "add", "bench", "--role", "admin", "--password-env", "PW"], env=env,
                       check=True, capture_output=True)
        port = free_port()
        server = subprocess.Popen([MAILBOT, "web", "--port", str(port)], env=env, stderr=subprocess.DEVNULL)
        try:
            run(f"http://127.0.0.1:{port}", args.rounds)
        finally:
            server.terminate()
            server.wait()


def run(base: str, rounds: int) -> None:
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    for _ in range(600):
        try:
            page = opener.open(base + "/login").read().decode()
            break
        except OSError:
            time.sleep(0.1)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)[1]
    form = urllib.parse.urlencode({"csrf_token": token, "name": "bench", "password": "bench-password"}).encode()
    start = time.perf_counter()
    opener.open(base + "/login", form).read()
    print(f"login (argon2id check, then 总览): {1000 * (time.perf_counter() - start):.0f} ms")
    for path in PAGES:
        times = []
        for _ in range(rounds):
            start = time.perf_counter()
            body = opener.open(base + urllib.parse.quote(path)).read()
            times.append(1000 * (time.perf_counter() - start))
        print(f"{path:24} median {statistics.median(times):6.0f} ms  max {max(times):6.0f} ms  ({len(body) // 1024} KB)")


if __name__ == "__main__":
    main()
