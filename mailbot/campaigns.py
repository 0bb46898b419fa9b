"""Which collection round a mail belongs to when several are open at once.

Evidence, strongest first: the ledger's title is the campaign template's title; the ledger's
反馈问题 texts are the template's; the subject (or a file name) carries the campaign's keywords;
then the campaign whose deadline is nearest after the mail arrived. With one campaign there is
nothing to decide.
"""

from __future__ import annotations

from datetime import datetime

from mailbot.dossier import Dossier
from mailbot.mail_types import ParsedMail
from mailbot.rules import Campaign, Rules, normalize_name


def score(campaign: Campaign, mail: ParsedMail, dossier: Dossier) -> int:
    points = 0
    template_title = normalize_name(campaign.template_title)
    problems = {normalize_name(p.problem) for p in campaign.problems}
    for lf in dossier.ledgers:
        if lf.ledger is None:
            continue
        if template_title and normalize_name(lf.ledger.title) == template_title:
            points += 10
        same = sum(1 for row in lf.ledger.rows.values() if normalize_name(row.text("problem")) in problems)
        points += min(same, 10)
    names = " ".join([mail.subject, mail.forwarded_subject, *(lf.name for lf in dossier.ledgers),
                      *(rf.name for rf in dossier.reports)])
    points += sum(3 for keyword in campaign.spec.subject_keywords if keyword and keyword in names)
    if campaign.spec.doc_number and campaign.spec.doc_number in names:
        points += 5
    return points


def match_campaign(rules: Rules, mail: ParsedMail, dossier: Dossier, received_at: datetime) -> Campaign:
    campaigns = list(rules.campaigns.values())
    if len(campaigns) == 1:
        return campaigns[0]

    def key(campaign: Campaign):
        cutoff = campaign.cutoff_for(None)
        still_open = cutoff > received_at
        # higher score first; then an open campaign, the one closing soonest; then the one closed most recently
        return (-score(campaign, mail, dossier), not still_open,
                (cutoff - received_at) if still_open else (received_at - cutoff))

    return min(campaigns, key=key)
