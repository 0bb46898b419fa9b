"""Benchmark: the ledger readers, openpyxl (the first) against calamine (the second), on the project's ledgers.

    .venv/bin/python -m bench.readers [--rounds 30]

For each workbook: CPU time per read (median of ``--rounds``, one process, warm) of the
format reader alone (``read_sheets``) and of the whole ``read_ledger`` as the daemon runs
it with openpyxl first, and what ``read_ledger`` would cost with calamine first
(calamine's sheets, then the same ledger search). The workbooks: the campaign's real
template filled in as a unit does (37 rows), the same saved by the demo's writers, a
5,000-row ledger (the row limit), and a workbook with 1,024 small sheets. Figures go in
bench/RESULTS.md by hand.
"""

from __future__ import annotations

import argparse
import statistics
import time

from parsers import ledger_calamine, ledger_xlsx
from parsers.guard import check_zip
from parsers.ledger import find_ledger, read_ledger
from parsers.types import FileKind, Limits
from tests.builders import workbooks
from tests.builders.campaign import filled_ledger

LIMITS = Limits()


def cpu_ms(fn, rounds: int) -> float:
    fn()  # warm: imports, caches
    times = []
    for _ in range(rounds):
        start = time.process_time()
        fn()
        times.append((time.process_time() - start) * 1000)
    return statistics.median(times)


def workbooks_to_read() -> dict[str, bytes]:
    big = workbooks.LedgerSpec(rows=[(i, "能力保障", f"问题{i}", "各乡镇", f"措施{i}" * 5, "完成整改", "")
                                     for i in range(1, 4990)])
    return {
        "filled template (37 rows)": filled_ledger(),
        "filled template, Excel-style shared strings": workbooks.with_shared_strings(filled_ledger()),
        "5,000-row ledger": workbooks.xlsx(big),
        "1,024 sheets": workbooks.xlsx(workbooks.LedgerSpec(), extra_sheets=tuple(f"村{i}" for i in range(1023))),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()
    print("| workbook | size | openpyxl read_sheets | calamine read_sheets | read_ledger, openpyxl first "
          "| read_ledger, calamine first |")
    print("|---|---|---|---|---|---|")
    for name, data in workbooks_to_read().items():
        rounds = args.rounds if len(data) < 1_000_000 else max(3, args.rounds // 10)
        first = cpu_ms(lambda: ledger_xlsx.read_sheets(data, LIMITS), rounds)
        second = cpu_ms(lambda: ledger_calamine.read_sheets(data, LIMITS), rounds)
        now = cpu_ms(lambda: read_ledger(data, FileKind.XLSX, LIMITS), rounds)
        calamine_first = cpu_ms(lambda: (check_zip(data, LIMITS), find_ledger(ledger_calamine.read_sheets(data, LIMITS))),
                                rounds)
        print(f"| {name} | {len(data) // 1024} KB | {first:.1f} ms | {second:.1f} ms | {now:.1f} ms "
              f"| {calamine_first:.1f} ms |")


if __name__ == "__main__":
    main()
