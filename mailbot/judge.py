"""Judge a dossier: which unit, which findings, which verdict. The one entry point of checking.

``mailbot check``, the daemon and rules replay all call :func:`judge`, so a
unit gets the same answer however its files reached us.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from mailbot.checks import run_checks
from mailbot.checks.base import CheckContext
from mailbot.dossier import Dossier, Identity
from mailbot.findings import STATUS_ORDER, Severity, Summary, Verdict, VerdictTag
from mailbot.rules import Campaign, Roster, Unit


def unit_from_ledger(dossier: Dossier, roster: Roster) -> Unit | None:
    """The unit the (single, readable) ledger names in its 单位 line, if any."""
    lf = dossier.ledger
    if lf is None or lf.ledger is None or lf.ledger.unit is None:
        return None
    return roster.named(lf.ledger.unit.text)


def judge(dossier: Dossier, campaign: Campaign, roster: Roster, rules_version: str, unit: Unit | None,
          identity: Identity | None = None, received_at: datetime | None = None,
          first_received_at: datetime | None = None) -> Verdict:
    ctx = CheckContext(campaign=campaign, roster=roster, unit=unit, dossier=dossier, identity=identity,
                       received_at=received_at, first_received_at=first_received_at)
    findings = tuple(run_checks(ctx))
    if unit is None:
        tag = VerdictTag.UNIT_UNKNOWN
    elif any(f.severity is Severity.ERROR for f in findings):
        tag = VerdictTag.NEEDS_FIX
    else:
        tag = VerdictTag.ACCEPTED
    late = any(f.code == "deadline.late" for f in findings)
    return Verdict(tag=tag, findings=findings, summary=summarize(ctx), rules_version=rules_version, late=late)


def summarize(ctx: CheckContext) -> Summary:
    """Rows the unit must answer, rows answered with an allowed status, and the counts."""
    own = ctx.own_problems()
    counts: Counter = Counter({status: 0 for status in STATUS_ORDER})
    counts.update(ctx.ledger_counts())
    rf = ctx.report_file or ctx.dossier.report
    return Summary(
        unit=ctx.unit.name if ctx.unit else None,
        rows_expected=len(own),
        rows_answered=sum(counts.values()),
        status_counts=dict(counts),
        ledger_file=(ctx.dossier.ledger.name if ctx.dossier.ledger else None),
        report_file=(rf.name if rf else None),
    )
