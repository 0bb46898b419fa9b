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


@pytest.mark.parametrize("text,line,key", [
    ("poll_interval_seconds = -5\n", 1, "poll_interval_seconds"),
    ("[limits]\nmax_pdf_page = 3\n", 2, "limits.max_pdf_page"),
    ("[inbox]\nkind = \"pop3\"\n", 1, "inbox"),
])
def test_bad_settings_name_file_line_and_key(tmp_path, text, line, key):
    path = tmp_path / "mailbot.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SettingsError) as info:
        load_settings(path)
    assert f"{path}:{line}: {key}: " in str(info.value)


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


def test_a_password_is_looked_up_in_the_environment_then_the_credential_then_the_file(tmp_path, monkeypatch):
    """The one running a command can give the 授权码 for that run; else the service's credential; else a file."""
    from mailbot.settings import ImapSettings

    credentials, fixed = tmp_path / "credentials", tmp_path / "imap-password"
    credentials.mkdir()
    (credentials / "imap").write_text("from-credential\n", encoding="utf-8")
    fixed.write_text("from-file\n", encoding="utf-8")
    inbox = ImapSettings(kind="imap", host="imap.126.com", username="x@126.com", password_env="IMAP_CODE",
                         credential="imap", password_file=fixed)
    monkeypatch.delenv("IMAP_CODE", raising=False)
    monkeypatch.delenv("CREDENTIALS_DIRECTORY", raising=False)
    assert inbox.read("inbox") == "from-file"
    monkeypatch.setenv("CREDENTIALS_DIRECTORY", str(credentials))  # as systemd sets it for LoadCredential*=
    assert inbox.read("inbox") == "from-credential"
    monkeypatch.setenv("IMAP_CODE", "from-environment")
    assert inbox.read("inbox") == "from-environment"


def test_a_credential_outside_systemd_says_how_to_run_with_it(monkeypatch):
    from mailbot.settings import ImapSettings

    monkeypatch.delenv("CREDENTIALS_DIRECTORY", raising=False)
    inbox = ImapSettings(kind="imap", host="imap.126.com", username="x@126.com", credential="imap")
    with pytest.raises(SettingsError) as info:
        inbox.read("inbox")
    assert "inbox.credential" in str(info.value) and "systemd-run -p LoadCredentialEncrypted=imap:" in str(info.value)


def test_a_settings_file_mailbot_may_not_read_is_named_with_the_fix(tmp_path):
    """/etc/mailbot closed to the service user: exit 2 and one Chinese line naming the fix, not a traceback."""
    import os
    import shutil
    import subprocess
    import sys

    folder = tmp_path / "etc-mailbot"
    folder.mkdir()
    settings = folder / "mailbot.toml"
    settings.write_text(EXAMPLE.read_text(encoding="utf-8"), encoding="utf-8")
    folder.chmod(0)  # as install -d -m 750 root:root is to user mailbot: the folder cannot be entered
    mailbot = [str(Path(sys.executable).with_name("mailbot")), "--settings", str(settings), "status"]
    if os.geteuid() == 0:  # root enters anything: take away the capabilities that let it, as the service user lacks them
        if shutil.which("setpriv") is None:
            pytest.skip("needs setpriv (util-linux) to run without CAP_DAC_OVERRIDE")
        mailbot = ["setpriv", "--bounding-set=-dac_override,-dac_read_search", "--inh-caps=-all", *mailbot]
    try:
        result = subprocess.run(mailbot, capture_output=True, text=True, timeout=120)
    finally:
        folder.chmod(0o755)
    assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr
    assert f"{settings}：用户" in result.stderr and "没有权限读取此设置文件" in result.stderr
    assert f"chmod 750 {folder}" in result.stderr and f"chmod 640 {settings}" in result.stderr


@pytest.mark.parametrize("make,said", [
    (lambda p: p.mkdir(), "这是一个文件夹"),
    (lambda p: p.write_bytes("[office]\nname = \"西吉县人民政府办公室\"\n".encode("gbk")), "不是 UTF-8 编码"),
])
def test_a_settings_file_that_cannot_be_read_as_text_is_named(tmp_path, make, said):
    path = tmp_path / "mailbot.toml"
    make(path)
    with pytest.raises(SettingsError) as info:
        load_settings(path)
    assert str(info.value).startswith(f"{path}：") and said in str(info.value)


def test_parse_limits_are_cpu_time_with_a_wall_clock_backstop_that_cannot_be_shorter(tmp_path):
    path = tmp_path / "mailbot.toml"
    path.write_text("[limits]\nparse_timeout_seconds = 45\nparse_backstop_seconds = 900\n", encoding="utf-8")
    limits = load_settings(path).limits.to_limits()
    assert (limits.parse_timeout_seconds, limits.parse_backstop_seconds) == (45, 900)
    path.write_text("[limits]\nparse_timeout_seconds = 60\nparse_backstop_seconds = 30\n", encoding="utf-8")
    with pytest.raises(SettingsError) as error:
        load_settings(path)
    assert "mailbot.toml:1: limits: parse_backstop_seconds（30）不能小于 parse_timeout_seconds（60）" in str(error.value)
