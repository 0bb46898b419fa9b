"""Every check, in the order findings are reported (files first, then the ledger, then the report)."""

from __future__ import annotations

from mailbot.checks import (
    attachments,
    deadline,
    ledger_columns,
    ledger_contacts,
    ledger_file,
    ledger_measures,
    ledger_problem_text,
    ledger_reasons,
    ledger_rows,
    ledger_status,
    ledger_unit,
    mail_parts,
    report_counts,
    report_date,
    report_empty,
    report_file,
    report_scan,
    report_title,
    report_unit,
    unit_evidence,
)
from mailbot.checks.base import CheckContext, Issue
from mailbot.findings import Finding

CHECKS = (
    unit_evidence,
    deadline,
    attachments,
    mail_parts,
    ledger_file,
    ledger_columns,
    ledger_contacts,
    ledger_unit,
    ledger_rows,
    ledger_measures,
    ledger_status,
    ledger_reasons,
    ledger_problem_text,
    report_file,
    report_empty,
    report_scan,
    report_unit,
    report_title,
    report_counts,
    report_date,
)


def all_issues() -> tuple[Issue, ...]:
    return tuple(issue for module in CHECKS for issue in module.ISSUES)


def known_codes() -> frozenset[str]:
    return frozenset(issue.code for issue in all_issues())


def run_checks(ctx: CheckContext) -> list[Finding]:
    """All findings of all checks, switched-off ones left out."""
    return [f for module in CHECKS for f in module.check(ctx) if f is not None]
