"""Run the pipeline over the inbox: once, or as a daemon polling until SIGTERM/SIGINT.

Builds the runtime from settings once and passes it down. A signal lets the
current mail finish (its transaction commits or rolls back whole) and then
stops; a SIGKILL at any point leaves either a committed verdict with a pending
reply (delivered on the next start) or a 'new' message (processed again).
"""

from __future__ import annotations

import logging
import os
import signal
import threading
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from email.message import EmailMessage
from pathlib import Path
from typing import Protocol

from mailbot import attempts
from mailbot import queries as q
from mailbot.maildir import MaildirInbox, MaildirOutbox
from mailbot.findings import VerdictTag
from mailbot.heartbeat import beat, heartbeat_path
from mailbot.mail_types import RawMail
from mailbot.outage import OutageAlarm, alert_letter, all_clear_letter
from mailbot.outbox import Transport, deliver_pending, wire
from mailbot.pipeline import Outcome, Prepared, open_mail, process, read_files
from mailbot.runtime import Runtime, build_runtime
from mailbot.scan_lane import Handed, ScanLane
from mailbot.rules import Rules
from mailbot.scheduler import build_scheduler
from mailbot.schema import changed_under_us
from mailbot.settings import ImapSettings, Settings, SmtpSettings
from mailbot.rules_loader import load_rules, rules_version
from mailbot.staff import queue_digest, queue_rules_alert, send_reminders
from mailbot.store import DatabaseError, Reservations

log = logging.getLogger("mailbot")
MAX_BACKOFF_SECONDS = 300.0


class Inbox(Protocol):
    name: str

    def pending(self, done: set[str]) -> Iterator[RawMail]: ...

    def wait(self, seconds: float, stopping: threading.Event) -> None: ...

    def file(self, key: str, needs_attention: bool) -> None: ...

    def drop(self) -> None: ...

    def close(self) -> None: ...


