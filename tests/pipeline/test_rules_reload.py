"""Edited rules take effect without a restart; a broken edit is refused, reported, and the old rules stay."""

import email
from email import policy

from mailbot.daemon import build_daemon
from mailbot.rules_loader import load_rules
from mailbot.settings import Settings
from tests.builders import pdfs
from tests.builders.campaign import CAMPAIGN_ID, Filling, edited_rules, filled_ledger
from tests.pipeline.conftest import submission

STAFF = "staff@office.test"


def test_reload_and_refusal(tmp_path):
    rules_dir = edited_rules(tmp_path, units=(("staff = []", f'staff = ["{STAFF}"]'),))
    settings = Settings(var_dir=tmp_path / "var", rules_dir=rules_dir)
    daemon = build_daemon(settings, load_rules(rules_dir))
    first = daemon.rt.rules.version
    campaign_toml = rules_dir / "campaigns" / CAMPAIGN_ID / "campaign.toml"

    # a good edit: changed problem text becomes an error, effective at once
    campaign_toml.write_text(campaign_toml.read_text(encoding="utf-8").replace(
        '"ledger.problem_changed" = "warning"', '"ledger.problem_changed" = "error"'), encoding="utf-8")
    assert daemon.reload_rules() and daemon.rt.rules.version != first
    inbox = daemon.inbox.root / "new"
    (inbox / "1.mx").write_bytes(submission({"台账.xlsx": filled_ledger(Filling(problem={10: "改写"})),
                                             "报告.pdf": pdfs.text_report()}))
    [outcome] = daemon.run_once()
    assert outcome.verdict == "需补正"
    good = daemon.rt.rules.version

    # a broken edit: refused, the staff told once, the last good rules stay in force
    campaign_toml.write_text(campaign_toml.read_text(encoding="utf-8").replace("inclusive = true", "inclusive = yes"),
                             encoding="utf-8")
    assert not daemon.reload_rules() and not daemon.reload_rules()
    assert daemon.rt.rules.version == good
    alerts = [email.message_from_bytes(p.read_bytes(), policy=policy.default)
              for p in (settings.outbox_path / "new").iterdir()]
    alerts = [m for m in alerts if m["To"] == STAFF]
    assert len(alerts) == 1 and "规则修改未生效" in alerts[0]["Subject"]
    assert "campaign.toml" in alerts[0].get_content()
    daemon.close()
