"""Fixtures of the console tests: one browser per test session, one console server per module (each module
defines the ``office`` it serves; tests/web/console.py has the rest)."""

import pytest

from tests.web.console import launch_browser


@pytest.fixture(scope="session")
def browser():
    yield from launch_browser()


@pytest.fixture(scope="module")
def url(office):
    """The address of `mailbot web` serving the module's office."""
    with office.console() as address:
        yield address
