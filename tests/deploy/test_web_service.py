"""The console's deploy files: deploy/mailbot-web.service as systemd reads it, the compose service and the guide's
section 8, which install it listening on 127.0.0.1 behind a reverse proxy."""

from __future__ import annotations

import configparser
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from mailbot.settings import load_settings
from tests.deploy.guide import blocks, commands

REPO = Path(__file__).resolve().parents[2]
UNIT = REPO / "deploy" / "mailbot-web.service"
DAEMON_UNIT = REPO / "deploy" / "mailbot.service"
INSTALLED = "/opt/mailbot/venv/bin/mailbot"
COMPOSE = yaml.safe_load((REPO / "deploy" / "compose.yaml").read_text(encoding="utf-8"))
EXAMPLE = load_settings(REPO / "deploy" / "mailbot.example.toml")

pytestmark = pytest.mark.no_database


def lines(unit: Path, key: str) -> list[str]:
    return [line.split("=", 1)[1] for line in unit.read_text(encoding="utf-8").splitlines() if line.startswith(f"{key}=")]


def section(unit: Path, name: str) -> dict[str, str]:
    parser = configparser.ConfigParser(strict=False, interpolation=None, delimiters=("=",))
    parser.optionxform = str
    parser.read_string(unit.read_text(encoding="utf-8"))
    return dict(parser[name])


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="needs systemd-analyze (Debian systemd)")
def test_systemd_accepts_the_unit_and_it_is_as_locked_down_as_the_daemons(tmp_path):
    copy = tmp_path / "mailbot-web.service"
    copy.write_text(UNIT.read_text(encoding="utf-8").replace(INSTALLED, str(Path(sys.executable).parent / "mailbot")),
                    encoding="utf-8")
    verified = subprocess.run(["systemd-analyze", "verify", str(copy)], capture_output=True, text=True)
    assert verified.returncode == 0 and verified.stderr == "", verified.stderr
    security = subprocess.run(["systemd-analyze", "security", "--offline=yes", "--threshold=25", str(copy)],
                              capture_output=True, text=True)
    assert security.returncode == 0, security.stdout[-2000:]
    hardening = {k: v for k, v in section(DAEMON_UNIT, "Service").items()
                 if k not in ("ExecStart", "ReadWritePaths", "LoadCredentialEncrypted", "TimeoutStopSec")}
    web = section(UNIT, "Service")
    assert {k: web.get(k) for k in hardening} == hardening  # every protection of mailbot.service, unchanged


def test_the_console_serves_what_the_daemon_serves_and_listens_on_localhost():
    service = section(UNIT, "Service")
    assert lines(UNIT, "Environment") == lines(DAEMON_UNIT, "Environment") == ["MAILBOT_SETTINGS=/etc/mailbot/mailbot.toml"]
    assert service["ExecStart"] == f"{INSTALLED} web"  # host and port from the settings: 127.0.0.1 by default
    assert EXAMPLE.web.host == "127.0.0.1" and EXAMPLE.web.trusted_proxies == 1 and EXAMPLE.web.secure_cookies
    writable = service["ReadWritePaths"].split()
    assert writable == [str(EXAMPLE.var_dir), str(EXAMPLE.rules_dir / "campaigns")]
    assert {c.split(":")[0] for c in lines(UNIT, "LoadCredentialEncrypted")} == {"smtp"}  # it sends, never reads mail


def test_the_compose_console_is_published_on_the_hosts_localhost_only():
    console, daemon = COMPOSE["services"]["console"], COMPOSE["services"]["mailbot"]
    assert console["command"] == ["web"] and console["build"] == daemon["build"]
    assert console["ports"] == ["127.0.0.1:8080:8080"]
    assert console["environment"]["MAILBOT_WEB__PORT"] == "8080"
    assert console["depends_on"] == daemon["depends_on"]
    assert set(console["secrets"]) == {"smtp", "database_url"}
    mounts = {v.split(":")[1]: v for v in console["volumes"]}
    assert mounts["/etc/mailbot/rules"] == "../rules:/etc/mailbot/rules"  # writable, unlike the daemon's
    assert mounts["/var/lib/mailbot"] == next(v for v in daemon["volumes"] if ":/var/lib/mailbot" in v)
    assert "8080/login" in " ".join(console["healthcheck"]["test"])


def test_the_guide_installs_the_unit_makes_the_rules_writable_and_proxies_with_forwarded_headers():
    script = "\n".join(commands(blocks("8.1")[0]))
    assert "install -m 644 /opt/mailbot/src/deploy/mailbot-web.service /etc/systemd/system/" in script
    assert re.search(r"chgrp -R mailbot /etc/mailbot/rules/campaigns && chmod -R g\+w /etc/mailbot/rules/campaigns",
                     script)
    assert "systemctl enable --now mailbot-web" in script
    assert re.search(r"mailbot --settings /etc/mailbot/mailbot.toml user add \S+ --role admin", script)
    nginx = blocks("8.2", "nginx")[0]
    assert f"proxy_pass http://{EXAMPLE.web.host}:{EXAMPLE.web.port};" in nginx
    for header in ("X-Forwarded-For", "X-Forwarded-Proto", "X-Forwarded-Host"):
        assert f"proxy_set_header {header}" in nginx
    assert "return 301 https://" in nginx
    assert "run --rm console user add" in blocks("8.3")[0]
