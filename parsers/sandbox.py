"""Run parsers on untrusted bytes in child processes limited in memory and CPU time.

A hostile file may still find a way to make a library allocate or loop without
end; in a child process that ends as a typed ParseError (OUT_OF_MEMORY,
TIMEOUT) instead of killing or hanging the daemon.

Limits are on work, not on the clock (DESIGN.md): each task may use
``Limits.parse_timeout_seconds`` of CPU time, enforced by the kernel (RLIMIT_CPU:
the worker dies of SIGXCPU even inside C or Rust code), and
``Limits.parse_memory_mb`` of address space. A busy server slows a parse down
but cannot make it fail: elapsed time is only watched by a generous backstop,
``Limits.parse_backstop_seconds``, for a worker that stops making progress
without using CPU (descheduled, blocked). Its expiry is the server's trouble,
not the file's, so it raises :class:`ParserStalled`, which is not a ParseError:
the mail is recorded ``failed`` and retried, and the unit is told nothing.

Library warnings (``warnings`` and WARNING log records: openpyxl, pdfminer, the
fallback reader) are captured in the worker and returned with the result, so the
daemon can log them with the mail they came from (:meth:`Sandbox.call`).

:class:`Sandbox` keeps a few warm worker processes (modules imported, pdfminer's
CMaps and openpyxl's caches loaded). A worker that ran out of CPU or memory, or
stalled, is replaced; every worker is recycled after ``MAX_TASKS`` files. Workers
come from a forkserver, not a plain fork, so threads in the daemon can use the
pool safely (forking a threaded process can copy a held lock into the child).

Measured (Python 3.11, the ``mailbot`` app imported as under its console script):
a call on a warm worker costs 0.1 ms plus ~1-2 ms per MB of arguments and
result (a 25 MB file: ~45 ms); a fresh worker (after a kill, or
``mailbot check``'s own one-file-set sandbox) ~10 ms; the forkserver's own start, once per daemon, ~0.7 s.
"""

from __future__ import annotations

import ast
import logging
import math
import multiprocessing
import os
import queue
import re
import resource
import signal
import sys
import threading
import traceback
import warnings
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from parsers.types import Limits, ParseError, ParseErrorKind

MAX_TASKS = 200
BACKGROUND_NICE = 10  # a scan read in the background yields the CPU to mail being answered
MAX_NOTES = 20  # distinct warnings kept per task (pdfminer can repeat one a thousand times)
MAX_NOTE_LENGTH = 300
_CONTEXT = multiprocessing.get_context("forkserver")
PRELOAD = ("parsers.ledger", "parsers.ledger_xlsx", "parsers.ledger_xls", "parsers.ledger_csv", "parsers.ledger_calamine",
           "parsers.report",
           "parsers.guard", "parsers.sandbox")
# a child killed by one of these ran out of memory: the kernel's OOM killer (SIGKILL), a library
# that does not check malloc (SIGSEGV), Rust and C++ code whose allocation failed (SIGABRT)
_OUT_OF_MEMORY_SIGNALS = (signal.SIGKILL, signal.SIGSEGV, signal.SIGABRT)
# controls (log-line injection) and bidi/format characters in text that may come from a file
_UNSAFE = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")


class ParserStalled(Exception):
    """No result within the wall-clock backstop although the CPU limit was not reached (or no worker
    to give the file to).

    Not a ParseError on purpose: the file is not to blame (the server was too busy, or
    a worker blocked), so no finding is made; the caller's mail fails and is retried.
    """


@dataclass(frozen=True)
class Outcome:
    """What one task gave: its value or its ParseError, and the warnings libraries emitted meanwhile."""

    value: object = None
    error: ParseError | None = None
    warnings: tuple[str, ...] = ()


def main_script_imports() -> list[str]:
    """The modules the main script imports at its top level.

    Every new worker re-runs the main script (multiprocessing.spawn.prepare), and
    Python 3.11's forkserver cannot preload it: ``set_forkserver_preload(["__main__"])``
    looks for a 'main_path' key that the preparation data calls 'init_main_from_path'.
    Preloading what the script imports makes that re-run cheap: a new worker under
    the ``mailbot`` console script took ~530 ms (it re-imported the whole app), ~10 ms now.
    """
    path = getattr(sys.modules.get("__main__"), "__file__", None)
    try:
        tree = ast.parse(Path(path).read_bytes()) if path else ast.Module(body=[], type_ignores=[])
    except (OSError, SyntaxError, ValueError):
        return []
    names = []
    for node in tree.body:
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.append(node.module)
    return names


