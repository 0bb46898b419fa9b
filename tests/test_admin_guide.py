"""The administrator's guide covers every check and every campaign.toml key there is."""

from pathlib import Path

from mailbot.checks import all_issues
from mailbot.rules import CampaignFile, Deadline, LedgerRules, ReportRules, Statuses, Unit

GUIDE = (Path(__file__).resolve().parents[1] / "docs" / "管理员指南.md").read_text(encoding="utf-8")


def test_every_check_code_is_explained():
    missing = [i.code for i in all_issues() if f"`{i.code}`" not in GUIDE]
    assert missing == []


def test_every_rules_key_is_explained():
    keys = set()
    for model in (CampaignFile, Deadline, LedgerRules, ReportRules, Statuses, Unit):
        keys |= set(model.model_fields)
    missing = sorted(k for k in keys if f"`{k}`" not in GUIDE and f"{k} =" not in GUIDE and f"[{k}]" not in GUIDE)
    assert missing == []
