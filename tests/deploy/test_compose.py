"""deploy/compose.yaml, .dockerignore and .gitignore as the container guide (deploy/README.md section 6) uses them.

No Docker engine runs here, so these read the files the way compose and docker build do and
check what a user relies on: mailbot starts only once PostgreSQL answers, every password
arrives as a mounted secret (never in the file), the secret names the settings and environment
point at exist, the secret files stay out of git and out of the image's build context, and the
guide's container commands name the services, files and volume compose really has.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest
import yaml

from tests.deploy.guide import blocks, commands
from tests.deploy.dockerfile import DOCKERFILE, copies, stages

REPO = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((REPO / "deploy" / "compose.yaml").read_text(encoding="utf-8"))
SERVICES = COMPOSE["services"]
MAILBOT, POSTGRES = SERVICES["mailbot"], SERVICES["postgres"]
SECRET_FILES = [(REPO / "deploy" / s["file"]).resolve() for s in COMPOSE["secrets"].values()]


def test_mailbot_starts_once_postgres_answers_and_both_come_back_after_a_reboot():
    assert "pg_isready" in " ".join(POSTGRES["healthcheck"]["test"])
    assert MAILBOT["depends_on"] == {"postgres": {"condition": "service_healthy"}}
    assert {s["restart"] for s in SERVICES.values()} <= {"unless-stopped", "always"}


def test_passwords_arrive_as_mounted_secrets_never_in_the_file():
    for name, service in SERVICES.items():
        mounted = set(service.get("secrets", []))
        assert mounted <= set(COMPOSE["secrets"]), name
        for key, value in service.get("environment", {}).items():
            assert "PASSWORD" not in key or key.endswith("_FILE"), key
            assert not re.search(r"://[^/@]*:[^/@]*@", str(value)), key  # no URL with a password in it
            if str(value).startswith("/run/secrets/"):
                assert str(value).removeprefix("/run/secrets/") in mounted, (name, key)


def test_the_settings_credentials_are_the_mounted_secrets():
    """credential = "imap" is read from $CREDENTIALS_DIRECTORY, which compose points at /run/secrets."""
    assert MAILBOT["environment"]["CREDENTIALS_DIRECTORY"] == "/run/secrets"
    assert MAILBOT["environment"]["MAILBOT_DATABASE_URL_FILE"] == "/run/secrets/database_url"
    listing = tomllib.loads(blocks("2.4", "toml")[0])  # what the guide has the mounted mailbot.toml say
    for part in ("inbox", "outbox"):
        assert listing[part]["credential"] in MAILBOT["secrets"], part
    mounts = {v.split(":")[1]: v.split(":")[0] for v in MAILBOT["volumes"]}
    assert mounts["/etc/mailbot/mailbot.toml"] == "./mailbot.toml"  # made from the example by section 6.1
    assert MAILBOT["environment"]["MAILBOT_SETTINGS"] == "/etc/mailbot/mailbot.toml"


def test_mailbot_is_not_made_root_by_compose():
    assert str(MAILBOT.get("user", "")) not in ("root", "0", "0:0")
    assert not MAILBOT.get("privileged", False)


def test_the_guide_makes_the_secret_files_compose_reads_with_one_database_password():
    script = "\n".join(commands(blocks("6.1")[0]))
    written = {(REPO / m).resolve() for m in re.findall(r"> (deploy/\S+\.txt)", script)}
    written |= {(REPO / m).resolve() for m in re.findall(r"^cp \S+ (deploy/\S+\.txt)$", script, re.M)}
    assert written == set(SECRET_FILES)
    url = re.search(r"printf '(postgresql\S+)' \"\$pw\" > deploy/database_url\.txt", script)[1]
    environment = POSTGRES["environment"]
    assert url == f"postgresql+psycopg://{environment['POSTGRES_USER']}:%s@postgres/{environment['POSTGRES_DB']}"
    assert re.search(r"printf '%s' \"\$pw\" > deploy/db_password\.txt", script)  # the same $pw, without a newline


def test_the_container_upgrade_builds_then_migrates_then_starts():
    lines = commands(blocks("6.2")[0])

    def where(pattern: str) -> int:
        return next(i for i, line in enumerate(lines) if re.search(pattern, line))

    assert where(r"^git pull") < where(r" build$") < where(r" run --rm mailbot db upgrade$") < where(r" up -d$")


def test_the_container_backup_names_what_compose_has():
    script = "\n".join(commands(blocks("6.3")[0]))
    for service in re.findall(r"compose -f deploy/compose\.yaml exec -T (\w+)", script):
        assert service in SERVICES
    state = next(v.split(":")[0] for v in MAILBOT["volumes"] if v.split(":")[1] == "/var/lib/mailbot")
    assert f"{COMPOSE['name']}_{state}" in script  # the named volume docker creates for it


def _dockerignore_regex(pattern: str) -> re.Pattern:
    out, i = "", 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out, i = out + "(?:.*/)?", i + 3
        elif pattern.startswith("**", i):
            out, i = out + ".*", i + 2
        elif pattern[i] == "*":
            out, i = out + "[^/]*", i + 1
        elif pattern[i] == "?":
            out, i = out + "[^/]", i + 1
        else:
            out, i = out + re.escape(pattern[i]), i + 1
    return re.compile(out)


def docker_ignores(path: str) -> bool:
    """Whether docker build leaves ``path`` (relative to the context) out, by .dockerignore's rules (last match wins)."""
    patterns = [p.strip() for p in (REPO / ".dockerignore").read_text(encoding="utf-8").splitlines()
                if p.strip() and not p.startswith("#")]
    parts = path.split("/")
    prefixes = ["/".join(parts[:n]) for n in range(1, len(parts) + 1)]
    ignored = False
    for pattern in patterns:
        negated = pattern.startswith("!")
        regex = _dockerignore_regex(pattern.lstrip("!").strip("/"))
        if any(regex.fullmatch(p) for p in prefixes):
            ignored = not negated
    return ignored


def test_the_build_context_has_what_the_dockerfile_copies_and_no_secrets():
    for stage in stages(DOCKERFILE.read_text(encoding="utf-8")):
        for source, _ in copies(stage):
            assert not docker_ignores(source), source
    for secret in SECRET_FILES + [REPO / "deploy" / "mailbot.toml"]:
        assert docker_ignores(str(secret.relative_to(REPO))), secret
    for bulky in (".git/config", ".venv/bin/python", "demo/var/mailbot.db", "var/mailbot.db"):
        assert docker_ignores(bulky), bulky


@pytest.mark.skipif(shutil.which("git") is None or not (REPO / ".git").exists(), reason="needs a git checkout")
def test_git_never_takes_the_secret_files():
    paths = [str(p.relative_to(REPO)) for p in SECRET_FILES] + ["deploy/mailbot.toml", "deploy/constraints.txt"]
    result = subprocess.run(["git", "check-ignore", "--no-index", *paths], cwd=REPO, capture_output=True, text=True)
    assert set(result.stdout.split()) == set(paths) - {"deploy/constraints.txt"}