def _call(fn, args, kwargs) -> tuple[str, object]:
    try:
        return "ok", fn(*args, **kwargs)
    except ParseError as exc:
        return "error", exc
    except MemoryError:
        return "fatal", ParseError(ParseErrorKind.OUT_OF_MEMORY, "MemoryError")
    except RecursionError as exc:
        return "error", ParseError(ParseErrorKind.UNREADABLE, f"RecursionError: {exc}")
    except Exception as exc:  # noqa: BLE001 - any library failure on bad input is a typed error
        detail = "".join(traceback.format_exception_only(type(exc), exc)).strip()
        return "error", ParseError(ParseErrorKind.UNREADABLE, detail[:500])


class _Notes(logging.Handler):
    """Collects WARNING log records and ``warnings`` of one task, counted, as safe one-line texts."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.seen: Counter[str] = Counter()

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.add(f"{record.name}: {record.getMessage()}")
        except Exception:  # noqa: BLE001 - a malformed log call must not fail the parse
            pass

    def add(self, text: str) -> None:
        text = _UNSAFE.sub("?", text)[:MAX_NOTE_LENGTH]
        if text in self.seen or len(self.seen) < MAX_NOTES:
            self.seen[text] += 1

    def texts(self) -> tuple[str, ...]:
        return tuple(text if n == 1 else f"{text} (×{n})" for text, n in self.seen.items())


def _call_noting(fn, args, kwargs) -> tuple[str, object, tuple[str, ...]]:
    notes = _Notes()
    root = logging.getLogger()
    root.addHandler(notes)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("always")
            # counted as they come, not recorded: a file can make a library warn once per cell
            warnings.showwarning = lambda message, category, filename, *_: notes.add(
                f"{category.__name__}: {message} ({Path(filename).stem})")
            status, value = _call(fn, args, kwargs)
    finally:
        root.removeHandler(notes)
    return status, value, notes.texts()


def _limit_cpu(seconds: float) -> None:
    """Let this process use ``seconds`` more CPU time; then the kernel ends it with SIGXCPU."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    soft = math.ceil(usage.ru_utime + usage.ru_stime + seconds)
    _, hard = resource.getrlimit(resource.RLIMIT_CPU)  # left as it is: an unprivileged worker cannot raise it again
    resource.setrlimit(resource.RLIMIT_CPU, (soft if hard == resource.RLIM_INFINITY else min(soft, hard), hard))


