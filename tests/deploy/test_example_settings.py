"""deploy/mailbot.example.toml documents every key mailbot accepts, in its section, and each documented value loads.

The administrator learns the settings from this file alone (the guide says every key is
explained there), so a key the model accepts but the example leaves out is a setting nobody
finds, and a key the example shows but the model no longer has is refused at start-up.
"""

from __future__ import annotations

import pytest

from mailbot.settings import ImapSettings, MaildirSettings, SmtpSettings, load_settings
from tests.deploy.example_settings import EXAMPLE, documented_keys, every_option, key_lines, model_keys

TEXT = EXAMPLE.read_text(encoding="utf-8")


def test_every_key_of_the_settings_model_is_in_the_example_under_its_section():
    expected = model_keys()
    assert {"log_format", "inbox.batch_bytes", "outbox.ca_file", "digest.time", "reminders.days_before"} <= expected
    documented = documented_keys(TEXT)
    assert sorted(expected - documented) == []  # accepted by mailbot, never explained
    assert sorted(documented - expected) == []  # shown to the administrator, refused by mailbot


def test_each_key_is_explained_once_per_section_and_model():
    """A key written twice in one section (live and commented) is a duplicate-key error once both are on."""
    seen: dict[tuple[str, str], int] = {}
    for line in key_lines(TEXT):
        seen[(line.section, line.key)] = seen.get((line.section, line.key), 0) + 1
    assert {k: n for k, n in seen.items() if n > 1} == {("inbox", "kind"): 2, ("outbox", "kind"): 2}


def test_the_example_loads_as_shipped():
    settings = load_settings(EXAMPLE)
    assert isinstance(settings.inbox, MaildirSettings) and isinstance(settings.outbox, MaildirSettings)
    assert str(settings.var_dir) == "/var/lib/mailbot" and str(settings.rules_dir) == "/etc/mailbot/rules"


@pytest.mark.parametrize("last_wins", [True, False], ids=["production-options", "default-options"])
def test_the_example_loads_with_every_option_switched_on(tmp_path, last_wins):
    path = tmp_path / "mailbot.toml"
    path.write_text(every_option(TEXT, last_wins), encoding="utf-8")
    settings = load_settings(path)
    if last_wins:
        assert isinstance(settings.inbox, ImapSettings) and isinstance(settings.outbox, SmtpSettings)
        assert settings.inbox.credential == "imap" and settings.outbox.credential == "smtp"
        assert settings.archive_dir is not None and settings.database_url_file is not None
    else:
        assert isinstance(settings.inbox, MaildirSettings) and settings.inbox.path is not None
