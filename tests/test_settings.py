"""Settings: defaults need no file, the example file is valid, a bad key is named."""

from pathlib import Path

import pytest

from mailbot.settings import SettingsError, load_settings

EXAMPLE = Path(__file__).resolve().parents[1] / "deploy" / "mailbot.example.toml"


def test_defaults_need_no_file(monkeypatch):
    monkeypatch.delenv("MAILBOT_VAR_DIR", raising=False)
    settings = load_settings(None)
    assert settings.db_url == "sqlite:///var/mailbot.db"
    assert settings.inbox_path == Path("var/mail/inbox") and settings.outbox_path == Path("var/mail/outbox")


def test_the_documented_example_loads():
    settings = load_settings(EXAMPLE)
    assert settings.office.address == "xjzfbxx@126.com" and settings.limits.max_pdf_pages == 60


def test_environment_overrides_the_file(monkeypatch):
    monkeypatch.setenv("MAILBOT_OFFICE__PHONE", "王雪倩 15509503117")
    assert load_settings(EXAMPLE).office.phone == "王雪倩 15509503117"


@pytest.mark.parametrize("text,key", [
    ("poll_interval_seconds = -5\n", "poll_interval_seconds"),
    ("[limits]\nmax_pdf_page = 3\n", "limits.max_pdf_page"),
    ("[inbox]\nkind = \"pop3\"\n", "inbox"),
])
def test_bad_settings_name_the_key(tmp_path, text, key):
    path = tmp_path / "mailbot.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SettingsError) as info:
        load_settings(path)
    assert f"{path}: {key}" in str(info.value)
