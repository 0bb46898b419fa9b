"""What every step needs, built once from settings and rules and passed in: the store, the archive,
the rules in force, the office's letterhead, the parser sandbox, OCR of scans and the clock.

Its own module so that the pipeline, replay, overrides, reminders and the staff's letters share one
type without importing one another.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone

from jinja2 import Environment

from mailbot.archive import Archive
from mailbot.mail_types import Office, TrustPolicy
from mailbot.replies import environment
from mailbot.rules import Rules
from mailbot.scans import ScanReader
from mailbot.schema import ensure_current
from mailbot.settings import OcrSettings, Settings
from mailbot.store import Store
from parsers.sandbox import Sandbox
from parsers.types import Limits


@dataclass
class Runtime:
    """Everything the pipeline needs, built once from settings and passed in."""

    store: Store
    archive: Archive
    rules: Rules
    office: Office
    limits: Limits
    templates: Environment
    reply_cap_per_hour: int
    sandbox: Sandbox
    trust: TrustPolicy = TrustPolicy()
    clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc)
    scans: ScanReader = field(default_factory=lambda: ScanReader(OcrSettings(enabled=False)))  # OCR of scans

    def close(self) -> None:
        """Stop the parser and OCR worker processes."""
        self.sandbox.close()
        self.scans.close()

    @property
    def own_addresses(self) -> frozenset[str]:
        return frozenset({self.office.address.lower()})

    @property
    def staff(self) -> frozenset[str]:
        return frozenset(self.rules.roster.staff)


def build_runtime(settings: Settings, rules: Rules, store: Store | None = None) -> Runtime:
    """Everything the pipeline needs; refuses a database whose schema is out of date (SchemaError)."""
    store = store or Store(settings.db_url)
    ensure_current(store.engine)
    limits = settings.limits.to_limits()
    return Runtime(
        store=store,
        archive=Archive(settings.archive_path),
        rules=rules,
        office=settings.office.to_office(settings.timezone),
        limits=limits,
        templates=environment(settings.templates_dir) if settings.templates_dir else environment(),
        reply_cap_per_hour=settings.replies_per_sender_per_hour,
        sandbox=Sandbox(limits, os.cpu_count() or 1),
        trust=settings.trust.to_policy(),
        scans=ScanReader(settings.ocr, store),
    )
