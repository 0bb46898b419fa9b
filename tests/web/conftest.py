"""Fixtures of the console tests: one browser per test session (tests/web/console.py has the rest)."""

import pytest

from tests.web.console import launch_browser


@pytest.fixture(scope="session")
def browser():
    yield from launch_browser()
