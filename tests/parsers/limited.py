"""Helpers for tests that feed hostile files to the parsers."""

from __future__ import annotations

from parsers.sandbox import Sandbox
from parsers.types import Limits


def run_limited(fn, *args, limits: Limits):
    """One call in a fresh memory- and CPU-time-limited sandbox, as `mailbot check` runs its files."""
    with Sandbox(limits, 1) as sandbox:
        return sandbox.run(fn, *args)


def never_listed(monkeypatch) -> None:
    """zipfile builds an object per member (100,000 took 1.5 s and 140 MB): a flood must be
    answered from the directory's record count without it."""
    import zipfile

    def refuse(*args, **kwargs):
        raise AssertionError("zipfile.ZipFile was asked to list the members")

    monkeypatch.setattr(zipfile, "ZipFile", refuse)
