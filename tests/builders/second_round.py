"""A second round of the campaign (another quarter's workbook) for the tests of several campaigns open at once."""

from __future__ import annotations

import io

import openpyxl

from tests.builders.campaign import TEMPLATE

SECOND = "xzbh-2022-12"


def second_template(owner: str = "各乡镇、各部门(单位)") -> bytes:
    """Another round's workbook: another title, five problems."""
    wb = openpyxl.load_workbook(TEMPLATE)
    ws = wb["台账"]
    ws["A2"] = "2022 年政务公开第二季度检查问题台账"
    ws.delete_rows(12, 37)  # keep 序号 1-5
    for seq in range(1, 6):
        ws.cell(row=6 + seq, column=5, value=f"2022 年第二季度问题 {seq}")
        ws.cell(row=6 + seq, column=6, value=owner)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
