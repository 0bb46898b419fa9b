"""deploy/README.md's shell blocks, run as written in a fake root on this machine.

The guide's commands name the installed layout (/etc/mailbot, /var/lib/mailbot, /opt/mailbot,
/backup) and the service user mailbot. The tests run its fenced blocks with only these changed:
those absolute paths become the same paths under a fake root, /opt/mailbot/venv/bin/mailbot this
venv's mailbot, the user mailbot one that exists here (for ownership), ``runuser -u mailbot --``
runs as the test (it cannot become another user and keep this venv's Python), ``systemd-run`` is
replaced by what it gives the command (a clean environment, the credentials in
$CREDENTIALS_DIRECTORY), and the commands that need the real system (apt-get, useradd, git,
python3 -m venv, pip, systemctl, systemd-creds, journalctl) are skipped. Every other line runs,
under ``bash -euo pipefail``, so a new command in the guide is run, never skipped silently.
"""

from __future__ import annotations

import functools
import grp
import os
import pwd
import re
import shlex
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
GUIDE = REPO / "deploy" / "README.md"
MAILBOT = Path(sys.executable).with_name("mailbot")
SKIPPED = ("apt-get", "useradd", "git", "python3", "/opt/mailbot/venv/bin/pip", "systemctl", "systemd-creds",
           "journalctl")
_HEADING = re.compile(r"^(#+)\s+([\d.]+)\s")
_PATHS = re.compile(r"(?<![\w./-])(/opt/mailbot/venv/bin/mailbot|/opt/mailbot/src|/etc/mailbot|/var/lib/mailbot"
                    r"|/etc/systemd/system|/backup)(?![\w-])")


@functools.cache
def guide_text() -> str:
    """deploy/README.md as the tests found it, read once."""
    return GUIDE.read_text(encoding="utf-8")


@functools.cache
def _blocks_by_section(lang: str) -> dict[str, tuple[str, ...]]:
    """Section number → its fenced ``lang`` blocks (each up to the next heading), for every section that has some."""
    found: dict[str, list[str]] = {}
    current, inside, body = None, False, []
    for line in guide_text().splitlines():
        if inside:
            if line.strip() == "```":
                inside = False
                if current is not None:
                    found.setdefault(current, []).append("\n".join(body) + "\n")
            else:
                body.append(line)
            continue
        heading = _HEADING.match(line)
        if heading:
            current = heading[2].rstrip(".")
        elif line.strip() == f"```{lang}":
            inside, body = True, []
    return {number: tuple(texts) for number, texts in found.items()}


def blocks(number: str, lang: str = "bash") -> list[str]:
    """The fenced ``lang`` blocks under the heading numbered ``number`` (up to the next heading)."""
    out = list(_blocks_by_section(lang).get(number, ()))
    assert out, f"deploy/README.md has no {lang} block under section {number}"
    return out


def all_blocks(lang: str = "bash") -> dict[str, list[str]]:
    """Section number → its ``lang`` blocks, for every section that has some."""
    return {number: list(texts) for number, texts in _blocks_by_section(lang).items()}


def commands(block: str) -> list[str]:
    """The block's command lines, continuation lines joined, blank lines and whole-line comments left out."""
    joined = re.sub(r"\\\n\s*", " ", block)
    return [line.strip() for line in joined.splitlines() if line.strip() and not line.strip().startswith("#")]


@functools.cache
def guide_day() -> str:
    """The date the guide's restore names (DAY=…); the backup's $(date +%F) is made that day in the tests."""
    return re.search(r"^DAY=(\S+)", "".join(blocks("5.2")), re.M)[1]


def _names(uid: int, gid: int) -> tuple[str, str]:
    return pwd.getpwuid(uid).pw_name, grp.getgrgid(gid).gr_name


