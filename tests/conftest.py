"""Shared fixtures: the databases, the shipped rules, and a judge that runs the real intake on real files.

Every test that touches the database runs twice, as ``[sqlite]`` and ``[postgresql]``, without asking
for it: :func:`pytest_generate_tests` parametrizes the autouse fixture ``database`` for

* every test that asks for ``database_url`` (wherever it is), and
* every test under ``DATABASE_AREAS`` (the daemon, the CLI on stored mail, the staff commands, the
  IMAP/SMTP pipeline, the schema), whatever it builds: ``Settings(...)``, ``build_daemon``, a
  ``mailbot`` subprocess.

``[sqlite]`` leaves MAILBOT_DATABASE_URL unset, so mailbot uses its embedded default
(``<var_dir>/mailbot.db``). ``[postgresql]`` sets it (monkeypatch-style, so ``mailbot`` subprocesses
inherit it, and it wins over ``Settings(database_url=...)``) to a fresh database of the session's
cluster, which is dropped afterwards.

Exceptions are explicit and checked, so neither a fake ``[postgresql]`` run nor a database test
that runs once goes unnoticed:

* ``@pytest.mark.no_database``: an area test that opens no database runs once;
* ``@pytest.mark.sqlite_only("why")``: a test of SQLite-specific behaviour (or of the default
  installation, which is SQLite) runs once, on SQLite;
* ``@pytest.mark.own_database("why")``: a test that picks its database(s) itself runs as written;
  so does every test that asks for ``own_postgres`` or ``postgres`` without ``database_url``.

A module-scoped fixture that needs the database asks for ``module_database`` instead (same object;
one database per module and kind, the module's tests grouped by kind).

A ``[postgresql]`` run that never connected to its database fails (the test strips MAILBOT_* or
hard-codes SQLite: mark it). A test that runs once without ``sqlite_only``/``own_database`` and still
opens a database (in this process, or a ``*.db`` file appears under its ``tmp_path``) fails too (move
it under ``DATABASE_AREAS``, ask for ``database_url``, or mark it).

Without PostgreSQL's binaries the ``[postgresql]`` tests are skipped locally and fail under CI
(``CI`` set, as .ci/run does). A ``[postgresql]`` run skipped by anything (a later fixture finding no
Dovecot, a skip in the test) is not held to have used its database.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from mailbot.intake import read_files
from mailbot.judge import judge, unit_from_ledger
from mailbot.rules_loader import load_rules
from parsers.types import Limits
from tests.builders.campaign import RULES

DATABASES = ("sqlite", "postgresql")
DATABASE_AREAS = ("tests/pipeline/", "tests/staff/", "tests/integration/", "tests/db/", "tests/web/")


def _marked(node, name: str) -> bool:
    return node.get_closest_marker(name) is not None


def _chooses_itself(node, fixturenames) -> bool:
    return _marked(node, "own_database") or (
        "database_url" not in fixturenames and ("own_postgres" in fixturenames or "postgres" in fixturenames))


def _runs_on_both(metafunc) -> bool:
    node, names = metafunc.definition, metafunc.fixturenames
    if _marked(node, "sqlite_only") or _marked(node, "no_database") or _chooses_itself(node, names):
        return False
    return "database_url" in names or node.nodeid.startswith(DATABASE_AREAS)


def pytest_generate_tests(metafunc):
    if "database" not in metafunc.fixturenames or not _runs_on_both(metafunc):
        return
    if "module_database" in metafunc.fixturenames:  # one office shared by a module's tests: grouped by kind
        metafunc.parametrize("module_database", DATABASES, indirect=True, ids=DATABASES, scope="module")
    else:
        metafunc.parametrize("database", DATABASES, indirect=True, ids=DATABASES)


@dataclass(frozen=True)
class Database:
    """What this run of the test uses: ``kind`` "sqlite" (mailbot's default, MAILBOT_DATABASE_URL unset),
    "postgresql" (``url``, also in MAILBOT_DATABASE_URL), or "none" (runs once: no database, or one the
    test picks itself)."""

    kind: str
    url: str = ""

    def url_for(self, var_dir: Path) -> str:
        """The URL mailbot uses with this ``var_dir``."""
        return self.url or f"sqlite:///{var_dir / 'mailbot.db'}"


def _cluster():
    from tests.servers import Postgres, postgres_bin

    if postgres_bin() is None:
        reason = "needs Debian's postgresql (./dev test installs it when run as root)"
        if in_ci():
            pytest.fail(f"CI must run the PostgreSQL tests: {reason}", pytrace=False)
        pytest.skip(reason)
    cluster = Postgres()
    cluster.start()
    yield cluster
    cluster.cleanup()


@pytest.fixture(scope="session")
def postgres():
    """One throwaway PostgreSQL cluster per test session (per xdist worker)."""
    yield from _cluster()


@pytest.fixture
def own_postgres():
    """A cluster of the test's own, for tests that stop or restart it (the shared one serves other tests)."""
    yield from _cluster()


@pytest.fixture(autouse=True)
def database(request):
    """See the module's docstring. Parametrized by :func:`pytest_generate_tests`."""
    if "module_database" in request.fixturenames:
        yield request.getfixturevalue("module_database")
    else:
        yield from _provide(request)


@pytest.fixture(scope="module")
def module_database(request):
    """``database`` for a module-scoped fixture (e.g. one office that a module's tests share): one per kind."""
    yield from _provide(request)


def _provide(request):
    kind = getattr(request, "param", "none")
    patch = pytest.MonkeyPatch()
    patch.delenv("MAILBOT_DATABASE_URL", raising=False)  # never a developer's database
    try:
        if kind == "postgresql":
            cluster = request.getfixturevalue("postgres")
            url = cluster.new_database()
            patch.setenv("MAILBOT_DATABASE_URL", url)
            yield Database(kind, url)
            _check_used(cluster, url, request.node, judged=not _skipped(request.node))
        elif kind == "sqlite":
            yield Database(kind)
        else:
            yield from _runs_once(request)
    finally:
        patch.undo()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the test, for fixtures that judge the run when it ends."""
    outcome = yield
    report = outcome.get_result()
    item.stash.setdefault(REPORTS, {})[report.when] = report


REPORTS = pytest.StashKey[dict]()


def _skipped(node) -> bool:
    """Whether the test was skipped (by a later fixture, e.g. no Dovecot on this machine, or in its body)."""
    return any(report.skipped for report in node.stash.get(REPORTS, {}).values())


def _check_used(cluster, url: str, node, judged: bool = True) -> None:
    """Fail the [postgresql] run that never connected to its database (not one that was skipped: it ran
    nothing); drop the database."""
    import psycopg

    name = url.rsplit("/", 1)[1]
    with psycopg.connect(f"host=127.0.0.1 port={cluster.port} user=postgres dbname=postgres",
                         autocommit=True) as connection:
        deadline = time.monotonic() + 1  # a backend counts its session when it ends, just after its client
        while True:
            backends, sessions = connection.execute(
                "SELECT numbackends, sessions FROM pg_stat_database WHERE datname = %s", (name,)).fetchone()
            if backends or sessions or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        connection.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
    if judged and not (backends or sessions):
        pytest.fail(f"{node.nodeid} ran as [postgresql] but never connected to its PostgreSQL database (it strips "
                    "MAILBOT_DATABASE_URL or hard-codes SQLite): make it use the database, or mark it "
                    "@pytest.mark.sqlite_only(reason) / @pytest.mark.no_database", pytrace=False)


def _runs_once(request):
    """A test not run on both databases: one that says it opens none must open none."""
    node = request.node
    if isinstance(node, pytest.Function) and _marked(node, "sqlite_only"):
        yield Database("sqlite")
        return
    if not isinstance(node, pytest.Function) or _chooses_itself(node, node.fixturenames):
        yield Database("none")
        return
    from sqlalchemy import event
    from sqlalchemy.pool import Pool

    opened = []

    def connected(_dbapi_connection, _record):
        opened.append(True)

    event.listen(Pool, "connect", connected)
    try:
        yield Database("none")
    finally:
        event.remove(Pool, "connect", connected)
    tmp_path = node.funcargs.get("tmp_path")
    files = [str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*.db")] if tmp_path is not None else []
    if opened or files:
        where = f"files {files} appeared under tmp_path" if files else "it connected to a database in this process"
        fix = "drop its no_database marker" if _marked(node, "no_database") else \
            f"put it under {' / '.join(DATABASE_AREAS)} or ask for database_url"
        pytest.fail(f"{node.nodeid} opens a database ({where}) but runs once: {fix} so that it runs on both, or "
                    "mark it @pytest.mark.sqlite_only(reason) / @pytest.mark.own_database(reason)", pytrace=False)


@pytest.fixture
def database_url(database, tmp_path) -> str:
    """The URL of this run's database (asking for it makes any test run on both databases)."""
    return database.url_for(tmp_path)


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() not in ("", "0", "false", "no")


@pytest.fixture(scope="session")
def ocr_sandbox():
    """One warm OCR worker per test session (per xdist worker), shared by every OCR test: the engine loads
    once. Skipped without the ``mailbot[ocr]`` extra locally; under CI the extra must be there."""
    from mailbot.scans import ocr_sandbox as make
    from mailbot.settings import OcrSettings
    from parsers import ocr

    if not ocr.installed():
        reason = "needs the OCR extra (./dev installs it)"
        if in_ci():
            pytest.fail(f"CI must run the OCR tests: {reason}", pytrace=False)
        pytest.skip(reason)
    sandbox = make(OcrSettings(seconds_per_page=300))  # a busy shared machine is no reason to stop reading
    yield sandbox
    sandbox.close()


@pytest.fixture(scope="session")
def rules():
    return load_rules(RULES)


@pytest.fixture
def judge_files(rules):
    """judge_files({"台账.xlsx": bytes, ...}, unit="田坪乡") → Verdict, through intake and every check."""

    def run(files: dict[str, bytes], unit: str | None = "田坪乡", rules_=None, limits: Limits = Limits()):
        active = rules_ or rules
        campaign = active.campaign()
        dossier = read_files(files.items(), campaign, limits)
        chosen = active.roster.get(unit) if unit else unit_from_ledger(dossier, active.roster)
        return judge(dossier, campaign, active.roster, active.version, chosen)

    return run


def _dovecot(capabilities: str | None = None):
    from tests.servers import Dovecot, needs_dovecot

    needs_dovecot()
    server = Dovecot(capabilities=capabilities)
    server.start()
    yield server
    server.cleanup()


@pytest.fixture(scope="session")
def dovecot():
    """A real Dovecot (IMAP) on 127.0.0.1 for the session: each test logs in as its own dovecot.new_user()."""
    yield from _dovecot()


@pytest.fixture(scope="session")
def dovecot_polling():
    """A Dovecot that, like 126.com, offers neither IDLE nor MOVE."""
    from tests.servers import NETEASE_LIKE

    yield from _dovecot(NETEASE_LIKE)


@pytest.fixture
def smtp():
    """A real SMTP server (aiosmtpd with AUTH) on 127.0.0.1 for this test."""
    from tests.servers import SmtpServer

    server = SmtpServer()
    server.start()
    yield server
    server.stop()
