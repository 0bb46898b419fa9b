"""A parser that spins, eats memory or crashes ends as a typed error; good results come back intact.

Limits are on work, not on the clock: a parse that waits (a busy server) is never a
TIMEOUT, and one that stalls past the wall-clock backstop is no ParseError at all.
"""

import os
import threading
import time

import pytest

from tests.builders import pdfs
from tests.parsers.limited import run_limited
from parsers.report import read_report
from parsers.sandbox import ParserStalled
from parsers.types import Limits, ParseError, ParseErrorKind

# The backstop of tests that must end by the CPU limit: no slow machine takes this long for 1 s of CPU.
NO_BACKSTOP = 110.0


def sleep_forever():
    while True:
        time.sleep(1)


def spin_forever():
    while True:
        pass


def nap_then_answer(seconds: float) -> str:
    """A parse that takes longer than its CPU budget in elapsed time while using almost no CPU:
    what a cheap parse looks like when the server is busy and the worker is rarely scheduled."""
    time.sleep(seconds)
    return "read"


def read_report_after_a_stall(data: bytes, limits: Limits, stall: float):
    time.sleep(stall)
    return read_report(data, limits)


def warn_a_lot():
    import logging
    import warnings

    logging.getLogger("pdfminer.pdfpage").warning("CropBox missing\nFORGED LOG LINE \u202eexe.pdf")
    for cell in range(1000):
        warnings.warn("Unknown extension is not supported and will be removed")
    for cell in range(100):
        warnings.warn(f"cell A{cell}: odd value")
    return "read"


def allocate_at_once():
    """Far over the limit in one request: refused at once, with no CPU time spent that could run out first."""
    return len(bytearray(64 * 1024 ** 3))


def eat_memory():
    blocks = []
    while True:
        blocks.append(bytearray(100 * 1024 * 1024))


def allocate_2_gb():
    return len(bytearray(2 * 1024 ** 3))


def exit_without_result():
    os._exit(3)


def unpicklable_result():
    return threading.Lock()


def refuse():
    raise ParseError(ParseErrorKind.ENCRYPTED, "password")


def crash():
    raise KeyError("xl/workbook.xml")


def big_result():
    return b"x" * (20 * 1024 * 1024)


def test_a_parser_that_spins_ends_as_timeout_when_its_cpu_time_is_used_up():
    """Stopped, not waited for: the suite's own timeout would catch a worker that is never killed."""
    with pytest.raises(ParseError) as info:
        run_limited(spin_forever, limits=Limits(parse_timeout_seconds=1, parse_backstop_seconds=NO_BACKSTOP))
    assert info.value.kind is ParseErrorKind.TIMEOUT and "CPU" in info.value.detail


def test_a_parse_that_takes_long_without_using_cpu_is_not_a_timeout():
    assert run_limited(nap_then_answer, 3, limits=Limits(parse_timeout_seconds=1, parse_backstop_seconds=NO_BACKSTOP)
                       ) == "read"


def test_a_16_page_report_read_on_a_busy_server_is_read_not_timed_out():
    """The worker gets no CPU for longer than the budget (here: it sleeps), then reads a real 16-page
    report well within its CPU time. A wall-clock limit answered 读取超时; the file is fine."""
    data = pdfs.text_report(pages=16)
    limits = Limits(parse_timeout_seconds=3, parse_backstop_seconds=NO_BACKSTOP)  # the read takes ~0.05 s of CPU
    report = run_limited(read_report_after_a_stall, data, limits, 4, limits=limits)
    assert report.pages == 16 and report.has_text_layer


def test_a_stall_past_the_backstop_is_the_servers_trouble_not_a_parse_error():
    """No CPU used, no result: the mail is retried later (pipeline: failed), the unit is told nothing."""
    with pytest.raises(ParserStalled) as info:
        run_limited(sleep_forever, limits=Limits(parse_timeout_seconds=1, parse_backstop_seconds=1))
    assert not isinstance(info.value, ParseError) and "backstop" in str(info.value)


def test_memory_hog_becomes_out_of_memory():
    with pytest.raises(ParseError) as info:
        run_limited(eat_memory, limits=Limits(parse_memory_mb=256))
    assert info.value.kind is ParseErrorKind.OUT_OF_MEMORY


