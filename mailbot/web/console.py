"""What the console's pages share, built once per process: settings, the database, the rules in force
(reloaded when rules/ changes, as the daemon does), the runtime for replays and letters, and the outbox."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path

from mailbot.daemon import build_transport, retry_base
from mailbot.outbox import deliver_pending
from mailbot.rules import Campaign, Rules
from mailbot.rules_loader import RulesError, load_rules, rules_version
from mailbot.runtime import Runtime, build_runtime
from mailbot.settings import Settings
from mailbot.store import Store

log = logging.getLogger("mailbot")
RULES_CHECK_SECONDS = 1.0  # how often a request looks whether rules/ changed


@dataclass
class Console:
    settings: Settings
    rules_dir: Path
    runtime: Runtime
    refused: str = ""  # why the newest edit of rules/ is not in force ("" when it is)
    _checked: float = 0.0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def store(self) -> Store:
        return self.runtime.store

    @property
    def rules(self) -> Rules:
        self._reload_if_changed()
        return self.runtime.rules

    def campaign(self, campaign_id: str | None) -> Campaign:
        rules = self.rules
        if campaign_id and campaign_id in rules.campaigns:
            return rules.campaigns[campaign_id]
        return next(iter(rules.campaigns.values()))

    def now(self) -> datetime:
        return datetime.now(timezone.utc)

    def put_in_force(self, rules: Rules) -> None:
        """Rules just saved by the console: in force at once, for this process."""
        with self._lock:
            self.runtime = replace(self.runtime, rules=rules)
            self.refused, self._checked = "", time.monotonic()

    def _reload_if_changed(self) -> None:
        if time.monotonic() - self._checked < RULES_CHECK_SECONDS:
            return
        with self._lock:
            self._checked = time.monotonic()
            try:
                version = rules_version(self.rules_dir)
                if version == self.runtime.rules.version:
                    self.refused = ""
                    return
                rules = load_rules(self.rules_dir, self.runtime.limits)
            except (RulesError, OSError) as exc:  # a broken edit: the last good rules stay, as in the daemon
                self.refused = "；".join(str(p) for p in getattr(exc, "problems", ())) or str(exc)
                return
            log.info("console: rules reloaded: version %s → %s", self.runtime.rules.version, rules.version)
            self.runtime = replace(self.runtime, rules=rules)
            self.refused = ""

    @contextmanager
    def outbox(self) -> Iterator[Callable[[], object]]:
        """A drain function for what an action queued (a notice, a resent reply), then the transport closed."""
        transport = build_transport(self.settings)
        try:
            yield lambda: deliver_pending(self.store, transport, self.runtime.office.address, retry_base(self.settings))
        finally:
            transport.close()

    def close(self) -> None:
        self.runtime.sandbox.close()
        self.store.close()


def open_console(settings: Settings, rules_dir: Path, rules: Rules | None = None) -> Console:
    """The console over the settings' database (its schema checked) and ``rules_dir`` (RulesError if broken)."""
    rules = rules or load_rules(rules_dir, settings.limits.to_limits())
    return Console(settings, Path(rules_dir), build_runtime(settings, rules))
