"""The container image's install, without Docker: what deploy/Dockerfile copies and sets, run for real.

No Docker engine runs on the CI machine, so this test follows the Dockerfile's own
lines instead: it builds the wheel from only the files the build stage COPYs,
installs it outside the repository, puts rules/ and outbox_templates/ where the
final stage COPYs them and sets its ENV. Then mailbot runs the way the image's
ENTRYPOINT, CMD and HEALTHCHECK do, on sample mail. A package file missing from
the wheel (a migration, a reply template) or a path that only works inside
the source tree fails here, as it would in production.
"""

from __future__ import annotations

import email
import os
import re
import shutil
import subprocess
import sys
import zipfile
from email import policy
from pathlib import Path

import pytest

from tests.builders.demo import fill_inbox
from tests.deploy.dockerfile import DOCKERFILE, REPO, copies, env_of, exec_form, stages
from tests.servers import running_mailbot, wait_for


@pytest.fixture(scope="module")
def image(tmp_path_factory) -> tuple[Path, dict[str, str], list[str], list[str]]:
    """(root, environment, entrypoint+cmd, healthcheck) of the image made from the Dockerfile's lines."""
    build, final = stages(DOCKERFILE.read_text(encoding="utf-8"))
    root = tmp_path_factory.mktemp("image")
    context = root / "src"
    context.mkdir()
    for source, dest in copies(build):
        target = context / (Path(source).name if dest.endswith("/") or dest == "./" else dest)
        (shutil.copytree if (REPO / source).is_dir() else shutil.copy)(REPO / source, target)
    wheels = root / "wheels"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation",
                    "--wheel-dir", str(wheels), str(context)], check=True)
    site = root / "site-packages"
    for wheel in wheels.glob("*.whl"):
        zipfile.ZipFile(wheel).extractall(site)
    for source, dest in copies(final):
        shutil.copytree(REPO / source, root / dest.lstrip("/"))
    env = {k: str(root / v.lstrip("/")) if v.startswith("/") else v for k, v in env_of(final).items()}
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("MAILBOT_")}, **env,
           "PYTHONPATH": str(site)}
    Path(env["MAILBOT_VAR_DIR"]).mkdir(parents=True)  # the final stage's "install -d ... /var/lib/mailbot"
    command = exec_form(final, "ENTRYPOINT") + exec_form(final, "CMD")
    health = exec_form(final, "HEALTHCHECK")
    return root, env, command, health


LAUNCHER = "import sys; from mailbot.cli import main; sys.argv[0] = 'mailbot'; main()"


def mailbot(image, *args: str) -> subprocess.CompletedProcess:
    """Run the installed mailbot (not the source tree's) in the image's working directory."""
    root, env, _, _ = image
    return subprocess.run([sys.executable, "-c", LAUNCHER, *args], cwd=env["MAILBOT_VAR_DIR"], env=env,
                          capture_output=True, text=True, timeout=300)


def test_the_installed_package_is_the_one_that_runs(image):
    root, env, _, _ = image
    where = subprocess.run([sys.executable, "-c", "import mailbot, parsers; print(mailbot.__file__, parsers.__file__)"],
                           cwd=env["MAILBOT_VAR_DIR"], env=env, capture_output=True, text=True, check=True)
    assert all(path.startswith(str(root / "site-packages")) for path in where.stdout.split())


def test_the_image_processes_mail_and_answers_its_healthcheck(image):
    root, env, command, health = image
    assert command[0] == "mailbot" and health[0] == "mailbot"
    mails_made = fill_inbox(Path(env["MAILBOT_VAR_DIR"]), "image")

    upgraded = mailbot(image, "db", "upgrade")
    assert upgraded.returncode == 0, upgraded.stderr
    assert mailbot(image, *health[1:]).returncode == 1  # the HEALTHCHECK: no daemon has run a cycle yet
    checked = mailbot(image, "rules", "check")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    with running_mailbot({**env, "MAILBOT_POLL_INTERVAL_SECONDS": "0.5"}, *command[1:],
                         program=(sys.executable, "-c", LAUNCHER), cwd=env["MAILBOT_VAR_DIR"],
                         log=root / "mailbot.log") as (daemon, log):  # CMD, as the container runs it
        assert wait_for(lambda: (Path(env["MAILBOT_VAR_DIR"]) / "heartbeat").exists(), 120), "no cycle"
        healthy = mailbot(image, *health[1:])
        assert healthy.returncode == 0, healthy.stdout + healthy.stderr  # the HEALTHCHECK of a running daemon
    assert daemon.returncode == 0, log.read_text(encoding="utf-8")  # SIGTERM, as `docker stop` sends it

    replies = sorted((Path(env["MAILBOT_VAR_DIR"]) / "mail" / "outbox" / "new").iterdir())
    assert len(replies) == len(mails_made) - 1  # every mail answered except the auto-reply
    subjects = [str(email.message_from_bytes(p.read_bytes(), policy=policy.default)["Subject"]) for p in replies]
    assert any(s.startswith("【已受理】") for s in subjects), subjects
    status = mailbot(image, "status")
    assert status.returncode == 0 and "已受理" in status.stdout


def test_the_image_runs_as_the_user_it_creates_not_root():
    """A mail-reading service that opens hostile attachments must not be root inside its container."""
    _, final = stages(DOCKERFILE.read_text(encoding="utf-8"))
    users = [rest for word, rest in final if word == "USER"]
    created = re.findall(r"useradd\b[^&]*?\s(\w+)\s*(?:&&|$)", " ".join(rest for word, rest in final if word == "RUN"))
    assert users and users[-1] not in ("root", "0") and users[-1] in created, (users, created)
    uid = re.search(r"--uid (\d+)", " ".join(rest for word, rest in final if word == "RUN"))[1]
    guide = (REPO / "deploy" / "README.md").read_text(encoding="utf-8")
    assert f"chown {uid} " in guide and f"uid {uid}" in guide  # the secret files are made readable to that user


def test_the_image_is_the_small_python_the_suite_runs_on():
    """Both stages on one python:X.Y-slim, X.Y as tested here: wheels built in one Python run in the other."""
    froms = [re.match(r"(\S+)", rest)[1] for stage in stages(DOCKERFILE.read_text(encoding="utf-8"))
             for word, rest in stage if word == "FROM"]
    expected = f"python:{sys.version_info.major}.{sys.version_info.minor}-slim"
    assert froms == [expected, expected]
    assert expected in (REPO / "deploy" / "README.md").read_text(encoding="utf-8")  # as the guide describes it
