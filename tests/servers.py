"""Real mail servers on 127.0.0.1 for the tests: Dovecot (IMAP) and aiosmtpd (SMTP with AUTH).

Follows the verified recipe in shared/recipes: Dovecot runs in the foreground as
our child with its own config in a world-readable temp folder (its mail
processes run as nobody, so no parent may be 0700), the auth penalty is off,
and any user ``t-<id>@fresh.test`` logs in with password ``secret`` into a new
empty mailbox. ``capabilities`` replaces the advertised list, so the polling
path that 126.com needs (no IDLE, no MOVE) is tested against a real server.
"""

from __future__ import annotations

import datetime as dt
import imaplib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

NETEASE_LIKE = ("IMAP4rev1 LITERAL+ SASL-IR LOGIN-REFERRALS ID ENABLE SORT THREAD=REFERENCES MULTIAPPEND UNSELECT "
                "CHILDREN NAMESPACE UIDPLUS LIST-EXTENDED I18NLEVEL=1 ESEARCH SEARCHRES WITHIN LIST-STATUS")
PASSWORD = "secret"
MAILBOT = str(Path(sys.executable).with_name("mailbot"))  # this venv's console script

CONFIG = """
protocols = imap
listen = 127.0.0.1
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
instance_name = mailbot-test-{port}
default_internal_user = dovecot
default_login_user = dovenull
auth_mechanisms = plain login
disable_plaintext_auth = no
auth_failure_delay = 0
ssl = yes
ssl_cert = <{root}/cert.pem
ssl_key = <{root}/key.pem
passdb {{
  driver = static
  args = noauthenticate=y nodelay=y
}}
passdb {{
  driver = static
  args = password={password}
  username_filter = *@fresh.test
}}
userdb {{
  driver = static
  args = uid=nobody gid=nogroup home={root}/mail/%d/%n
}}
mail_location = maildir:~/Maildir
mail_fsync = never
mail_max_userip_connections = 200
namespace inbox {{
  inbox = yes
  separator = /
}}
imap_id_send = name * version *
imap_id_log = *
mailbox_idle_check_interval = 1 secs
{capability}
service anvil {{
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {tls_port}
    ssl = yes
  }}
}}
"""


def settings_toml(path: Path, **values) -> Path:
    """A mailbot settings file: plain values at the top, dicts as [tables] (the servers' .settings())."""
    def render(value) -> str:
        if isinstance(value, bool):
            return str(value).lower()
        if isinstance(value, (int, float)):
            return str(value)
        return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'

    top = [f"{k} = {render(v)}" for k, v in values.items() if not isinstance(v, dict)]
    tables = [f"\n[{k}]\n" + "\n".join(f"{kk} = {render(vv)}" for kk, vv in v.items())
              for k, v in values.items() if isinstance(v, dict)]
    path.write_text("\n".join(top) + "\n" + "\n".join(tables) + "\n", encoding="utf-8")
    return path


def environment(database_url: str, var: Path, **extra: str) -> dict[str, str]:
    """The test's environment with none of its own MAILBOT_*: a mailbot on this database and state folder."""
    return {**{k: v for k, v in os.environ.items() if not k.startswith("MAILBOT_")},
            "MAILBOT_DATABASE_URL": database_url, "MAILBOT_VAR_DIR": str(var), **extra}


def run_mailbot(database_url: str, var: Path, *args: str, **extra: str) -> subprocess.CompletedProcess:
    """`mailbot --rules <the shipped rules> *args` run to its end in :func:`environment` (``extra`` added to it)."""
    from tests.builders.campaign import RULES

    return subprocess.run([MAILBOT, "--rules", str(RULES), *args], capture_output=True, text=True,
                          env=environment(database_url, var, **extra), timeout=120)


@contextmanager
def running_mailbot(env: dict[str, str], *args: str, program: Sequence[str] = (MAILBOT,), cwd: Path | None = None,
                    log: Path | None = None) -> Iterator[tuple[subprocess.Popen, Path]]:
    """``program *args`` (mailbot, e.g. ``run``) in the background: yields (the process, its log file).

    Its stderr goes to ``log`` (default: ``mailbot.log`` beside MAILBOT_VAR_DIR), never to a pipe
    nobody reads while it runs, which a chatty daemon fills and then blocks on. On leaving, a process
    still running gets SIGTERM, as systemd and Docker stop it; its ``returncode`` is then set.
    """
    log = log or Path(env["MAILBOT_VAR_DIR"]).with_name("mailbot.log")
    with open(log, "w", encoding="utf-8") as stderr:
        process = subprocess.Popen([*program, *args], env=env, cwd=cwd, stderr=stderr)
        try:
            yield process, log
        finally:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
                raise


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def make_certificate(root: Path) -> None:
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(root / "key.pem"),
                    "-out", str(root / "cert.pem"), "-days", "30", "-subj", "/CN=localhost",
                    "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"], check=True, capture_output=True)
    (root / "key.pem").chmod(0o600)


