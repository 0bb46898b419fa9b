"""Run mailbot's readers over other projects' real test files: what crashes, hangs or is wrongly refused.

    .venv/bin/python -m bench.corpus run DIR... --out RESULT.json [--load N]
    .venv/bin/python -m bench.corpus reference DIR... --out REFERENCE.json
    .venv/bin/python -m bench.corpus compare REFERENCE.json RESULT.json [RESULT.json...]

``run`` sends every .xlsx/.xls/.xlsb/.ods/.csv/.tsv/.pdf/.zip file under the folders through the
product's own path (parsers.unpack, then mailbot.intake.read_attachments with a sandbox, every
ledger and report type accepted) and records, per file, what a unit would be told. ``--load N``
keeps N CPU-bound processes running meanwhile, as on a busy server. The script uses only what
old and new code share, so a copy of it can run against an earlier commit for the "before" figure.

``reference`` asks independent readers whether each file is readable at all: pdfium (via
pypdfium2, pdfplumber's renderer) for PDFs, the spreadsheet fallback reader
(parsers.ledger_calamine) for workbooks, a decoder for text. ``compare`` then counts, per run:

- crash: the run raised something other than a refusal, or a parser process died;
- hang: 读取超时 (TIMEOUT) told to the unit, or a stall left for a retry;
- wrong refusal: the unit is told the file is damaged, of the wrong type, a bomb, of an unknown
  kind and so on, while the reference reader reads it (NO_TABLE, "not the template", is right for
  these files: none is a ledger; so is "this is an OpenDocument sheet / plain text, send .xlsx");
- read / not a ledger / rightly refused: the rest.

The corpora are not part of this repository: fetch the projects and pass their folders.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import sys
import time
from collections import Counter
from pathlib import Path

SUFFIXES = {".xlsx", ".xlsm", ".xls", ".xlsb", ".ods", ".csv", ".tsv", ".pdf", ".zip"}
DAMAGE = {"truncated", "wrong_type", "bomb", "unreadable", "too_large", "out_of_memory", "xml_entities"}


def corpus_files(folders: list[str]) -> list[Path]:
    return sorted(p for folder in folders for p in Path(folder).rglob("*")
                  if p.is_file() and p.suffix.lower() in SUFFIXES)


def _spin() -> None:  # pragma: no cover - a load generator
    while True:
        pass


def run(folders: list[str], out: str, load: int) -> None:
    from mailbot.intake import Accepted, read_attachments, unpack_files
    from parsers.sandbox import Sandbox
    from parsers.types import Limits

    hogs = [multiprocessing.Process(target=_spin, daemon=True) for _ in range(load)]
    for hog in hogs:
        hog.start()
    accepted = Accepted(frozenset({"xlsx", "xls", "csv"}), frozenset({"pdf"}))
    results = {}
    limits = Limits()
    started = time.monotonic()
    try:
        with Sandbox(limits, 1) as sandbox:
            for path in corpus_files(folders):
                data = path.read_bytes()
                began = time.monotonic()
                try:
                    attachments, rejected = unpack_files([(path.name, data)], limits)
                    dossier = read_attachments(attachments, rejected, accepted, sandbox)
                    outcome = _outcome(dossier)
                except Exception as exc:  # noqa: BLE001 - what we are counting
                    outcome = {"state": "exception", "detail": f"{type(exc).__name__}: {exc}"[:300]}
                outcome["seconds"] = round(time.monotonic() - began, 3)
                results[str(path)] = outcome
                print(f"{outcome['state']:<12} {outcome.get('kind', ''):<14} {path}", flush=True)
    finally:
        for hog in hogs:
            hog.kill()
    Path(out).write_text(json.dumps({"seconds": round(time.monotonic() - started, 1), "load": load,
                                     "files": results}, ensure_ascii=False, indent=1))


def _outcome(dossier) -> dict:
    """The first file's fate (a zip's members: the worst one)."""
    fates = []
    for f in (*dossier.ledgers, *dossier.reports):
        if f.error is None:
            fates.append({"state": "read"})
        else:
            fates.append({"state": "refused", "kind": f.error.kind.value, "detail": f.error.detail[:200]})
    for r in dossier.refused:
        kind = r.error.kind.value if r.error else ""
        fates.append({"state": "refused", "kind": kind or f"{r.reason.value}:{r.kind.value if r.kind else ''}",
                      "detail": r.error.detail[:200] if r.error else ""})
    order = {"refused": 0, "read": 1}
    return min(fates, key=lambda f: order[f["state"]]) if fates else {"state": "nothing"}


def reference(folders: list[str], out: str) -> None:
    """Is each file readable by an independent reader? Run in a sandbox: corpora hold hostile files too."""
    from parsers.sandbox import Sandbox
    from parsers.types import Limits, ParseError

    results = {}
    with Sandbox(Limits(parse_timeout_seconds=60, parse_memory_mb=2048), 1) as sandbox:
        for path in corpus_files(folders):
            try:
                results[str(path)] = sandbox.run(_readable, path.read_bytes(), path.suffix.lower())
            except ParseError as exc:
                results[str(path)] = f"no: {exc}"[:200]
            except Exception as exc:  # noqa: BLE001
                results[str(path)] = f"no: {type(exc).__name__}: {exc}"[:200]
    Path(out).write_text(json.dumps(results, ensure_ascii=False, indent=1))


def _readable(data: bytes, suffix: str) -> str:
    """'yes: …' when an independent reader reads the file, else 'no: why'."""
    from parsers.sniff import detect
    from parsers.types import FileKind

    kind = detect(data, "x" + suffix)
    try:
        if kind is FileKind.PDF or suffix == ".pdf":
            import pypdfium2  # bench only: pdfplumber's renderer as the PDF reference

            pdf = pypdfium2.PdfDocument(data)
            pages = len(pdf)
            if pages and pdf[0].get_textpage() is not None:
                return f"yes: {pages} pages"
            return "no: no pages"
        if suffix in (".csv", ".tsv") or kind in (FileKind.CSV, FileKind.TEXT):
            from parsers.textcodec import decode_text

            text = decode_text(data)
            return f"yes: {len(text)} characters" if text.strip() else "no: empty"
        from parsers import ledger_calamine, ledger_xls
        from parsers.types import Limits

        everything = Limits(max_sheet_rows=1_048_576, max_sheet_columns=16_384)
        try:
            sheets = ledger_calamine.read_sheets(data, everything)
        except Exception:  # noqa: BLE001 - xlrd reads BIFF2-4, which calamine does not
            if kind is not FileKind.XLS:
                raise
            sheets = ledger_xls.read_sheets(data, everything)
        return f"yes: {len(sheets)} sheets" if sheets else "no: no worksheet"
    except Exception as exc:  # noqa: BLE001
        return f"no: {type(exc).__name__}: {exc}"[:200]


def compare(reference_file: str, runs: list[str]) -> None:
    ref = json.loads(Path(reference_file).read_text())
    for run_file in runs:
        data = json.loads(Path(run_file).read_text())
        counts: Counter[str] = Counter()
        wrong = []
        for path, fate in data["files"].items():
            readable = ref.get(path, "").startswith("yes")
            verdict = _classify(fate, readable)
            counts[verdict] += 1
            if verdict in ("wrong refusal", "crash", "hang"):
                wrong.append((verdict, fate.get("kind", ""), fate.get("detail", ""), path))
        print(f"\n== {run_file}: {len(data['files'])} files, {data['seconds']} s, load {data['load']}")
        for verdict in ("read", "not a ledger", "rightly refused", "wrong refusal", "hang", "crash"):
            print(f"  {verdict:<16} {counts[verdict]}")
        for verdict, kind, detail, path in sorted(wrong):
            print(f"  {verdict}: {kind} {path}\n      {detail[:160]}")


def _classify(fate: dict, readable: bool) -> str:
    state, kind, detail = fate["state"], fate.get("kind", ""), fate.get("detail", "")
    if state == "exception":
        return "hang" if "Stall" in detail or "backstop" in detail.lower() else "crash"
    if state == "read":
        return "read"
    if kind == "timeout":
        return "hang"
    if "parser exited" in detail or "killed by signal" in detail:
        return "crash"
    if kind == "no_table" or kind == "overflow":
        return "not a ledger"
    if readable and (kind in DAMAGE or kind in ("unsupported:unknown", "unsupported:office_other")):
        return "wrong refusal"
    return "rightly refused"  # also "this is an .ods / plain text, send .xlsx": true, and what to do


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    for name in ("run", "reference"):
        p = sub.add_parser(name)
        p.add_argument("folders", nargs="+")
        p.add_argument("--out", required=True)
        if name == "run":
            p.add_argument("--load", type=int, default=0, help="CPU-bound processes to run meanwhile")
    p = sub.add_parser("compare")
    p.add_argument("reference")
    p.add_argument("runs", nargs="+")
    args = parser.parse_args()
    if args.command == "run":
        run(args.folders, args.out, args.load)
    elif args.command == "reference":
        reference(args.folders, args.out)
    else:
        compare(args.reference, args.runs)


if __name__ == "__main__":
    sys.path.insert(0, os.getcwd())
    main()
