"""deploy/mailbot.service as systemd itself reads it (systemd-analyze; no running systemd needed).

A misspelt hardening key is only a warning in the journal on the server, and the
service then runs without it; ``systemd-analyze verify`` reports it here instead.
The protections that could stop mailbot itself (no writable code, no new
privileges, the umask) are applied to a real ``mailbot run`` with prctl.
"""

from __future__ import annotations

import configparser
import os
import re
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


def test_the_only_writable_place_is_where_the_settings_keep_the_state():
    """The unit names the settings file and nothing else of the layout: the file the guide's commands read too."""
    from mailbot.settings import load_settings

    service = service_section()
    environment = dict(line.split("=", 1) for line in repeated("Environment"))
    state = f"/var/lib/{service['StateDirectory']}"
    assert service["ProtectSystem"] == "strict" and service["ReadWritePaths"] == state == service["WorkingDirectory"]
    assert environment == {"MAILBOT_SETTINGS": "/etc/mailbot/mailbot.toml"}  # no MAILBOT_VAR_DIR to disagree with it
    installed = load_settings(REPO / "deploy" / "mailbot.example.toml")  # what the guide installs there
    assert str(installed.var_dir) == state and installed.archive_path.is_relative_to(state)
    assert service["User"] == "mailbot" and service["Restart"] == "on-failure"


def test_the_credentials_are_the_ones_the_settings_name():
    """LoadCredentialEncrypted=imap:… is $CREDENTIALS_DIRECTORY/imap: credential = "imap" in the guide and example."""
    names = {line.split(":", 1)[0] for line in repeated("LoadCredentialEncrypted")}
    assert names == {"imap", "smtp"}
    guide = (REPO / "deploy" / "README.md").read_text(encoding="utf-8")
    example = (REPO / "deploy" / "mailbot.example.toml").read_text(encoding="utf-8")
    for name in names:
        assert f'credential = "{name}"' in guide and f'# credential = "{name}"' in example
        assert f"-p LoadCredentialEncrypted={name}:/etc/mailbot/{name}.cred" in guide  # the guide's doctor has them


def run_exit(tmp_path: Path, *, rules: Path = REPO / "rules", old_schema: bool = False, **settings) -> int:
    """Exit status of `mailbot run` (the unit's ExecStart) on a fresh state folder with these settings."""
    from sqlalchemy import create_engine

    from mailbot.schema import upgrade
    from tests.servers import settings_toml

    var = tmp_path / "var"
    var.mkdir()
    if old_schema:
        upgrade(create_engine(f"sqlite:///{var / 'mailbot.db'}"), "0002")  # what the previous release left
    path = settings_toml(tmp_path / "mailbot.toml", var_dir=var, rules_dir=rules, **settings)
    env = {k: v for k, v in os.environ.items() if not k.startswith("MAILBOT_")}
    ran = subprocess.run([str(Path(sys.executable).parent / "mailbot"), "--settings", str(path), "run"], env=env,
                         cwd=tmp_path, capture_output=True, text=True, timeout=120)
    return ran.returncode


def prevented() -> set[int]:
    return {int(s) for line in repeated("RestartPreventExitStatus") for s in line.split()}


@pytest.mark.sqlite_only("the unit as installed: settings file and no MAILBOT_*, so mailbot.db in its state folder")
@pytest.mark.parametrize("case", ["schema behind", "bad setting", "no rules"])
def test_what_a_restart_cannot_fix_stops_the_service(tmp_path, case):
    """Restart=on-failure would start a refused `run` every 10 s for ever; run's exit 2 for these is prevented."""
    if case == "schema behind":
        status = run_exit(tmp_path, old_schema=True)
    elif case == "bad setting":
        status = run_exit(tmp_path, poll_interval_seconds=-1)
    else:
        status = run_exit(tmp_path, rules=tmp_path / "no-rules")
    assert status == 2 and status in prevented(), f"{case}: exit {status}"


def test_a_database_that_is_down_at_start_is_retried(tmp_path):
    """PostgreSQL not up yet (or restarting) when mailbot starts: an exit systemd restarts after RestartSec."""
    from tests.servers import free_port

    status = run_exit(tmp_path, database_url=f"postgresql+psycopg://mailbot@127.0.0.1:{free_port()}/mailbot")
    assert status not in prevented() and status != 0


# The unit's process-wide protections that Linux offers without systemd, applied before mailbot
# starts; its workers inherit them. MemoryDenyWriteExecute is the one that can break a Python
# service (libffi closures, ctypes callbacks, anything that JITs); systemd >= 256 implements it
# with this same prctl, older ones with an equivalent seccomp filter.
PROTECT = """
import ctypes, os, sys
libc = ctypes.CDLL(None, use_errno=True)
PR_SET_NO_NEW_PRIVS, PR_SET_MDWE, PR_MDWE_REFUSE_EXEC_GAIN = 38, 65, 1
if libc.prctl(PR_SET_MDWE, PR_MDWE_REFUSE_EXEC_GAIN, 0, 0, 0) != 0:
    sys.exit(77)  # a kernel before 6.3
libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)
os.umask(int(sys.argv.pop(1), 8))
"""
MAILBOT = PROTECT + "from mailbot.cli import main; sys.argv[0] = 'mailbot'; main()"
WRITABLE_CODE = PROTECT + "import mmap; mmap.mmap(-1, 4096, prot=mmap.PROT_READ | mmap.PROT_WRITE | mmap.PROT_EXEC)"


