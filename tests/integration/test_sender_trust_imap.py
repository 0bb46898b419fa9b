"""Sender trust against a real Dovecot and SMTP server: what the office's server stamped decides, the
impostor and the attacker hear nothing, the unregistered sender one 【待确认】, the unit its receipt."""

from __future__ import annotations

import email
from email import policy

from sqlmodel import select

from mailbot.daemon import build_daemon
from mailbot.models import FlagRecord
from mailbot.rules_loader import load_rules
from mailbot.settings import Settings
from tests.builders import attacks
from tests.builders.attacks import FAILS, JIQIANG, PASSES, results, stamped, unit_mail
from tests.pipeline.conftest import on_time
from tests.servers import PASSWORD


def test_over_imap_and_smtp_only_the_unit_and_the_held_sender_are_written_to(dovecot, smtp, tmp_path, monkeypatch):
    monkeypatch.setenv("MAILBOT_TEST_IMAP_PASSWORD", PASSWORD)
    monkeypatch.setenv("MAILBOT_TEST_SMTP_PASSWORD", PASSWORD)
    user = dovecot.new_user()
    forged_pass_lower = unit_mail(extra_headers=(f"Authentication-Results: {attacks.SERVER}; {results(PASSES, JIQIANG)}",))
    for hour, raw in enumerate([
        stamped(unit_mail(), results(PASSES, JIQIANG)),  # the unit itself
        attacks.lookalikes()["l26.com"],
        attacks.lookalikes()["display name spells the address"],
        stamped(forged_pass_lower, results(FAILS, JIQIANG)),  # the server's fail on top, a forged pass below
        unit_mail("someone@126.com", client="126"),  # unregistered: held
        unit_mail(JIQIANG, files=attacks.HOSTILE_FILES["program named as the report"]()),
        attacks.forwarded_forgery(),
    ]):
        dovecot.append(user, raw, when=on_time(hour))
    settings = Settings(var_dir=tmp_path / "var", rules_dir=attacks.guarded_rules(tmp_path),
                        inbox=dovecot.imap_settings(user), outbox=smtp.settings(),
                        trust={"authserv_ids": ["*.126.com"]})
    bot = build_daemon(settings, load_rules(settings.rules_dir))
    outcomes = bot.run_once()
    assert [(o.state, o.reason if o.state == "held" else o.verdict) for o in outcomes] == [
        ("processed", "已受理"), ("held", "suspected"), ("held", "suspected"), ("held", "suspected"),
        ("held", "held"), ("held", "hostile"), ("held", "suspected")]
    sent = [email.message_from_bytes(m["data"], policy=policy.default) for m in smtp.messages]
    assert [(m["To"], m["Subject"][:5]) for m in sent] == [(JIQIANG, "【已受理】"), ("someone@126.com", "【待确认】")]
    with bot.rt.store.session() as session:
        kinds = sorted(f.kind for f in session.exec(select(FlagRecord)))
    assert kinds == ["held", "quarantined", "suspected", "suspected", "suspected", "suspected"]
    assert bot.run_once() == [] and len(smtp.messages) == 2
    bot.close()
