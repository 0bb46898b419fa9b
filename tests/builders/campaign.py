"""Fill the campaign's real template the way a unit does, correctly or with a chosen mistake.

Everything is built in memory from ``rules/campaigns/<id>/template.xlsx``; the
tests never commit a filled workbook.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path

import openpyxl

ROOT = Path(__file__).resolve().parents[2]
RULES = ROOT / "rules"
CAMPAIGN_ID = "xzbh-2021-56"
TEMPLATE = RULES / "campaigns" / CAMPAIGN_ID / "template.xlsx"

SHEET = "台账"
FIRST_ROW = 7  # 序号 1 is on row 7 of the template
COL = {"seq": "A", "problem": "E", "owner": "F", "measure": "G", "status": "H", "remark": "I"}
UNIT_CELL, CONTACT_CELL, PHONE_CELL = "B3", "B4", "B5"

# Rows each kind of unit answers, as the template says (checked by test_rules against the loader).
EVERYONE = (2, 10, 11, 12, 13, 14, 16, 17, 18, 19, 32, 34, 36, 37)


def row_of(seq: int) -> int:
    return FIRST_ROW + seq - 1


def cell_of(field_name: str, seq: int) -> str:
    return f"{COL[field_name]}{row_of(seq)}"


@dataclass
class Filling:
    """How a unit fills the template. Defaults give a correct ledger."""

    unit: str = "田坪乡"
    contact: str = "李明"
    phone: str = "13909541234"
    seqs: tuple[int, ...] = EVERYONE  # rows this unit fills
    status: dict[int, str] = field(default_factory=dict)  # per-seq override
    measure: dict[int, str] = field(default_factory=dict)
    remark: dict[int, str] = field(default_factory=dict)
    problem: dict[int, str] = field(default_factory=dict)  # rewritten 反馈问题
    delete_rows: tuple[int, ...] = ()  # seqs removed from the sheet
    only_own_rows: bool = False  # return only the unit's rows (others deleted)


def filled_ledger(f: Filling | None = None) -> bytes:
    """The template filled per ``f``, as .xlsx bytes."""
    f = f or Filling()
    wb = openpyxl.load_workbook(TEMPLATE)
    ws = wb[SHEET]
    ws[UNIT_CELL] = f.unit or None
    ws[CONTACT_CELL] = f.contact or None
    ws[PHONE_CELL] = f.phone or None
    for seq in f.seqs:
        ws[cell_of("measure", seq)] = f.measure.get(seq, f"已对照问题逐项整改，在政府网站补发相关信息（序号{seq}）。")
        ws[cell_of("status", seq)] = f.status.get(seq, "完成整改")
        if seq in f.remark:
            ws[cell_of("remark", seq)] = f.remark[seq]
    for seq, status in f.status.items():
        ws[cell_of("status", seq)] = status or None
    for seq, measure in f.measure.items():
        ws[cell_of("measure", seq)] = measure or None
    for seq, remark in f.remark.items():
        ws[cell_of("remark", seq)] = remark or None
    for seq, text in f.problem.items():
        ws[cell_of("problem", seq)] = text
    doomed = set(f.delete_rows)
    if f.only_own_rows:
        doomed |= {seq for seq in range(1, 38) if seq not in f.seqs}
    for seq in sorted(doomed, reverse=True):
        ws.delete_rows(row_of(seq))
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def department(name: str, seqs: tuple[int, ...], **kw) -> Filling:
    return Filling(unit=name, seqs=seqs, **kw)


def _values(xlsx_bytes: bytes) -> list[list[object]]:
    ws = openpyxl.load_workbook(io.BytesIO(xlsx_bytes))[SHEET]
    return [list(row) for row in ws.iter_rows(values_only=True)]


def as_xls(xlsx_bytes: bytes) -> bytes:
    """The same filled ledger saved as a legacy .xls (BIFF8, via xlwt)."""
    import xlwt

    book = xlwt.Workbook(encoding="utf-8")
    ws = book.add_sheet(SHEET)
    for r, row in enumerate(_values(xlsx_bytes)):
        for c, value in enumerate(row):
            if value is not None:
                ws.write(r, c, value)
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def as_csv(xlsx_bytes: bytes, encoding: str = "gb18030") -> bytes:
    """The same filled ledger exported as CSV, as Excel does for Chinese Windows (GB18030)."""
    import csv

    buf = io.StringIO()
    writer = csv.writer(buf)
    for row in _values(xlsx_bytes):
        writer.writerow(["" if v is None else v for v in row])
    return buf.getvalue().encode(encoding)


def zipped(files: dict[str, bytes]) -> bytes:
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    return buf.getvalue()


def edited_rules(folder: Path, units: tuple[tuple[str, str], ...] = (),
                 campaign: tuple[tuple[str, str], ...] = ()) -> Path:
    """A copy of the shipped rules under ``folder`` with text replacements, as an administrator edits them."""
    import shutil

    target = folder / "rules"
    shutil.copytree(RULES, target)
    for path, edits in ((target / "units.toml", units), (target / "campaigns" / CAMPAIGN_ID / "campaign.toml", campaign)):
        text = path.read_text(encoding="utf-8")
        for old, new in edits:
            assert old in text, f"{old!r} not in {path.name}"
            text = text.replace(old, new)
        path.write_text(text, encoding="utf-8")
    return target


def registered(unit: str, *addresses: str) -> tuple[str, str]:
    """The units.toml edit that registers ``addresses`` for ``unit``."""
    quoted = ", ".join(f'"{a}"' for a in addresses)
    kind = "乡镇" if unit.endswith(("乡", "镇")) else "部门"
    return f'name = "{unit}"\nkind = "{kind}"', f'name = "{unit}"\nkind = "{kind}"\naddresses = [{quoted}]'