def needs_dovecot() -> None:
    """Skip the test on a machine without Dovecot's binaries."""
    import pytest

    if shutil.which("dovecot") is None:
        pytest.skip("needs Debian's dovecot-imapd (./dev test installs it when run as root)")


@dataclass
class Dovecot:
    capabilities: str | None = None
    root: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="mailbot-dovecot-")))
    port: int = field(default_factory=free_port)
    tls_port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None

    def __post_init__(self) -> None:
        self.root.chmod(0o755)
        make_certificate(self.root)
        (self.root / "mail").mkdir()
        shutil.chown(self.root / "mail", "nobody", "nogroup")
        capability = f"imap_capability = {self.capabilities}" if self.capabilities else ""
        (self.root / "dovecot.conf").write_text(CONFIG.format(root=self.root, port=self.port, tls_port=self.tls_port,
                                                              password=PASSWORD, capability=capability))

    @property
    def cert(self) -> Path:
        return self.root / "cert.pem"

    def start(self) -> None:
        shutil.rmtree(self.root / "run", ignore_errors=True)  # a stale socket delays auth by 5 s
        self.process = subprocess.Popen(["dovecot", "-c", str(self.root / "dovecot.conf"), "-F"])
        deadline = time.monotonic() + 20
        while True:
            try:
                client = imaplib.IMAP4("127.0.0.1", self.port, timeout=2)
                client.login("probe@fresh.test", PASSWORD)
                client.logout()
                return
            except (OSError, imaplib.IMAP4.error):
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"dovecot did not start; see {self.root / 'dovecot.log'}")
                time.sleep(0.02)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=15)
        self.process = None

    def cleanup(self) -> None:
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)

    def new_user(self) -> str:
        return f"t-{uuid.uuid4().hex[:10]}@fresh.test"

    def client(self, user: str) -> imaplib.IMAP4:
        client = imaplib.IMAP4("127.0.0.1", self.port, timeout=10)
        client.login(user, PASSWORD)
        return client

    def append(self, user: str, raw: bytes, when: dt.datetime | None = None, folder: str = "INBOX") -> int:
        """APPEND as a delivering server would; returns the new UID. ``when`` becomes INTERNALDATE."""
        when = when or dt.datetime.now(dt.timezone.utc)
        client = self.client(user)
        try:
            typ, data = client.append(folder, None, imaplib.Time2Internaldate(when), raw)
            assert typ == "OK", data
            return int(re.search(rb"APPENDUID \d+ (\d+)", data[0]).group(1))
        finally:
            client.logout()

    def doveadm(self, *args: str) -> str:
        result = subprocess.run(["doveadm", "-c", str(self.root / "dovecot.conf"), *args], capture_output=True,
                                text=True, check=True)
        return result.stdout

    def flags(self, user: str) -> list[str]:
        return self.doveadm("fetch", "-u", user, "flags", "mailbox", "INBOX", "all").split("\n")

    def set_uidvalidity(self, user: str, value: int) -> None:
        self.doveadm("mailbox", "update", "-u", user, "--uid-validity", str(value), "INBOX")

    def imap_settings(self, user: str, **extra) -> dict:
        return {"kind": "imap", "host": "127.0.0.1", "port": self.port, "security": "plain", "username": user,
                "password_env": "MAILBOT_TEST_IMAP_PASSWORD", "timeout_seconds": 10, **extra}


