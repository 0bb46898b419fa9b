"""逾期: judged by the mail that completes the dossier, or (first_mail_counts) by the unit's first one."""

from datetime import datetime, timedelta, timezone

import pytest

from mailbot.intake import read_files
from mailbot.judge import judge
from mailbot.rules_loader import load_rules
from parsers.types import Limits
from tests.builders import pdfs
from tests.builders.campaign import edited_rules, filled_ledger

CST = timezone(timedelta(hours=8))
ON_TIME, LATE, LATER = (datetime(2021, 11, d, 9, 0, tzinfo=CST) for d in (24, 27, 28))


def verdict(tmp_path, first_mail_counts: bool, received: datetime, first: datetime | None):
    edit = ("first_mail_counts = false", f"first_mail_counts = {str(first_mail_counts).lower()}")
    rules = load_rules(edited_rules(tmp_path, campaign=(edit,)))
    campaign = rules.campaign()
    dossier = read_files([("台账.xlsx", filled_ledger()), ("报告.pdf", pdfs.text_report())], campaign, Limits())
    return judge(dossier, campaign, rules.roster, rules.version, rules.roster.get("田坪乡"), None, received, first)


@pytest.mark.parametrize("first_mail_counts,first,late", [
    (False, ON_TIME, True),  # the default: this mail came after the deadline
    (True, ON_TIME, False),  # a correction of an on-time submission
    (True, None, True),  # no earlier submission: this mail is the first
])
def test_which_mail_decides(tmp_path, first_mail_counts, first, late):
    assert verdict(tmp_path, first_mail_counts, LATE, first).late is late


def test_a_late_first_mail_names_itself(tmp_path):
    found = verdict(tmp_path, True, LATER, LATE)
    [finding] = [f for f in found.findings if f.code == "deadline.late"]
    assert finding.message.startswith("贵单位首次报送材料的邮件于 2021年11月27日 09:00 收到")
