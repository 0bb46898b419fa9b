"""The daemon's second lane: mails whose reports are scans to be read by OCR.

OCR takes seconds a page; a text PDF or a spreadsheet takes milliseconds. So that a backlog of
scans never delays the other mail, the daemon hands a mail whose report still has scanned pages
to read (and no reading on record, see :mod:`mailbot.scans`) to this lane and goes on with the
next mail. It does so as soon as a PDF's first page looks scanned (a look without rendering), before
the mail's files are read: rendering scanned pages to find ink and seals is itself a fraction of a
second a page, too much for the loop when a hundred scans come at once. The lane's thread reads the
files in a parse worker of its own and the scans in the OCR sandbox (its own process, one CPU thread),
both at a lower CPU priority, and then judges, records and answers the mail through the same
:func:`mailbot.pipeline.process` as any other, one mail at a time, in arrival order.

Nothing is lost: a mail in the lane is still 'new' in the database until its verdict is
recorded; a daemon stopped or killed meanwhile processes it again at the next start (its
reading, once recorded, is not done again). While the lane has a mail, this worker holds its
reservation (:class:`mailbot.store.Reservations`), so another worker does not read the same
scan. The daemon's loop files lane mails in the mailbox (the IMAP connection is the loop's)
from :meth:`ScanLane.finished`.
"""

from __future__ import annotations

import dataclasses
import logging
import queue
import threading
from collections.abc import Callable
from enum import Enum

from mailbot.mail_types import RawMail
from mailbot.pipeline import Outcome, Prepared, process, read_files
from mailbot.runtime import Runtime
from parsers.sandbox import Sandbox

log = logging.getLogger("mailbot")
MAX_WAITING = 100  # mails waiting for OCR; more stay in the mailbox for a later cycle


class Handed(Enum):
    TAKEN = "taken"  # the lane will process the mail
    NO_ROOM = "no room"  # the mail stays in the mailbox for a later cycle


class ScanLane:
    def __init__(self, rt: Runtime, mailbox: str, stopping: threading.Event, deliver: Callable[[], None]) -> None:
        self.rt, self.mailbox, self.stopping, self.deliver = rt, mailbox, stopping, deliver
        self._waiting: queue.Queue[tuple[RawMail, Prepared] | None] = queue.Queue()
        self._keys: set[str] = set()
        self._done: list[tuple[RawMail, Outcome]] = []
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)
        self._thread: threading.Thread | None = None
        self._sandbox: Sandbox | None = None  # the lane's own parse worker, started with its thread

    def route(self, raw: RawMail, prepared: Prepared, let_go: Callable[[], None]) -> Prepared | Handed:
        """``prepared`` with any readings on record put in, to be processed now; or TAKEN: the lane took the
        mail (its scans must be read first; ``let_go`` is called first, to free the caller's reservation for
        the lane's own); or NO_ROOM: left for a later cycle (``let_go`` called too).
        A mail whose files are not read yet (``prepared.unread``: its first page looked scanned) is the
        lane's to read, from the archive."""
        if prepared.unread is None:
            if prepared.current is None or prepared.error is not None:
                return prepared
            prepared = dataclasses.replace(prepared, current=self.rt.scans.cached(prepared.current))
            if not self.rt.scans.pending(prepared.current):
                return prepared
        let_go()
        with self._lock:
            if len(self._keys) >= MAX_WAITING:
                return Handed.NO_ROOM
            self._keys.add(raw.key)
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="ocr-lane", daemon=True)
            self._thread.start()
        # archived; process() needs only the rest
        self._waiting.put((dataclasses.replace(raw, data=b""), prepared.waiting()))
        return Handed.TAKEN

    def keys(self) -> set[str]:
        """Mails in the lane: the daemon's loop does not pick them up again."""
        with self._lock:
            return set(self._keys)

    def finished(self) -> list[tuple[RawMail, Outcome]]:
        """Mails the lane has processed since the last call, for the loop to file and count."""
        with self._lock:
            done, self._done = self._done, []
        return done

    def wait(self) -> None:
        """Until every mail handed over is processed (or the daemon stops)."""
        with self._idle:
            while self._keys and not (self.stopping.is_set() and self._thread is None):
                self._idle.wait(0.5)
                if self.stopping.is_set():
                    break

    def close(self) -> None:
        """Let the mail being read finish; the rest stay 'new' for the next start."""
        if self._thread is not None:
            self._waiting.put(None)
            self._thread.join()
            self._thread = None
        if self._sandbox is not None:
            self._sandbox.close()
            self._sandbox = None

    def _run(self) -> None:
        with self.rt.store.reservations() as reserved:
            while True:
                item = self._waiting.get()
                if item is None:
                    return
                raw, prepared = item
                outcome = None
                try:
                    if not self.stopping.is_set() and reserved.take(self.mailbox, raw.key):
                        outcome = self._one(raw, prepared)
                        reserved.release(self.mailbox, raw.key)
                except Exception as exc:  # noqa: BLE001 - the database went away: the mail stays 'new', retried later
                    log.warning("scan lane: mail %s left for the next cycle (%s: %s)", raw.key, type(exc).__name__, exc)
                with self._idle:
                    self._keys.discard(raw.key)
                    if outcome is not None:
                        self._done.append((raw, outcome))
                    self._idle.notify_all()
                if outcome is not None:
                    self.deliver()

    def _one(self, raw: RawMail, prepared: Prepared) -> Outcome:
        """Read, OCR, judge, record and answer one mail, parsing in the lane's own worker: reading a scan
        (rendering its pages for ink and seals) never takes the parse workers the loop answers other mail with."""
        if self._sandbox is None:
            self._sandbox = Sandbox(self.rt.limits, workers=1, background=True)
        rt = dataclasses.replace(self.rt, sandbox=self._sandbox)  # per mail: the rules as reloaded by now
        prepared = read_files(prepared, rt)
        if prepared.current is None or prepared.error is not None:
            return process(raw, rt, prepared)
        try:
            current = rt.scans.read(prepared.current, rt.archive.get)
        except Exception as exc:  # noqa: BLE001 - OCR is an extra: the mail is judged without it, never lost
            log.warning("scan lane: OCR of mail %s failed (%s: %s); judged without it", raw.key, type(exc).__name__, exc)
            current = prepared.current
        return process(raw, rt, dataclasses.replace(prepared, current=current))