class SmtpServer:
    """aiosmtpd with AUTH on loopback; captures what it accepts; can refuse temporarily or be stopped."""

    def __init__(self, user: str = "bot@example.test", password: str = PASSWORD, security: str = "plain",
                 cert: Path | None = None, smtputf8: bool = False) -> None:
        import asyncio
        import logging
        import warnings

        from aiosmtpd.controller import Controller
        from aiosmtpd.smtp import AuthResult, LoginPassword

        warnings.filterwarnings("ignore", message="Requiring AUTH while not requiring TLS")
        logging.getLogger("mail.log").setLevel(logging.ERROR)
        self.user, self.password = user, password
        self.port = free_port()
        self.messages: list[dict] = []
        self.refuse_with: str | None = None  # e.g. "451 4.3.0 try later"
        self.delay_seconds = 0.0  # per accepted message, as a busy real server takes 0.1–0.3 s
        server = self

        class Handler:
            async def handle_DATA(self, smtp, session, envelope):
                if server.refuse_with:
                    return server.refuse_with
                if server.delay_seconds:
                    await asyncio.sleep(server.delay_seconds)
                server.messages.append({"mail_from": envelope.mail_from, "rcpt_tos": list(envelope.rcpt_tos),
                                        "data": envelope.original_content,
                                        "login": getattr(session.auth_data, "login", None)})
                return "250 OK"

        def authenticator(smtp, session, envelope, mechanism, auth_data):
            good = isinstance(auth_data, LoginPassword) and \
                (auth_data.login, auth_data.password) == (user.encode(), password.encode())
            return AuthResult(success=good, handled=False, auth_data=auth_data)

        tls = {}
        if security != "plain":
            import ssl

            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(str(cert), str(cert.with_name("key.pem")))
            # implicit TLS: aiosmtpd 1.4 counts only STARTTLS as TLS, so AUTH needs auth_require_tls=False
            tls = {"ssl_context": context} if security == "ssl" else {"tls_context": context, "require_starttls": True}
        self.security = security
        self._make = lambda: Controller(Handler(), hostname="127.0.0.1", port=self.port, authenticator=authenticator,
                                        auth_required=True, auth_require_tls=False, enable_SMTPUTF8=smtputf8, **tls)
        self.controller = None

    def start(self) -> None:
        self.controller = self._make()
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
        self.controller = None

    def settings(self, **extra) -> dict:
        return {"kind": "smtp", "host": "127.0.0.1", "port": self.port, "security": self.security, "username": self.user,
                "password_env": "MAILBOT_TEST_SMTP_PASSWORD", "timeout_seconds": 10, "max_per_minute": 6000,
                "retry_base_seconds": 0.2, **extra}


def wait_for(predicate, timeout: float, step: float = 0.05) -> bool:
    """Poll ``predicate`` until true or ``timeout`` seconds passed."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return False


def postgres_bin() -> Path | None:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    return found[-1].parent if found else None


@dataclass
class Postgres:
    """A throwaway PostgreSQL cluster on 127.0.0.1 (Debian's postgresql; run as user postgres when we are root)."""

    root: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="mailbot-pg-")))
    port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None

    def _as_owner(self, *command: str) -> list[str]:
        import os

        return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else list(command)

    def start(self) -> None:
        import os

        bin_dir = postgres_bin()
        self.root.chmod(0o755)
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres", "postgres")
        subprocess.run(self._as_owner(str(bin_dir / "initdb"), "-D", str(self.root / "data"), "-U", "postgres",
                                      "--auth=trust", "--encoding=UTF8", "--no-sync"), check=True, capture_output=True)
        self.start_again()

    def stop(self) -> None:
        """Stop the server fast: its clients' connections are cut, as when the host goes down."""
        subprocess.run(self._as_owner(str(postgres_bin() / "pg_ctl"), "stop", "-m", "fast", "-D", str(self.root / "data")),
                       check=True, capture_output=True)
        self.process.wait(timeout=30)

    def restart(self) -> None:
        self.stop()
        self.start_again()

    def start_again(self) -> None:
        """Start postgres on the existing data folder and wait until it takes connections."""
        bin_dir = postgres_bin()
        data = self.root / "data"
        self.process = subprocess.Popen(self._as_owner(
            str(bin_dir / "postgres"), "-D", str(data), "-p", str(self.port), "-k", str(self.root),
            "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off", "-c", "synchronous_commit=off",
            "-c", "full_page_writes=off", "-c", "max_connections=100"),
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        import psycopg

        deadline = time.monotonic() + 30
        while True:
            try:
                psycopg.connect(f"host=127.0.0.1 port={self.port} user=postgres dbname=postgres").close()
                return
            except psycopg.OperationalError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("postgres did not start")
                time.sleep(0.1)

    def new_database(self) -> str:
        """A fresh empty database; its SQLAlchemy URL."""
        import psycopg

        name = f"t_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(f"host=127.0.0.1 port={self.port} user=postgres dbname=postgres",
                             autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{name}"

    def cleanup(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)
        shutil.rmtree(self.root, ignore_errors=True)
