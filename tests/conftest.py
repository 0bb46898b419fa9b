"""Shared fixtures: the shipped rules, and a judge that runs the real intake on real files."""

from __future__ import annotations

import pytest

from mailbot.intake import read_files
from mailbot.judge import judge, unit_from_ledger
from mailbot.rules_loader import load_rules
from parsers.types import Limits
from tests.builders.campaign import RULES


def _cluster():
    from tests.servers import Postgres, postgres_bin

    if postgres_bin() is None:
        pytest.skip("needs Debian's postgresql (.ci/run installs it)")
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


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path) -> str:
    """Each store test runs on both databases: a SQLite file and a fresh PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'mailbot.db'}"
    return request.getfixturevalue("postgres").new_database()


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


@pytest.fixture
def smtp():
    """A real SMTP server (aiosmtpd with AUTH) on 127.0.0.1 for this test."""
    from tests.servers import SmtpServer

    server = SmtpServer()
    server.start()
    yield server
    server.stop()
