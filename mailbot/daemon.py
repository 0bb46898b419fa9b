"""Run the pipeline over the inbox: once, or as a daemon polling until SIGTERM/SIGINT.

Builds the runtime from settings once and passes it down. A signal lets the
current mail finish (its transaction commits or rolls back whole) and then
stops; a SIGKILL at any point leaves either a committed verdict with a pending
reply (delivered on the next start) or a 'new' message (processed again).
"""

from __future__ import annotations

import logging
import signal
import threading
from dataclasses import dataclass, field

from mailbot import store as q
from mailbot.archive import Archive
from mailbot.maildir import MaildirInbox, MaildirOutbox
from mailbot.outbox import Transport, deliver_pending
from mailbot.pipeline import Outcome, Runtime, process
from mailbot.replies import Office, environment
from mailbot.rules import Rules
from mailbot.settings import Settings
from mailbot.store import Store

log = logging.getLogger("mailbot")


def build_runtime(settings: Settings, rules: Rules, store: Store | None = None) -> Runtime:
    office = settings.office
    return Runtime(
        store=store or Store(settings.db_url),
        archive=Archive(settings.archive_path),
        rules=rules,
        office=Office(office.name, office.address.lower(), office.phone, office.message_id_domain),
        limits=settings.limits.to_limits(),
        templates=environment(),
        reply_cap_per_hour=settings.replies_per_sender_per_hour,
    )


@dataclass
class Daemon:
    rt: Runtime
    inbox: MaildirInbox
    transport: Transport
    poll_interval: float
    stopping: threading.Event = field(default_factory=threading.Event)
    retried: set[str] = field(default_factory=set)  # failed keys already retried by this process

    def run_once(self) -> list[Outcome]:
        """Every mail not yet done, each followed by delivery of its reply; then the outbox drained."""
        with self.rt.store.session() as session:
            done = q.done_keys(session, self.inbox.name) | self.retried
        outcomes = []
        for raw in self.inbox.pending(done):
            if self.stopping.is_set():
                break
            outcome = process(raw, self.rt)
            if outcome.state == "failed":
                self.retried.add(raw.key)  # retried on the next start, not in a hot loop
            outcomes.append(outcome)
            deliver_pending(self.rt.store, self.transport, self.rt.office.address)
        deliver_pending(self.rt.store, self.transport, self.rt.office.address)
        return outcomes

    def run_forever(self) -> None:
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: self.stopping.set())
        log.info("mailbot running: inbox %s, polling every %s s", self.inbox.name, self.poll_interval)
        while not self.stopping.is_set():
            try:
                self.run_once()
            except Exception:  # noqa: BLE001 - one bad poll must not stop the daemon
                log.exception("poll failed; trying again after the interval")
            self.stopping.wait(self.poll_interval)
        log.info("mailbot stopped")


def build_daemon(settings: Settings, rules: Rules) -> Daemon:
    return Daemon(
        rt=build_runtime(settings, rules),
        inbox=MaildirInbox(settings.inbox_path),
        transport=MaildirOutbox(settings.outbox_path),
        poll_interval=settings.poll_interval_seconds,
    )
