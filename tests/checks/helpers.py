"""Small assertions over verdicts, shared by the check tests."""

from mailbot.findings import Severity


def codes(verdict) -> set[str]:
    return {f.code for f in verdict.findings}


def only(verdict, code: str):
    """The single finding with ``code``; fails listing what was found otherwise."""
    found = [f for f in verdict.findings if f.code == code]
    assert len(found) == 1, f"expected one {code}, got {[f.code for f in verdict.findings]}"
    return found[0]


def errors(verdict) -> set[str]:
    return {f.code for f in verdict.findings if f.severity is Severity.ERROR}
