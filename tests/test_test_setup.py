"""The README's test command sets up a fresh machine itself, and the suite's own guard never fails a test that
was skipped (on a machine without Dovecot the [postgresql] run of a Dovecot test used to end in an error)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from tests.servers import postgres_bin

REPO = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.no_database

PROBE = '''
import pytest


@pytest.fixture
def server_missing_here():
    pytest.skip("no such server on this machine")


def test_needs_a_server(server_missing_here):
    pass


def test_never_opens_the_database_it_was_given():
    pass
'''


@pytest.mark.skipif(postgres_bin() is None, reason="needs Debian's postgresql (./dev test installs it as root)")
def test_a_skipped_test_never_trips_the_postgresql_guard_and_a_real_miss_still_does(tmp_path):
    """A copy of the suite's conftest over two probe tests under tests/pipeline/ (run on both databases): the
    one skipped by a fixture after its database was made passes as skipped; the one that ran and never
    connected still fails, as the guard is there for."""
    tests = tmp_path / "tests"
    (tests / "pipeline").mkdir(parents=True)
    for name in ("conftest.py", "servers.py", "builders"):
        (tests / name).symlink_to(REPO / "tests" / name)
    (tests / "__init__.py").write_text("")
    (tests / "pipeline" / "__init__.py").write_text("")
    (tests / "pipeline" / "test_probe.py").write_text(PROBE)
    (tmp_path / "pytest.ini").write_text("[pytest]\npythonpath = .\n")
    env = {k: v for k, v in os.environ.items() if k not in ("CI", "MAILBOT_DATABASE_URL", "PYTEST_XDIST_WORKER")}
    ran = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "no:xdist", "-rA",
                          "tests/pipeline/test_probe.py"], cwd=tmp_path, env=env, capture_output=True, text=True,
                         timeout=300)
    lines = ran.stdout.splitlines()
    assert any(line.startswith("SKIPPED") and "test_needs_a_server[postgresql]" in line for line in lines) or \
        "2 skipped" in ran.stdout, ran.stdout
    assert not any("test_needs_a_server" in line for line in lines if line.startswith(("ERROR", "FAILED"))), ran.stdout
    failed = [line for line in lines if line.startswith(("ERROR", "FAILED"))]
    assert len(failed) == 1 and "test_never_opens_the_database_it_was_given[postgresql]" in failed[0], ran.stdout
    assert "never connected to its PostgreSQL database" in ran.stdout


def test_ci_runs_exactly_the_readme_command():
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    commands = [line for line in ci.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    assert any("./dev test" in line for line in commands) and 'CI="${CI:-1}"' in ci
    assert "apt-get" not in ci and "packages" not in "\n".join(commands)  # the list lives in ./dev only


@pytest.mark.skipif(os.geteuid() != 0 or shutil.which("setpriv") is None, reason="needs root to act as another user")
def test_without_root_a_missing_package_stops_at_once_with_one_line_naming_it():
    """dpkg is asked through PATH: a stand-in says dovecot-imapd is not installed (it cannot be removed here)."""
    with tempfile.TemporaryDirectory() as folder:  # under /tmp, where nobody may look (pytest's tmp_path is root's)
        fake = Path(folder)
        fake.chmod(0o755)
        (fake / "dpkg").write_text('#!/bin/sh\n[ "$2" = dovecot-imapd ] && exit 1\nexec /usr/bin/dpkg "$@"\n')
        (fake / "dpkg").chmod(0o755)
        ran = subprocess.run(["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", "env",
                              f"PATH={fake}:{os.environ['PATH']}", str(REPO / "dev"), "test"],
                             capture_output=True, text=True, timeout=60)
    assert ran.returncode == 2 and ran.stdout == ""
    assert ran.stderr.count("\n") == 1 and "apt-get install dovecot-imapd" in ran.stderr, ran.stderr