@dataclass
class Daemon:
    rt: Runtime
    inbox: Inbox
    transport: Transport
    poll_interval: float
    retry_base: float = 60.0
    workers: int = field(default_factory=lambda: os.cpu_count() or 1)  # mails parsed at once
    scheduler: object | None = None  # schedule.Scheduler with the digest and reminder jobs
    rules_dir: Path | None = None  # watched: edited rules are loaded without a restart
    refused_versions: set[str] = field(default_factory=set)  # broken edits already reported
    stopping: threading.Event = field(default_factory=threading.Event)
    retried: set[str] = field(default_factory=set)  # failed keys already retried by this process
    alarm: OutageAlarm = field(default_factory=lambda: OutageAlarm(timedelta(minutes=30)))
    heartbeat: Path | None = None  # written after each good cycle of run_forever, read by `mailbot health`
    lane: ScanLane | None = None  # mails whose scans OCR reads, beside the loop (started on the first one)
    sending: threading.Lock = field(default_factory=threading.Lock)  # the transport, for the loop and the lane
    bytes_ahead: int = 64 * 1024 * 1024  # mail read ahead of the one being recorded (bench/memory.py)

    def run_once(self, wait_for_scans: bool = True) -> list[Outcome]:
        """Every mail not yet done, each followed by delivery of its reply; then the outbox drained.

        Mails are read ahead in a thread pool, at most 2 × workers of them and about ``bytes_ahead`` bytes
        (always one): memory stays a small multiple of the largest mail. An attempt at each is counted when its
        reading begins (mailbot/attempts.py); when the cycle stops for the disk or the database, or on SIGTERM,
        the attempts of mails begun and not finished are given back: that is no fault of theirs.

        Mails whose scans must be read first go to the scan lane (:mod:`mailbot.scan_lane`);
        ``wait_for_scans`` (``mailbot run --once``): return only when the lane has processed them too.
        The daemon's loop does not wait: it goes on answering other mail while the lane reads."""
        with self.rt.store.session() as session:
            done = q.done_keys(session, self.inbox.name, attempts.MAX_ATTEMPTS) | self.retried | self._lane_keys()
        outcomes: list[Outcome | None] = list(self._scanned())
        window: deque[tuple[RawMail, Future]] = deque()
        begun: set[str] = set()  # keys whose attempt this cycle counted, not finished yet

        def read(raw: RawMail) -> Prepared | None:
            if not attempts.begin(self.rt.store, raw):  # refused past the bound, or another worker's
                return None
            begun.add(raw.key)
            opened = open_mail(raw, self.rt)
            if opened.unread is not None and self.rt.scans.looks_scanned(opened.unread.files, self.rt.sandbox):
                return opened  # the scan lane reads its files (route)
            return read_files(opened, self.rt)

        try:
            with ThreadPoolExecutor(self.workers, thread_name_prefix="prepare") as pool, \
                    self.rt.store.reservations() as reserved:
                for raw in self.inbox.pending(done):
                    if self.stopping.is_set():
                        break
                    if not reserved.take(self.inbox.name, raw.key):
                        continue  # another worker is reading it, or has finished it since the cycle began
                    window.append((raw, pool.submit(read, raw)))
                    while len(window) > 2 * self.workers or (len(window) > 1 and _bytes(window) > self.bytes_ahead):
                        outcomes.append(self._finish(window[0], reserved, begun))
                        window.popleft()
                while window and not self.stopping.is_set():
                    outcomes.append(self._finish(window[0], reserved, begun))
                    window.popleft()
                for _, future in window:
                    future.cancel()
        except (OSError, DatabaseError):
            attempts.refund(self.rt.store, [raw for raw, _ in window if raw.key in begun])
            raise
        attempts.refund(self.rt.store, [raw for raw, _ in window if raw.key in begun])  # stopped (SIGTERM)
        if wait_for_scans and self.lane is not None:
            self.lane.wait()
            outcomes += self._scanned()
        self.drain()
        return [o for o in outcomes if o is not None]

    def _finish(self, entry: tuple[RawMail, Future], reserved: Reservations, begun: set[str]) -> Outcome | None:
        """Record one prepared mail (in arrival order), file it, and send its reply; None when it went to
        the scan lane."""
        raw, future = entry
        prepared = future.result()
        if prepared is not None and self.rt.scans.enabled:
            if self.lane is None:
                self.lane = ScanLane(self.rt, self.inbox.name, self.stopping, self.drain)
            routed = self.lane.route(raw, prepared, let_go=lambda: reserved.release(self.inbox.name, raw.key))
            if routed is Handed.NO_ROOM:
                attempts.refund(self.rt.store, [raw])  # waiting for room in the lane is no attempt of the mail's
            if isinstance(routed, Handed):  # the lane has it, under a reservation of its own, or no room yet
                begun.discard(raw.key)
                return None
            prepared = routed
        outcome = process(raw, self.rt, prepared) if prepared is not None else Outcome("skipped")
        begun.discard(raw.key)
        reserved.release(self.inbox.name, raw.key)
        self._filed(raw, outcome)
        self.drain()
        return outcome

    def _filed(self, raw: RawMail, outcome: Outcome) -> None:
        if outcome.state == "failed":
            self.retried.add(raw.key)  # retried on the next start, not in a hot loop
        elif outcome.state != "skipped":
            attention = outcome.state == "held" or (outcome.state == "processed" and outcome.verdict != VerdictTag.ACCEPTED)
            self.inbox.file(raw.key, needs_attention=attention)

    def _lane_keys(self) -> set[str]:
        return self.lane.keys() if self.lane is not None else set()

    def _scanned(self) -> list[Outcome]:
        """The scan lane's mails processed since the last look, filed in the mailbox here (its connection is
        this loop's)."""
        done = self.lane.finished() if self.lane is not None else []
        for raw, outcome in done:
            self._filed(raw, outcome)
        return [outcome for _, outcome in done]

    def reload_rules(self) -> bool:
        """Load edited rules; a broken edit is refused (logged, mailed to staff) and the last good rules stay.

        Any error counts as a broken edit, not only a RulesError: whatever an edit does, mail goes on
        being answered under the rules in force.
        """
        if self.rules_dir is None:
            return False
        try:
            version = rules_version(self.rules_dir)
        except Exception as exc:  # noqa: BLE001 - a file under rules/ cannot be read at all
            return self._refuse("unreadable", exc)
        if version == self.rt.rules.version or version in self.refused_versions:
            return False
        try:
            rules = load_rules(self.rules_dir, self.rt.limits)
        except Exception as exc:  # noqa: BLE001 - see the docstring
            return self._refuse(version, exc)
        log.info("rules reloaded: version %s → %s", self.rt.rules.version, rules.version)
        self.rt.rules = rules
        return True

    def _refuse(self, version: str, exc: Exception) -> bool:
        if version not in self.refused_versions:
            self.refused_versions.add(version)
            problems = [str(p) for p in getattr(exc, "problems", ())] or [f"{type(exc).__name__}: {exc}"]
            log.error("rules edit refused, still using version %s: %s", self.rt.rules.version, "; ".join(problems))
            if queue_rules_alert(self.rt, version, problems):
                self.drain()
        return False

    def drain(self) -> None:
        """Send what the outbox holds; the loop and the scan lane share the transport, one at a time."""
        with self.sending:
            deliver_pending(self.rt.store, self.transport, self.rt.office.address, self.retry_base)

    def run_forever(self) -> None:
        """Cycle until SIGTERM/SIGINT, writing the heartbeat after each good cycle.

        Each cycle first reads the schema's revision (one small query). When it is no longer this code's
        (another host ran `db upgrade` to a newer one, a backup was restored, the database was swapped),
        the daemon stops before touching any mail and exits with status 2: its SQL would no longer match
        the tables, and the unit's RestartPreventExitStatus=2 keeps systemd from restarting it into the
        same refusal. Polling on without processing would look alive and hide the problem.
        """
        if threading.current_thread() is threading.main_thread():
            for sig in (signal.SIGTERM, signal.SIGINT):
                signal.signal(sig, lambda *_: self.stopping.set())
        log.info("mailbot running: inbox %s, polling every %s s", self.inbox.name, self.poll_interval)
        backoff = 0.0
        moved = None
        while not self.stopping.is_set():
            try:
                if (moved := changed_under_us(self.rt.store.engine)) is not None:
                    break
                self.reload_rules()
                self.run_once(wait_for_scans=False)
                backoff = 0.0
                if (since := self.alarm.worked()) is not None:
                    self._tell_staff(lambda to, now: all_clear_letter(self.rt.office, to, since, now))
                if self.scheduler is not None:
                    self.scheduler.run_pending()
                self._beat()
                self.inbox.wait(self.poll_interval, self.stopping)
            except Exception as exc:  # noqa: BLE001 - a dropped server or one bad poll must not stop the daemon
                self.inbox.drop()
                backoff = min(MAX_BACKOFF_SECONDS, backoff * 2 or 1.0)
                log.warning("cycle failed, mailbox or database unavailable (%s: %s); retrying in %.0f s",
                            type(exc).__name__, exc, backoff)
                if self.alarm.failed(exc, self.rt.clock()):
                    alarm = self.alarm
                    alarm.alerted = self._tell_staff(lambda to, now: alert_letter(self.rt.office, to, alarm, now))
                self.stopping.wait(backoff)
        self.close()
        if moved is not None:
            log.error("database schema changed under the running mailbot; stopped before touching more mail: %s",
                      moved)
            raise SystemExit(2)
        log.info("mailbot stopped")

    def _beat(self) -> None:
        if self.heartbeat is None:
            return
        try:
            beat(self.heartbeat, datetime.now(timezone.utc))  # the wall clock `mailbot health` compares with
        except OSError as exc:  # mail is still answered; `mailbot health` will say the daemon looks stalled
            log.warning("could not write the heartbeat %s: %s", self.heartbeat, exc)

    def _tell_staff(self, letter: Callable[[str, datetime], EmailMessage]) -> bool:
        """Hand a letter for each staff member straight to the transport (the database may be what is down)."""
        staff = self.rt.rules.roster.staff
        if not staff:
            log.error("no staff addresses in units.toml: nobody can be told about the outage")
            return False
        now = self.rt.clock()
        try:
            for number, address in enumerate(staff):
                raw = wire(letter(address, now))
                with self.sending:
                    self.transport.deliver(f"alert-{now:%Y%m%dT%H%M%S}-{number}", self.rt.office.address, address, raw)
        except Exception as exc:  # noqa: BLE001 - telling the staff must never stop the daemon
            log.error("could not tell the staff about the outage: %s: %s", type(exc).__name__, exc)
            return False
        return True

    def close(self) -> None:
        if self.lane is not None:
            self.lane.close()  # the mail being read finishes; the others stay 'new' for the next start
            self._scanned()
        self.inbox.close()
        self.transport.close()
        self.rt.close()


