"""Run parsers on untrusted bytes in child processes with a memory cap and a deadline.

A hostile file may still find a way to make a library allocate or loop without
end; in a child process that ends as a typed ParseError (OUT_OF_MEMORY,
TIMEOUT) instead of killing or hanging the daemon.

:class:`Sandbox` keeps a few warm worker processes (modules imported, pdfminer's
CMaps and openpyxl's caches loaded). A worker that times out is killed and
replaced; one that ran out of memory exits and is replaced; every worker is
recycled after ``MAX_TASKS`` files. Workers come from a forkserver, not a
plain fork, so threads in the daemon can use the pool safely (forking a
threaded process can copy a held lock into the child).

Measured (Python 3.11, the ``mailbot`` app imported as under its console script):
a call on a warm worker costs 0.1 ms plus ~1-2 ms per MB of arguments and
result (a 25 MB file: ~45 ms); a fresh worker (after a kill, or
``mailbot check``'s own one-file-set sandbox) ~10 ms; the forkserver's own start, once per daemon, ~0.7 s.
"""

from __future__ import annotations

import ast
import multiprocessing
import queue
import resource
import signal
import sys
import threading
import traceback
from pathlib import Path

from parsers.types import Limits, ParseError, ParseErrorKind

MAX_TASKS = 200
_CONTEXT = multiprocessing.get_context("forkserver")
PRELOAD = ("parsers.ledger", "parsers.ledger_xlsx", "parsers.ledger_xls", "parsers.ledger_csv", "parsers.report",
           "parsers.guard", "parsers.sandbox")


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


def _worker(conn, memory_mb: int) -> None:
    """Serve tasks until told to stop, after MAX_TASKS, or after running out of memory."""
    limit = memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is for the daemon, which stops us itself
    for _ in range(MAX_TASKS):
        try:
            task = conn.recv()
        except (EOFError, OSError):
            return
        if task is None:
            return
        status, value = _call(*task)
        try:
            conn.send((status, value))  # pickled whole before writing: a failure leaves the pipe clean
        except MemoryError:
            status = "fatal"
            conn.send((status, ParseError(ParseErrorKind.OUT_OF_MEMORY, "result too large")))
        except Exception as exc:  # noqa: BLE001 - e.g. a result that cannot be pickled
            conn.send(("error", ParseError(ParseErrorKind.UNREADABLE, f"result not returnable: {exc!r}"[:500])))
        if status == "fatal":
            return


class _Worker:
    def __init__(self, memory_mb: int) -> None:
        _CONTEXT.set_forkserver_preload([*PRELOAD, *main_script_imports()])  # no effect once the server runs
        self.conn, child = _CONTEXT.Pipe()
        self.process = _CONTEXT.Process(target=_worker, args=(child, memory_mb), daemon=True)
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
    """A pool of ``workers`` warm parser processes bound by ``limits``. Thread-safe."""

    def __init__(self, limits: Limits, workers: int = 1) -> None:
        self.limits = limits
        self.size = max(1, workers)
        self._free: queue.Queue[_Worker | None] = queue.Queue()
        for _ in range(self.size):
            self._free.put(None)  # a slot; its worker starts on first use
        self._lock = threading.Lock()

    def run(self, fn, *args, **kwargs):
        """``fn(*args, **kwargs)`` in a worker: its result, or ParseError for any failure."""
        worker = self._free.get()
        try:
            if worker is None or worker.tasks >= MAX_TASKS or not worker.process.is_alive():
                if worker is not None:
                    worker.kill()
                worker = _Worker(self.limits.parse_memory_mb)
            worker.tasks += 1
            status, value = self._ask(worker, (fn, args, kwargs))
        except BaseException:
            if worker is not None:
                worker.kill()
            self._free.put(None)
            raise
        self._free.put(worker if status != "fatal" else _retire(worker))
        if status == "ok":
            return value
        raise value

    def _ask(self, worker: _Worker, task) -> tuple[str, object]:
        try:
            worker.conn.send(task)
        except (OSError, ValueError) as exc:
            raise ParseError(ParseErrorKind.UNREADABLE, f"parser process unavailable: {exc}") from exc
        if not worker.conn.poll(self.limits.parse_timeout_seconds):
            raise ParseError(ParseErrorKind.TIMEOUT, f"no result within {self.limits.parse_timeout_seconds} s")
        try:
            return worker.conn.recv()
        except (EOFError, OSError):
            worker.process.join(5)
            code = worker.process.exitcode
            if code is not None and code < 0 and -code in (signal.SIGKILL, signal.SIGSEGV):
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
