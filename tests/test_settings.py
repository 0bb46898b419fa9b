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


def test_netease_hosts_get_the_imap_id_by_default():
    from mailbot.settings import ImapSettings

    base = {"kind": "imap", "username": "x@126.com", "password_env": "X"}
    assert ImapSettings(host="imap.126.com", **base).wants_id
    assert ImapSettings(host="imap.163.com", **base).wants_id
    assert not ImapSettings(host="mail.nx.gov.cn", **base).wants_id
    assert ImapSettings(host="mail.nx.gov.cn", send_id="always", **base).wants_id


def test_secrets_come_from_a_file_or_the_environment(tmp_path, monkeypatch):
    from mailbot.settings import ImapSettings

    secret = tmp_path / "imap"
    secret.write_text("abcd1234\n", encoding="utf-8")
    base = {"kind": "imap", "host": "imap.126.com", "username": "x@126.com"}
    assert ImapSettings(password_file=secret, **base).read("inbox") == "abcd1234"
    monkeypatch.setenv("IMAP_CODE", "efgh5678")
    assert ImapSettings(password_env="IMAP_CODE", **base).read("inbox") == "efgh5678"
    with pytest.raises(SettingsError) as info:
        ImapSettings(password_env="NOT_SET_ANYWHERE", **base).read("inbox")
    assert "NOT_SET_ANYWHERE" in str(info.value)


def test_database_url_from_a_file_and_templates_folder(tmp_path, monkeypatch):
    url_file = tmp_path / "db_url"
    url_file.write_text("postgresql+psycopg://mailbot:secret@db/mailbot\n", encoding="utf-8")
    monkeypatch.setenv("MAILBOT_DATABASE_URL_FILE", str(url_file))
    monkeypatch.setenv("MAILBOT_TEMPLATES_DIR", str(tmp_path))
    settings = load_settings(None)
    assert settings.db_url == "postgresql+psycopg://mailbot:secret@db/mailbot" and settings.templates_dir == tmp_path
