"""fn over a stream in a few threads (or a given executor), results in order: mapped_ahead.

The deterministic Parquet writer encodes each row group with pyarrow, which releases the GIL
while it encodes and compresses. Encoded one after the other, the snapshot step's writes ran at
about 1.45 of 2 cores; with two row groups encoding at once (and the next one being cut from
DuckDB's stream meanwhile) writing the 20 tables of 100,000 pages took 5.5-5.9 s instead of
6.3-6.5 s. Same row groups in the same order: the same bytes.
"""
from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Executor, ThreadPoolExecutor
from contextlib import nullcontext
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")


def mapped_ahead(fn: Callable[[T], R], items: Iterable[T], workers: int = 2, executor: Executor | None = None
                 ) -> Iterator[R]:
    """fn(item) for each item, in the items' order, computed by `workers` threads, or by
    `executor` (a process pool, say; its owner stops it), at most `workers` items ahead of the
    consumer (memory: that many items and results at once). The items are drawn in the
    consumer's thread. An error in fn is raised at its item; a consumer that stops early cancels
    what has not started (with its own threads, it also waits for what has)."""
    with (nullcontext(executor) if executor is not None
          else ThreadPoolExecutor(max_workers=workers, thread_name_prefix="mapped-ahead")) as pool:
        pending: deque = deque()
        try:
            for item in items:
                pending.append(pool.submit(fn, item))
                if len(pending) > workers:
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()
        finally:
            for future in pending:
                future.cancel()