def test_one_large_allocation_becomes_out_of_memory():
    with pytest.raises(ParseError) as info:
        run_limited(allocate_2_gb, limits=Limits(parse_memory_mb=256))
    assert info.value.kind is ParseErrorKind.OUT_OF_MEMORY


def test_a_child_that_dies_without_a_result_is_unreadable_with_its_exit_code():
    with pytest.raises(ParseError) as info:
        run_limited(exit_without_result, limits=Limits())
    assert info.value.kind is ParseErrorKind.UNREADABLE and "code 3" in info.value.detail


def test_parse_errors_pass_through_unchanged():
    with pytest.raises(ParseError) as info:
        run_limited(refuse, limits=Limits())
    assert info.value.kind is ParseErrorKind.ENCRYPTED and info.value.detail == "password"


def test_other_exceptions_become_unreadable():
    with pytest.raises(ParseError) as info:
        run_limited(crash, limits=Limits())
    assert info.value.kind is ParseErrorKind.UNREADABLE and "KeyError" in info.value.detail


def test_large_results_come_back_whole():
    assert run_limited(big_result, limits=Limits()) == b"x" * (20 * 1024 * 1024)


def test_pool_survives_a_hang_and_an_out_of_memory_and_keeps_serving():
    """Each limit is provoked unambiguously: the spin can only end by its CPU time (the backstop is
    far away), the allocation only by memory (it fails before using any CPU time)."""
    from parsers.sandbox import Sandbox

    limits = Limits(parse_timeout_seconds=1, parse_memory_mb=256, parse_backstop_seconds=NO_BACKSTOP)
    with Sandbox(limits, workers=1) as pool:
        with pytest.raises(ParseError) as hang:
            pool.run(spin_forever)
        with pytest.raises(ParseError) as oom:
            pool.run(allocate_at_once)
        assert (hang.value.kind, oom.value.kind) == (ParseErrorKind.TIMEOUT, ParseErrorKind.OUT_OF_MEMORY)
        assert pool.run(len, b"abc") == 3


def test_pool_survives_a_stall_and_keeps_serving():
    from parsers.sandbox import Sandbox

    with Sandbox(Limits(parse_timeout_seconds=1, parse_backstop_seconds=1), workers=1) as pool:
        with pytest.raises(ParserStalled):
            pool.run(sleep_forever)
        assert pool.run(len, b"abc") == 3


def test_a_result_that_cannot_be_sent_back_is_unreadable_and_the_worker_stays():
    from parsers.sandbox import Sandbox

    with Sandbox(Limits(), workers=1) as pool:
        with pytest.raises(ParseError) as info:
            pool.run(unpicklable_result)
        assert info.value.kind is ParseErrorKind.UNREADABLE and "not returnable" in info.value.detail
        assert pool.run(len, b"abc") == 3


def test_pool_runs_tasks_from_several_threads():
    from concurrent.futures import ThreadPoolExecutor

    from parsers.sandbox import Sandbox

    with Sandbox(Limits(), workers=2) as pool, ThreadPoolExecutor(4) as threads:
        results = list(threads.map(lambda n: pool.run(len, b"x" * n), range(20)))
    assert results == list(range(20))


def test_warnings_come_back_with_the_result_counted_bounded_and_on_one_line():
    from parsers.sandbox import MAX_NOTES, Sandbox

    with Sandbox(Limits(), workers=1) as pool:
        outcome = pool.call(warn_a_lot)
    assert outcome.value == "read" and outcome.error is None
    assert "UserWarning: Unknown extension is not supported and will be removed (test_sandbox) (×1000)" in outcome.warnings
    assert len(outcome.warnings) == MAX_NOTES  # a file that makes a library warn per cell cannot flood the log
    assert "pdfminer.pdfpage: CropBox missing?FORGED LOG LINE ?exe.pdf" in outcome.warnings  # no forged line


def own_priority() -> int:
    return os.getpriority(os.PRIO_PROCESS, 0)


def test_background_workers_yield_the_cpu_and_foreground_ones_do_not():
    """OCR and the scan lane read in background workers (nice 10): on a busy machine the mail being
    answered gets the CPU first. The daemon's own parse workers keep its priority."""
    from parsers.sandbox import Sandbox

    with Sandbox(Limits(), background=True) as background, Sandbox(Limits()) as foreground:
        assert background.run(own_priority) == own_priority() + 10
        assert foreground.run(own_priority) == own_priority()
