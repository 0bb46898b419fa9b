"""Work out which unit sent a mail, from every piece of evidence, and say how sure we are.

Evidence: the registered sender address (or, for mail forwarded by staff, the
original sender's), the ledger's 单位 line, the subject, the file names, and
the report's title and signature (on a scan: as OCR read them, only when nothing else names a unit). One unit → that unit (``registered`` when its
address is on the roster, else ``inferred``: accepted with a note and a flag
for staff). Two units → ``conflict``. None → ``unknown``.
"""

from __future__ import annotations

from mailbot.dossier import Dossier, Evidence, Identity
from mailbot.mail_types import ParsedMail
from mailbot.rules import Roster
from parsers.scan_text import CONFIDENT, confidence


def original_sender(mail: ParsedMail, staff: frozenset[str]) -> tuple[str, bool]:
    """(address, forwarded): for mail forwarded by staff, the first sender down the chain who is not staff.

    A unit's mail that reached the office mailbox through two staff members names both; the
    unit is the one to identify and to answer.
    """
    if mail.from_address not in staff or not mail.forwarded_from:
        return mail.from_address, False
    return next((a for a in mail.forward_senders if a not in staff), mail.forwarded_from), True


def gather(mail: ParsedMail, dossier: Dossier, roster: Roster, staff: frozenset[str]) -> list[Evidence]:
    evidence: list[Evidence] = []
    address, forwarded = original_sender(mail, staff)
    if unit := roster.by_address(address):
        evidence.append(Evidence("forward" if forwarded else "address", unit.name, address))
    for lf in dossier.ledgers:
        if lf.ledger is not None and lf.ledger.unit is not None and (unit := roster.named(lf.ledger.unit.text)):
            evidence.append(Evidence("ledger", unit.name, lf.ledger.unit.text))
    subject = mail.forwarded_subject if forwarded and mail.forwarded_subject else mail.subject
    if first := _first_named(subject, roster):
        evidence.append(Evidence("subject", first, subject))
    for name in [lf.name for lf in dossier.ledgers] + [rf.name for rf in dossier.reports]:
        if first := _first_named(name.rsplit("/", 1)[-1], roster):
            evidence.append(Evidence("filename", first, name))
    for rf in dossier.reports:
        if rf.report is not None and rf.report.has_text_layer:
            if first := _first_named(rf.report.title, roster) or _first_named(rf.report.issuer_text, roster):
                evidence.append(Evidence("report", first, rf.report.title or rf.name))
        elif rf.report is not None and rf.report.from_scan:
            if scanned := _read_on_scan(rf.report, roster):
                evidence.append(scanned)
    return evidence


def _read_on_scan(report, roster: Roster) -> Evidence | None:
    """The unit OCR read with confidence in a scan's title or 落款 (weaker than a text layer: see identify)."""
    for line in report.issuer_text.splitlines():
        if (first := _first_named(line, roster)) and confidence(report, line) >= CONFIDENT:
            return Evidence("scan", first, line)
    return None


def _first_named(text: str, roster: Roster) -> str | None:
    """The first unit a text names: '田坪乡关于报送整改材料（报县政府办）' is 田坪乡's."""
    mentioned = roster.mentioned_in(text or "")
    return mentioned[0].name if mentioned else None


def identify(mail: ParsedMail, dossier: Dossier, roster: Roster, staff: frozenset[str]) -> Identity:
    evidence = tuple(gather(mail, dossier, roster, staff))
    address, _ = original_sender(mail, staff)
    # what OCR read counts only when nothing else names a unit: a misreading must never make a conflict
    # (a scan confidently naming another unit is caught by report.unit_mismatch instead)
    evidence = tuple(e for e in evidence if e.source != "scan") or evidence
    units = tuple(dict.fromkeys(e.unit for e in evidence))
    registered = next((e.unit for e in evidence if e.source in ("address", "forward")), None)
    if not units:
        return Identity(None, "unknown", evidence, address)
    if len(units) > 1:
        ledger_unit = next((e.unit for e in evidence if e.source == "ledger"), None)
        return Identity(registered or ledger_unit or units[0], "conflict", evidence, address)
    return Identity(units[0], "registered" if registered else "inferred", evidence, address)