def state_with_sample_mail(tmp_path: Path) -> tuple[Path, dict[str, str], int]:
    """A state folder whose Maildir inbox holds the sample mail: (folder, environment, number of mails).

    The sample has a scanned report (rendered by pdfium through ctypes), an .xls, a zip and an exe.
    """
    from tests.builders.demo import fill_inbox

    var = tmp_path / "var"
    mails = fill_inbox(var, "unit")
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("MAILBOT_")}, "MAILBOT_VAR_DIR": str(var),
           "PYTHONDONTWRITEBYTECODE": "1"}  # as an installed venv under ProtectSystem=strict: no .pyc written
    return var, env, len(mails)


@pytest.mark.sqlite_only("the unit as installed: settings file and no MAILBOT_*, so mailbot.db in its state folder")
def test_mailbot_works_under_the_units_memory_and_privilege_protection(tmp_path):
    from email import message_from_bytes, policy

    service = service_section()
    assert service["MemoryDenyWriteExecute"] == "yes" and service["NoNewPrivileges"] == "yes"
    var, env, count = state_with_sample_mail(tmp_path)
    probe = subprocess.run([sys.executable, "-c", WRITABLE_CODE, service["UMask"]], capture_output=True, text=True)
    if probe.returncode == 77:
        pytest.skip("this kernel has no PR_SET_MDWE (Linux < 6.3)")
    assert "PermissionError" in probe.stderr  # the protection is really on: writable code is refused

    ran = subprocess.run([sys.executable, "-c", MAILBOT, service["UMask"], "run", "--once"],
                         cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    assert ran.returncode == 0, ran.stderr[-3000:]

    replies = [message_from_bytes(p.read_bytes(), policy=policy.default)
               for p in sorted((var / "mail" / "outbox" / "new").iterdir())]
    assert len(replies) == count - 1  # all answered but the auto-reply
    scanned = [r for r in replies if "兴隆镇" in r.get_body(("plain",)).get_content()]
    assert scanned and str(scanned[0]["Subject"]).startswith("【已受理】")  # its scan was rendered and read
    assert not any("无法打开" in r.get_body(("plain",)).get_content() for r in replies)  # no parser died


# A write call, its directory descriptor as strace -y shows it (8</tmp/x>, AT_FDCWD</srv>), and the path.
_WRITE_CALL = re.compile(r'^\d+\s+(?P<call>openat|open|creat|mkdirat|mkdir|renameat2|renameat|rename|unlinkat|unlink|'
                         r'linkat|link|symlinkat|symlink|rmdir)\((?:(?:AT_FDCWD|\d+)(?:<(?P<dir>[^>]*)>)?, )?"(?P<path>[^"]*)"'
                         r'(?P<rest>.*)$')


def written_paths(trace: str) -> set[str]:
    """Every path a traced process created, opened for writing, renamed, linked or removed (tried or done).

    A relative path is made absolute with the directory strace -y shows for its dirfd; without one
    (mkdir("x")) it stays relative and so counts as outside: unknown is not allowed.
    """
    paths = set()
    for line in trace.splitlines():
        match = _WRITE_CALL.match(line)
        if not match:
            continue
        if match["call"] in ("openat", "open") and not re.search(r"O_WRONLY|O_RDWR|O_CREAT|O_TRUNC", match["rest"]):
            continue
        path = match["path"]
        paths.add(path if path.startswith("/") or not match["dir"] else f"{match['dir']}/{path}")
        paths.update(re.findall(r'"(/[^"]*)"', match["rest"]))  # the target of rename / link
    return paths


@pytest.mark.sqlite_only("the unit as installed: settings file and no MAILBOT_*, so mailbot.db in its state folder")
@pytest.mark.skipif(shutil.which("strace") is None, reason="needs strace (Debian strace)")
def test_mailbot_writes_only_where_the_unit_lets_it(tmp_path):
    """ProtectSystem=strict makes everything read-only but ReadWritePaths and the private /tmp."""
    if subprocess.run(["strace", "-o", os.devnull, "true"], capture_output=True).returncode != 0:
        pytest.skip("strace cannot trace here (ptrace not permitted in this container)")
    var, env, count = state_with_sample_mail(tmp_path)
    trace = tmp_path / "trace"
    ran = subprocess.run(["strace", "-f", "-qq", "-y", "-e", "trace=%file", "-o", str(trace),
                          sys.executable, "-c", "from mailbot.cli import main; main()", "run", "--once"],
                         cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    assert ran.returncode == 0, ran.stderr[-3000:]
    assert len(list((var / "mail" / "outbox" / "new").iterdir())) == count - 1

    allowed = (str(var), "/tmp/", "/dev/null", "/dev/shm/")  # StateDirectory, PrivateTmp, PrivateDevices' /dev
    written = written_paths(trace.read_text(encoding="utf-8", errors="replace"))
    assert any(p.startswith(str(var / "archive")) for p in written)  # the trace does see mailbot's writes
    outside = sorted(p for p in written if not p.startswith(allowed))
    assert outside == []