def _bytes(window: deque[tuple[RawMail, Future]]) -> int:
    return sum(len(raw.data) for raw, _ in window)


def build_inbox(settings: Settings) -> Inbox:
    if isinstance(settings.inbox, ImapSettings):
        from mailbot.imap import ImapInbox

        return ImapInbox(settings.inbox, settings.inbox.read("inbox"))
    return MaildirInbox(settings.inbox_path, settings.inbox.max_message_bytes)


def build_transport(settings: Settings) -> Transport:
    if isinstance(settings.outbox, SmtpSettings):
        from mailbot.smtp import SmtpTransport

        return SmtpTransport(settings.outbox, settings.outbox.read("outbox"))
    return MaildirOutbox(settings.outbox_path)


def retry_base(settings: Settings) -> float:
    return settings.outbox.retry_base_seconds if isinstance(settings.outbox, SmtpSettings) else 60.0


@dataclass
class Outgoing:
    """The runtime and the outbox, without the inbox: what a staff command needs to queue mail and
    send it (an override, a digest, reminders, corrected receipts). It never opens the mailbox, so it
    needs no IMAP password."""

    rt: Runtime
    transport: Transport
    retry_base: float = 60.0

    def drain(self) -> None:
        deliver_pending(self.rt.store, self.transport, self.rt.office.address, self.retry_base)

    def close(self) -> None:
        self.transport.close()
        self.rt.close()


