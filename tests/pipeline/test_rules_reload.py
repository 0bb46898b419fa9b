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


def _staff_alerts(settings) -> list:
    outbox = settings.outbox_path / "new"
    mails = [email.message_from_bytes(p.read_bytes(), policy=policy.default) for p in outbox.iterdir()] \
        if outbox.is_dir() else []
    return [m for m in mails if m["To"] == STAFF and "规则修改未生效" in m["Subject"]]


def test_any_broken_edit_leaves_mail_answered_and_two_workers_alert_once(tmp_path):
    """Not only rule errors: an unknown time zone, a units.toml turned into a folder. Each edit is
    refused once, with one alert for the staff however many workers saw it, and mail is answered
    under the rules in force."""
    rules_dir = edited_rules(tmp_path, units=(("staff = []", f'staff = ["{STAFF}"]'),))
    settings = Settings(var_dir=tmp_path / "var", rules_dir=rules_dir)
    workers = [build_daemon(settings, load_rules(rules_dir)) for _ in range(2)]
    good = workers[0].rt.rules.version
    campaign_toml = rules_dir / "campaigns" / CAMPAIGN_ID / "campaign.toml"
    original = campaign_toml.read_text(encoding="utf-8")
    inbox = workers[0].inbox.root / "new"
    units = ["田坪乡", "兴隆镇", "平峰镇"]
    breakages = [lambda: campaign_toml.write_text(original.replace("inclusive = true", "inclusive = yes"), "utf-8"),
                 lambda: campaign_toml.write_text(original.replace('"Asia/Shanghai"', '"Beijing"'), "utf-8"),
                 lambda: ((rules_dir / "units.toml").rename(tmp_path / "units.bak"),
                          (rules_dir / "units.toml").mkdir())]
    for number, (unit, breakage) in enumerate(zip(units, breakages), start=1):
        breakage()
        for worker in workers:
            assert not worker.reload_rules() and not worker.reload_rules()
            assert worker.rt.rules.version == good
        (inbox / f"{number}.mx").write_bytes(submission(
            {"台账.xlsx": filled_ledger(Filling(unit=unit)), "报告.pdf": pdfs.text_report(unit=unit)},
            sender=f"u{number}@163.com", subject=f"{unit}整改材料"))
        [outcome] = workers[number % 2].run_once()
        assert (outcome.unit, outcome.verdict) == (unit, "已受理")
        assert len(_staff_alerts(settings)) == number
    for worker in workers:
        worker.close()


def test_run_watches_the_rules_folder_given_on_the_command_line(tmp_path):
    """`mailbot --rules DIR run` reloads edits of DIR, not of a ./rules that may not even exist."""
    import os

    from tests.servers import running_mailbot, wait_for

    rules_dir = edited_rules(tmp_path / "elsewhere", units=(("staff = []", f'staff = ["{STAFF}"]'),))
    var = tmp_path / "var"
    env = {**os.environ, "MAILBOT_VAR_DIR": str(var), "MAILBOT_POLL_INTERVAL_SECONDS": "0.3"}
    inbox, outbox = var / "mail" / "inbox", var / "mail" / "outbox" / "new"
    with running_mailbot(env, "--rules", str(rules_dir), "run", cwd=tmp_path) as (_, log_file):
        assert wait_for(lambda: (inbox / "new").is_dir(), 120)
        campaign_toml = rules_dir / "campaigns" / CAMPAIGN_ID / "campaign.toml"
        campaign_toml.write_text(campaign_toml.read_text(encoding="utf-8").replace(
            '"ledger.problem_changed" = "warning"', '"ledger.problem_changed" = "error"'), encoding="utf-8")
        # the edit is in force before the mail arrives
        assert wait_for(lambda: "rules reloaded" in log_file.read_text(encoding="utf-8"), 120), log_file.read_text()
        (inbox / "tmp" / "1.mx").write_bytes(submission({"台账.xlsx": filled_ledger(Filling(problem={10: "改写"})),
                                                         "报告.pdf": pdfs.text_report()}))
        os.replace(inbox / "tmp" / "1.mx", inbox / "new" / "1.mx")
        assert wait_for(lambda: outbox.is_dir() and any(outbox.iterdir()), 120), "no reply"
    log = log_file.read_text(encoding="utf-8")
    [reply] = [email.message_from_bytes(p.read_bytes(), policy=policy.default) for p in outbox.iterdir()]
    assert "【需补正】" in reply["Subject"], log  # judged with the edited rules
    assert "rules reloaded" in log and "refused" not in log
