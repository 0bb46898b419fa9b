"""deploy/mailbot.service as systemd itself reads it (systemd-analyze; no running systemd needed).

A misspelt hardening key is only a warning in the journal on the server, and the
service then runs without it; ``systemd-analyze verify`` reports it here instead.
"""

from __future__ import annotations

import configparser
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
UNIT = REPO / "deploy" / "mailbot.service"
INSTALLED = "/opt/mailbot/venv/bin/mailbot"

pytestmark = pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="needs systemd-analyze (Debian systemd)")


def unit_here(tmp_path: Path) -> Path:
    """The unit with its mailbot path pointed at this machine's mailbot, which verify checks exists."""
    here = Path(sys.executable).parent / "mailbot"
    copy = tmp_path / "mailbot.service"
    copy.write_text(UNIT.read_text(encoding="utf-8").replace(INSTALLED, str(here)), encoding="utf-8")
    return copy


def service_section() -> configparser.SectionProxy:
    parser = configparser.ConfigParser(strict=False, interpolation=None, delimiters=("=",))
    parser.optionxform = str
    parser.read_string("\n".join(line for line in UNIT.read_text(encoding="utf-8").splitlines()
                                 if not line.startswith(("Environment=", "LoadCredentialEncrypted="))))
    return parser["Service"]


def repeated(key: str) -> list[str]:
    return [line.split("=", 1)[1] for line in UNIT.read_text(encoding="utf-8").splitlines() if line.startswith(f"{key}=")]


def test_systemd_accepts_every_line(tmp_path):
    result = subprocess.run(["systemd-analyze", "verify", str(unit_here(tmp_path))], capture_output=True, text=True)
    assert result.returncode == 0 and result.stderr == "", result.stderr


def test_hardening_keeps_the_exposure_low(tmp_path):
    """systemd's own score (0 locked down, 10 unprotected; --threshold counts tenths): ours is 1.8, "OK"."""
    result = subprocess.run(["systemd-analyze", "security", "--offline=yes", "--threshold=25",
                             str(unit_here(tmp_path))], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-2000:]


def test_the_only_writable_place_is_where_mailbot_keeps_its_state():
    service = service_section()
    environment = dict(line.split("=", 1) for line in repeated("Environment"))
    state = f"/var/lib/{service['StateDirectory']}"
    assert service["ProtectSystem"] == "strict" and service["ReadWritePaths"] == state
    assert environment["MAILBOT_VAR_DIR"] == state == service["WorkingDirectory"]
    assert service["User"] == "mailbot" and service["Restart"] == "on-failure"


def test_the_credentials_are_the_files_the_settings_name():
    """LoadCredentialEncrypted=imap:… appears as /run/credentials/mailbot.service/imap, as the guide says."""
    names = {line.split(":", 1)[0] for line in repeated("LoadCredentialEncrypted")}
    assert names == {"imap", "smtp"}
    guide = (REPO / "deploy" / "README.md").read_text(encoding="utf-8")
    for name in names:
        assert f'password_file = "/run/credentials/mailbot.service/{name}"' in guide
