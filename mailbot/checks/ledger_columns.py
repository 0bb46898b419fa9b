"""The columns the campaign requires must be in the header row."""

from __future__ import annotations

from collections.abc import Iterator

from mailbot.checks.base import CheckContext, Issue
from mailbot.findings import Finding, Place
from mailbot.rules import LEDGER_FIELD_LABELS

COLUMN_MISSING = Issue(
    "ledger.column_missing", "台账缺少必需的列",
    "台账表头（第 {row} 行）中没有“{column}”列。",
    "请使用通知所附模板，不要删除表头中的“{column}”列，也不要改动列名。",
)
ISSUES = (COLUMN_MISSING,)

FIELD_OF_LABEL = {label: field for field, label in LEDGER_FIELD_LABELS.items()}


def check(ctx: CheckContext) -> Iterator[Finding | None]:
    lf = ctx.ledger_file
    if lf is None:
        return
    ledger = lf.ledger
    for label in ctx.campaign.spec.ledger.required_columns:
        if FIELD_OF_LABEL[label] not in ledger.columns:
            place = Place(file=lf.name, sheet=ledger.sheet)
            yield ctx.finding(COLUMN_MISSING, place, row=ledger.header_row, column=label)