def build_outgoing(settings: Settings, rules: Rules) -> Outgoing:
    return Outgoing(build_runtime(settings, rules), build_transport(settings), retry_base(settings))


def build_daemon(settings: Settings, rules: Rules, rules_dir: Path | None = None) -> Daemon:
    """The daemon over ``rules`` (loaded from ``rules_dir``, watched for edits; default: settings.rules_dir)."""
    retry = retry_base(settings)
    daemon = Daemon(
        rt=build_runtime(settings, rules),
        inbox=build_inbox(settings),
        transport=build_transport(settings),
        poll_interval=settings.poll_interval_seconds,
        retry_base=retry,
        alarm=OutageAlarm(timedelta(minutes=settings.alert_after_minutes)),
    )
    rt = daemon.rt
    daemon.rules_dir = rules_dir or settings.rules_dir
    daemon.heartbeat = heartbeat_path(settings.var_dir)

    def digest() -> None:  # one digest per campaign and day, however many workers run
        now = rt.clock()
        day = rt.office.day(now)
        if sum(queue_digest(rt, settings, c, now, once=f"digest/{c.id}/{day}") for c in rt.rules.campaigns.values()):
            daemon.drain()

    def reminders() -> None:
        if sum(send_reminders(rt, settings, c, rt.clock()) for c in rt.rules.campaigns.values()):
            daemon.drain()

    daemon.scheduler = build_scheduler(settings.digest.time if settings.digest.enabled else None,
                                       settings.timezone, digest, reminders)
    return daemon
