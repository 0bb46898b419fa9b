"""A parser that hangs, eats memory or crashes ends as a typed error; good results come back intact."""

import os
import threading
import time

import pytest

from tests.parsers.limited import run_limited
from parsers.types import Limits, ParseError, ParseErrorKind


def sleep_forever():
    while True:
        time.sleep(1)


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


def test_hang_becomes_timeout():
    """Stopped, not waited for: the suite's own timeout would catch a worker that is never killed."""
    with pytest.raises(ParseError) as info:
        run_limited(sleep_forever, limits=Limits(parse_timeout_seconds=1))
    assert info.value.kind is ParseErrorKind.TIMEOUT


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
    from parsers.sandbox import Sandbox

    with Sandbox(Limits(parse_timeout_seconds=1, parse_memory_mb=256), workers=1) as pool:
        with pytest.raises(ParseError) as hang:
            pool.run(sleep_forever)
        with pytest.raises(ParseError) as oom:
            pool.run(eat_memory)
        assert (hang.value.kind, oom.value.kind) == (ParseErrorKind.TIMEOUT, ParseErrorKind.OUT_OF_MEMORY)
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
