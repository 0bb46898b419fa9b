"""Run a parser on untrusted bytes in a child process with a memory cap and a deadline.

A hostile file may still find a way to make a library allocate or loop without
end; in a child process that ends as a typed ParseError (OUT_OF_MEMORY,
TIMEOUT) instead of killing or hanging the daemon.

Children come from a forkserver, not a plain fork: the daemon parses several
mails at once from threads, and forking a threaded process can copy a held
lock into the child. The forkserver is single-threaded and has the readers
imported already, so a child costs a few milliseconds.
"""

from __future__ import annotations

import multiprocessing
import pickle
import resource
import signal
import traceback

from parsers.types import Limits, ParseError, ParseErrorKind

_CONTEXT = multiprocessing.get_context("forkserver")
_CONTEXT.set_forkserver_preload(["parsers.ledger", "parsers.ledger_xlsx", "parsers.ledger_xls", "parsers.ledger_csv",
                                 "parsers.report", "parsers.guard"])


def _child(conn, fn, args, kwargs, memory_mb: int) -> None:
    limit = memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    try:
        result = ("ok", fn(*args, **kwargs))
    except ParseError as exc:
        result = ("error", exc)
    except MemoryError:
        result = ("error", ParseError(ParseErrorKind.OUT_OF_MEMORY, "MemoryError"))
    except RecursionError as exc:
        result = ("error", ParseError(ParseErrorKind.UNREADABLE, f"RecursionError: {exc}"))
    except Exception as exc:  # noqa: BLE001 - any library failure on bad input is a typed error
        detail = "".join(traceback.format_exception_only(type(exc), exc)).strip()
        result = ("error", ParseError(ParseErrorKind.UNREADABLE, detail[:500]))
    try:
        conn.send_bytes(pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL))
    except MemoryError:
        conn.send_bytes(pickle.dumps(("error", ParseError(ParseErrorKind.OUT_OF_MEMORY, "result too large"))))
    finally:
        conn.close()


def run_limited(fn, *args, limits: Limits, **kwargs):
    """``fn(*args, **kwargs)`` in a child; its result, or ParseError for any failure."""
    receiver, sender = _CONTEXT.Pipe(duplex=False)
    process = _CONTEXT.Process(target=_child, args=(sender, fn, args, kwargs, limits.parse_memory_mb), daemon=True)
    process.start()
    sender.close()
    try:
        if not receiver.poll(limits.parse_timeout_seconds):
            process.kill()
            raise ParseError(ParseErrorKind.TIMEOUT, f"no result within {limits.parse_timeout_seconds} s")
        try:
            status, value = pickle.loads(receiver.recv_bytes())
        except EOFError:
            process.join(5)
            code = process.exitcode
            if code is not None and code < 0 and -code in (signal.SIGKILL, signal.SIGSEGV):
                raise ParseError(ParseErrorKind.OUT_OF_MEMORY, f"parser killed by signal {-code}") from None
            raise ParseError(ParseErrorKind.UNREADABLE, f"parser exited with code {code}") from None
    finally:
        receiver.close()
        process.join(5)
        if process.is_alive():
            process.kill()
            process.join()
    if status == "ok":
        return value
    raise value
