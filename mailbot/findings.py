"""Findings and verdicts: the values every check produces. Imports nothing of ours.

A finding is data, not an exception: a stable ``code`` for scripts and the
database, a ``severity`` decided by the campaign rules, a ``place`` a clerk can
go to, and a Chinese sentence saying what is wrong and how to fix it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum


class Severity(str, Enum):
    ERROR = "error"  # blocks acceptance
    WARNING = "warning"  # reported, does not block
    OFF = "off"  # check disabled by the rules

    @property
    def label(self) -> str:
        return {"error": "需补正", "warning": "提示", "off": "未启用"}[self.value]  # the word of the verdict it causes


class VerdictTag(str, Enum):
    ACCEPTED = "已受理"
    NEEDS_FIX = "需补正"
    UNIT_UNKNOWN = "无法确认单位"


MAX_ECHO = 160  # characters of the sender's own text (a cell, a file name, a subject) a reply repeats
MAX_NAME = 80  # of a file name or subject shown as a place or a heading


def shorten(text: str, limit: int = 24) -> str:
    """Text cut for a message (whitespace runs made one space): enough to recognise it."""
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass(frozen=True)
class Place:
    """Where a finding points. Every part is optional; ``describe`` says it in Chinese."""

    file: str = ""
    sheet: str = ""
    cell: str = ""  # "H7"
    seq: int | None = None  # 序号 of the ledger row
    page: int | None = None  # report page, 1-based

    @property
    def ref(self) -> str:
        """Spreadsheet reference as Excel writes it: ``Sheet1!H7``."""
        if self.sheet and self.cell:
            return f"{self.sheet}!{self.cell}"
        return self.cell

    def describe(self) -> str:
        parts = []
        if self.file:
            parts.append(f"《{shorten(self.file, MAX_NAME)}》")
        if self.ref:
            parts.append(f"{self.ref} 单元格")
        if self.seq is not None:
            parts.append(f"序号 {self.seq}")
        if self.page is not None:
            parts.append(f"第 {self.page} 页")
        return "，".join(parts)

    def as_dict(self) -> dict:
        return {
            "file": self.file or None,
            "sheet": self.sheet or None,
            "cell": self.cell or None,
            "ref": self.ref or None,
            "seq": self.seq,
            "page": self.page,
        }


@dataclass(frozen=True)
class Finding:
    code: str  # stable, dotted: "ledger.status_missing"
    severity: Severity
    message: str  # Chinese: what is wrong
    hint: str = ""  # Chinese: how to fix it
    place: Place = field(default_factory=Place)

    def as_dict(self) -> dict:
        return {
            "code": self.code,
            "severity": self.severity.value,
            "message": self.message,
            "hint": self.hint,
            "place": self.place.as_dict(),
        }


STATUS_ORDER = ("完成整改", "正在整改", "未整改")


@dataclass(frozen=True)
class Summary:
    """What was received, in numbers a clerk reads: rows answered, status counts."""

    unit: str | None
    rows_expected: int = 0  # rows the unit must answer
    rows_answered: int = 0  # of those, rows with an allowed status
    status_counts: dict[str, int] = field(default_factory=dict)
    ledger_file: str | None = None
    report_file: str | None = None

    def line(self) -> str:
        counts = "，".join(f"{s} {self.status_counts.get(s, 0)} 项" for s in STATUS_ORDER)
        return f"应填报 {self.rows_expected} 项，已填报 {self.rows_answered} 项（{counts}）"


@dataclass(frozen=True)
class Verdict:
    tag: VerdictTag
    findings: tuple[Finding, ...]
    summary: Summary
    rules_version: str  # hash of the rules that judged it
    late: bool = False  # received after the unit's deadline (marked 逾期, judged as usual)

    @property
    def accepted(self) -> bool:
        return self.tag is VerdictTag.ACCEPTED

    @property
    def errors(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity is Severity.ERROR)

    @property
    def warnings(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity is Severity.WARNING)

    def as_dict(self) -> dict:
        s = self.summary
        return {
            "verdict": self.tag.value,
            "accepted": self.accepted,
            "late": self.late,
            "unit": s.unit,
            "rules_version": self.rules_version,
            "summary": {
                "rows_expected": s.rows_expected,
                "rows_answered": s.rows_answered,
                "status_counts": dict(s.status_counts),
                "ledger_file": s.ledger_file,
                "report_file": s.report_file,
            },
            "findings": [f.as_dict() for f in self.findings],
        }