@dataclass
class Root:
    """A fake / for one server: the guide's layout under ``path``, its backups in ``backup``."""

    path: Path
    backup: Path
    credentials: dict[str, str] = field(default_factory=lambda: {"imap": "unused", "smtp": "unused"})
    mail_address: str = "admin@office.test"
    replace: dict[str, str] = field(default_factory=dict)  # more literal text to replace (a database name …)

    def __post_init__(self) -> None:
        for base in ("root", "etc/systemd/system", "var/lib"):  # what a Debian system has before the guide
            (self.path / base).mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:  # ownership as on the server: files for the service user, the admin is root
            self.service_user, self.service_group = "nobody", grp.getgrgid(pwd.getpwnam("nobody").pw_gid).gr_name
            self.admin = "root"
        else:
            self.service_user, self.service_group = _names(os.geteuid(), os.getegid())
            self.admin = self.service_user

    @property
    def home(self) -> Path:
        """root's working folder: where the administrator types the guide's commands."""
        return self.path / "root"

    @property
    def state(self) -> Path:
        return self.path / "var" / "lib" / "mailbot"

    @property
    def settings(self) -> Path:
        return self.path / "etc" / "mailbot" / "mailbot.toml"

    def paths(self, text: str) -> str:
        def one(match: re.Match) -> str:
            found = match[1]
            if found == "/opt/mailbot/venv/bin/mailbot":
                return str(MAILBOT)
            if found == "/opt/mailbot/src":
                return str(REPO)
            if found == "/backup":
                return str(self.backup)
            return str(self.path) + found

        return _PATHS.sub(one, text)

    def localize(self, file: Path) -> None:
        """An installed file's layout paths (the settings' var_dir …) pointed into this root, as on the server."""
        file.write_text(self.paths(file.read_text(encoding="utf-8")), encoding="utf-8")

    def command(self, line: str) -> str | None:
        """The guide's line as this machine runs it, or None when it is one of the SKIPPED."""
        words = shlex.split(line, comments=True)
        if not words or words[0] in SKIPPED:
            return None
        for old, new in self.replace.items():
            line = line.replace(old, new)
        line = line.replace("$(date +%F)", guide_day()).replace("自己的邮箱", self.mail_address)
        line = re.sub(r"-o mailbot\b", f"-o {self.service_user}", line)
        line = re.sub(r"-g mailbot\b", f"-g {self.service_group}", line)
        line = re.sub(r"-o root\b", f"-o {self.admin}", line)
        line = line.replace("mailbot:mailbot", f"{self.service_user}:{self.service_group}")
        line = line.replace("root:mailbot", f"{self.admin}:{self.service_group}")
        words = shlex.split(line, comments=True)
        if words[0] == "runuser":
            assert words[1:4] == ["-u", "mailbot", "--"], line  # as the service user, never another
            line = line.split(" -- ", 1)[1]
        if words[0] == "systemd-run":
            return self._systemd_run(words)
        return self.paths(line)

    def _systemd_run(self, words: list[str]) -> str:
        """What systemd-run gives its command: a clean environment, / as its folder, the credentials."""
        env, rest = {}, words[1:]
        credentials = Path(tempfile.mkdtemp(prefix="credentials-", dir=self.path))
        while rest and rest[0].startswith("-"):
            option = rest.pop(0)
            if option in ("--pipe", "--wait", "--collect", "--quiet", "-P", "-q", "-G"):
                continue
            value = rest.pop(0) if option in ("-p", "-E") else option.split("=", 1)[1]
            if option in ("-E", "--setenv") or option.startswith("--setenv="):
                env.update([value.split("=", 1)])
                continue
            assert option in ("-p", "--property") or option.startswith("--property="), option
            name, _, setting = value.partition("=")
            if name == "User":
                assert setting == "mailbot", value
            elif name == "LoadCredentialEncrypted":
                credential, _, _ = setting.partition(":")
                (credentials / credential).write_text(self.credentials[credential], encoding="utf-8")
            else:
                raise AssertionError(f"systemd-run property the tests do not emulate: {value}")
        env["CREDENTIALS_DIRECTORY"] = str(credentials)
        assignments = " ".join(f"{k}={shlex.quote(v)}" for k, v in env.items())
        command = self.paths(shlex.join(rest))
        return f"(cd {shlex.quote(str(self.path))} && env -i PATH=\"$PATH\" LANG=C.UTF-8 {assignments} {command})"

    def script(self, *texts: str) -> str:
        lines = [self.command(line) for text in texts for line in commands(text)]
        return "\n".join(line for line in lines if line is not None) + "\n"

    def run(self, *texts: str) -> subprocess.CompletedProcess:
        """The blocks as one bash script, from root's home, with no MAILBOT_* of the test's environment."""
        env = {"PATH": os.environ["PATH"], "HOME": str(self.home), "LANG": "C.UTF-8"}
        ran = subprocess.run(["bash", "-euo", "pipefail", "-c", self.script(*texts)], cwd=self.home, env=env,
                             capture_output=True, text=True, timeout=600)
        for installed in (self.settings, self.unit):  # copied (again) by the guide: its layout paths into this root
            if installed.exists():
                self.localize(installed)
        return ran

    def install(self) -> None:
        """Section 1 as written."""
        installed = self.run(*blocks("1"))
        assert installed.returncode == 0, installed.stderr

    @property
    def unit(self) -> Path:
        return self.path / "etc" / "systemd" / "system" / "mailbot.service"

    def start_unit(self, *extra: str) -> subprocess.CompletedProcess:
        """The installed unit's ExecStart= (plus ``extra``), with its Environment=, WorkingDirectory= and credentials."""
        lines = self.unit.read_text(encoding="utf-8").splitlines()
        setting = {}
        env = {"PATH": os.environ["PATH"], "LANG": "C.UTF-8"}
        credentials = Path(tempfile.mkdtemp(prefix="credentials-", dir=self.path))
        for line in lines:
            key, _, value = line.partition("=")
            if key == "Environment":
                env.update([value.split("=", 1)])
            elif key == "LoadCredentialEncrypted":
                name = value.split(":", 1)[0]
                (credentials / name).write_text(self.credentials[name], encoding="utf-8")
                env["CREDENTIALS_DIRECTORY"] = str(credentials)
            elif key in ("ExecStart", "WorkingDirectory", "User"):
                setting[key] = value
        assert setting["User"] == "mailbot"
        command = shlex.split(setting["ExecStart"].replace(str(self.path) + "/opt/mailbot/venv/bin/mailbot",
                                                           str(MAILBOT)))
        return subprocess.run([*command, *extra], cwd=setting["WorkingDirectory"], env=env, capture_output=True,
                              text=True, timeout=600)


def for_database(texts: list[str], kind: str) -> list[str]:
    """The blocks for every database and those for ``kind`` ("SQLite" or "PostgreSQL"), as the guide marks them."""
    other = {"SQLite": "# PostgreSQL", "PostgreSQL": "# SQLite"}[kind]
    return [t for t in texts if not t.lstrip().startswith(other)]


def may(path: Path, uid: int, gids: set[int], want: int) -> bool:
    """Whether the mode bits let ``uid`` (in ``gids``) read (4), write (2) or enter (1) ``path``, as for a non-root user."""
    st = path.stat()
    bits = st.st_mode >> 6 if st.st_uid == uid else st.st_mode >> 3 if st.st_gid in gids else st.st_mode
    return bits & want == want


def reachable(root: Path, path: Path, uid: int, gids: set[int]) -> bool:
    """Every folder from the fake root down to ``path``'s own may be entered."""
    folders = [p for p in path.parents if p == root or root in p.parents]
    return all(may(p, uid, gids, 1) for p in folders)
