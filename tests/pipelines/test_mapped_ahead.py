"""pipelines.mapped_ahead: fn over a stream in threads, results in the stream's order."""
from __future__ import annotations

import threading
import time

import pytest

from pipelines.mapped_ahead import mapped_ahead


def test_results_come_in_order_computed_by_other_threads():
    threads = set()

    def slow_square(n: int) -> int:
        threads.add(threading.current_thread().name)
        time.sleep(0.001 * (n % 3))  # later items may finish first
        return n * n

    assert list(mapped_ahead(slow_square, range(50), workers=2)) == [n * n for n in range(50)]
    assert threads and all(name.startswith("mapped-ahead") for name in threads)


def test_at_most_workers_items_are_taken_ahead():
    taken = []

    def items():
        for n in range(1000):
            taken.append(n)
            yield n

    results = mapped_ahead(lambda n: n, items(), workers=2)
    assert [next(results) for _ in range(5)] == [0, 1, 2, 3, 4]
    assert len(taken) <= 5 + 2
    results.close()


def test_an_error_is_raised_at_its_item():
    def fail_on_seven(n: int) -> int:
        if n == 7:
            raise ValueError("row group 7 cannot be encoded")
        return n

    seen = []
    with pytest.raises(ValueError, match="row group 7"):
        for result in mapped_ahead(fail_on_seven, range(20)):
            seen.append(result)
    assert seen == list(range(7))


def test_a_given_executor_computes_the_items_in_order_and_stays_open():
    from concurrent.futures import ThreadPoolExecutor

    names, drawn = set(), set()

    def items():
        for n in range(30):
            drawn.add(threading.current_thread().name)
            yield n

    def square(n: int) -> int:
        names.add(threading.current_thread().name)
        time.sleep(0.001 * (n % 3))
        return n * n

    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="given") as pool:
        assert list(mapped_ahead(square, items(), workers=2, executor=pool)) == [n * n for n in range(30)]
        assert pool.submit(square, 4).result() == 16  # not shut down by mapped_ahead
    assert names and all(name.startswith("given") for name in names)
    assert drawn == {threading.current_thread().name}  # items drawn in the consumer's thread
