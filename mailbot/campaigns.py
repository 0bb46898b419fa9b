"""Which collection round a mail belongs to when several are open at once.

Evidence, strongest first:

1. the files themselves: the ledger's title is the campaign template's title, its 反馈问题 texts are
   the template's, the subject, a file name or the report's text (or what OCR read on its scan) carries
   the campaign's 文号;
2. the round is still open (a closed round takes a mail only on the evidence above: a late
   report for last year's round says so in its 文号, while 整改报告 in a subject says nothing);
3. the unit already has a ledger or report on file in that round (``earlier``);
4. the subject or a file name carries one of the campaign's own ``subject_keywords``: words
   listed by several campaigns, and the names of the materials every round collects, are no evidence;
5. the open round closing soonest, else the round closed most recently.

With one campaign there is nothing to decide.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from mailbot.dossier import Dossier
from mailbot.mail_types import ParsedMail
from mailbot.rules import Campaign, Rules, normalize_name
from parsers.report_facts import names_number

# what every round's mail is called: naming it says nothing about which round
MATERIAL_WORDS = frozenset(normalize_name(w) for w in (
    "整改台账", "整改报告", "台账", "报告", "整改材料", "材料", "整改", "整改落实情况报告", "整改情况报告"))


def file_points(campaign: Campaign, mail: ParsedMail, dossier: Dossier) -> int:
    """Evidence in the files and the 文号: the ledger is this campaign's template, or the 文号 is named."""
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
    doc_number = campaign.spec.doc_number
    if doc_number:
        if names_number(_names(mail, dossier), doc_number):
            points += 5
        if any(rf.report is not None and names_number(rf.report.text, doc_number) for rf in dossier.reports):
            points += 5  # a text layer, or OCR of a scan (its 〔〕 often read as （】)
    return points


def keyword_points(campaign: Campaign, mail: ParsedMail, dossier: Dossier, shared: frozenset[str]) -> int:
    names = normalize_name(_names(mail, dossier))
    own = {normalize_name(k) for k in campaign.spec.subject_keywords} - shared - MATERIAL_WORDS - {""}
    return sum(3 for keyword in own if keyword in names)


def _names(mail: ParsedMail, dossier: Dossier) -> str:
    return " ".join([mail.subject, mail.forwarded_subject, *(lf.name for lf in dossier.ledgers),
                     *(rf.name for rf in dossier.reports)])


def match_campaign(rules: Rules, mail: ParsedMail, dossier: Dossier, received_at: datetime,
                   earlier: frozenset[str] = frozenset()) -> Campaign:
    """The campaign this mail is for; ``earlier``: ids of campaigns where the sender's unit has files on record."""
    campaigns = list(rules.campaigns.values())
    if len(campaigns) == 1:
        return campaigns[0]
    listed = Counter(key for c in campaigns for key in {normalize_name(k) for k in c.spec.subject_keywords})
    shared = frozenset(key for key, count in listed.items() if count > 1)

    def key(campaign: Campaign):
        cutoff = campaign.cutoff_for(None)
        still_open = cutoff > received_at
        return (-file_points(campaign, mail, dossier), not still_open, campaign.id not in earlier,
                -keyword_points(campaign, mail, dossier, shared),
                (cutoff - received_at) if still_open else (received_at - cutoff))

    return min(campaigns, key=key)