def _worker(conn, memory_mb: int, cpu_seconds: float, nice: int = 0) -> None:
    """Serve tasks until told to stop, after MAX_TASKS, or after running out of memory."""
    if nice:
        os.nice(nice)
    limit = memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))  # SIGXCPU's default action dumps core: not here
    signal.signal(signal.SIGXCPU, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is for the daemon, which stops us itself
    for _ in range(MAX_TASKS):
        try:
            task = conn.recv()
        except (EOFError, OSError):
            return
        if task is None:
            return
        _limit_cpu(cpu_seconds)
        status, value, notes = _call_noting(*task)
        try:
            conn.send((status, value, notes))  # pickled whole before writing: a failure leaves the pipe clean
        except MemoryError:
            status = "fatal"
            conn.send((status, ParseError(ParseErrorKind.OUT_OF_MEMORY, "result too large"), notes))
        except Exception as exc:  # noqa: BLE001 - e.g. a result that cannot be pickled
            conn.send(("error", ParseError(ParseErrorKind.UNREADABLE, f"result not returnable: {exc!r}"[:500]), notes))
        if status == "fatal":
            return


class _Worker:
    def __init__(self, limits: Limits, nice: int = 0) -> None:
        _CONTEXT.set_forkserver_preload([*PRELOAD, *main_script_imports()])  # no effect once the server runs
        self.conn, child = _CONTEXT.Pipe()
        self.process = _CONTEXT.Process(target=_worker, args=(child, limits.parse_memory_mb,
                                                              limits.parse_timeout_seconds, nice), daemon=True)
        self.process.start()
        child.close()
        self.tasks = 0

    def kill(self) -> None:
        if self.process.is_alive():
            self.process.kill()
        self.process.join(5)
        self.conn.close()

    def stop(self) -> None:
        try:
            self.conn.send(None)
        except (OSError, ValueError):
            pass
        self.process.join(2)
        self.kill()


class Sandbox:
    """A pool of ``workers`` warm parser processes bound by ``limits``. Thread-safe.

    ``background``: the workers run at a lower CPU priority (nice 10), for work that takes seconds and
    may wait (OCR, the scan lane) while the daemon's loop answers other mail on the same cores."""

    def __init__(self, limits: Limits, workers: int = 1, background: bool = False) -> None:
        self.limits = limits
        self.nice = BACKGROUND_NICE if background else 0
        self.size = max(1, workers)
        self._free: queue.Queue[_Worker | None] = queue.Queue()
        for _ in range(self.size):
            self._free.put(None)  # a slot; its worker starts on first use
        self._lock = threading.Lock()
        self._started: list[_Worker] = []

    def run(self, fn, *args, **kwargs):
        """``fn(*args, **kwargs)`` in a worker: its result, or ParseError for any failure (warnings dropped)."""
        outcome = self.call(fn, *args, **kwargs)
        if outcome.error is not None:
            raise outcome.error
        return outcome.value

    def call(self, fn, *args, **kwargs) -> Outcome:
        """``fn(*args, **kwargs)`` in a worker: its value or ParseError, with the warnings emitted.

        Raises :class:`ParserStalled` when the backstop expires first.
        """
        worker = self._free.get()
        try:
            if worker is None or worker.tasks >= MAX_TASKS or not worker.process.is_alive():
                if worker is not None:
                    worker.kill()
                worker = _Worker(self.limits, self.nice)
                with self._lock:
                    self._started = [w for w in self._started if w.process.is_alive()] + [worker]
            worker.tasks += 1
            try:
                status, value, notes = self._ask(worker, (fn, args, kwargs))
            except ParseError as error:  # the worker died or ran out of CPU time: it is replaced
                worker.kill()
                self._free.put(None)
                return Outcome(error=error)
        except BaseException:
            if worker is not None:
                worker.kill()
            self._free.put(None)
            raise
        self._free.put(worker if status != "fatal" else _retire(worker))
        if status == "ok":
            return Outcome(value=value, warnings=notes)
        return Outcome(error=value, warnings=notes)

    def pids(self) -> list[int]:
        """Process ids of the live workers (for monitoring, and for tests that stop one as a busy server would)."""
        with self._lock:
            return [w.process.pid for w in self._started if w.process.is_alive()]

    def _ask(self, worker: _Worker, task) -> tuple[str, object, tuple[str, ...]]:
        try:
            worker.conn.send(task)
        except (OSError, ValueError) as exc:  # the worker is gone before it saw the file: not the file's doing
            raise ParserStalled(f"parser process unavailable: {exc}") from exc
        backstop = self.limits.parse_backstop_seconds
        if not worker.conn.poll(backstop):
            raise ParserStalled(f"no result within the {backstop:g} s backstop, CPU limit "
                                f"({self.limits.parse_timeout_seconds:g} s) not reached: the server is overloaded "
                                "or the parser blocked; retried later")
        try:
            return worker.conn.recv()
        except (EOFError, OSError):
            worker.process.join(5)
            code = worker.process.exitcode
            if code == -signal.SIGXCPU:
                raise ParseError(ParseErrorKind.TIMEOUT,
                                 f"used its {self.limits.parse_timeout_seconds:g} s of CPU time") from None
            if code is not None and code < 0 and -code in _OUT_OF_MEMORY_SIGNALS:
                raise ParseError(ParseErrorKind.OUT_OF_MEMORY, f"parser killed by signal {-code}") from None
            raise ParseError(ParseErrorKind.UNREADABLE, f"parser exited with code {code}") from None

    def close(self) -> None:
        for _ in range(self.size):
            worker = self._free.get()
            if worker is not None:
                worker.stop()
            self._free.put(None)

    def __enter__(self) -> "Sandbox":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _retire(worker: _Worker) -> None:
    """A worker that ran out of memory exits by itself; make sure, and free its slot."""
    worker.kill()
    return None
