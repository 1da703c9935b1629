"""Helper process pools started at once: started_pool.

The snapshot step hands Python work (clustering chunks, drawing charts) to processes that
should be up before the work is there: a pool starts a process per submitted task while none
is idle, so one no-op task per worker starts them all now, each running `initializer` as it
starts (importing, setting the collector), beside whatever the caller does meanwhile.
"""
from __future__ import annotations

import multiprocessing
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor


def _started() -> None:
    """The no-op task that starts a process."""


def started_pool(workers: int, initializer: Callable[[], None] | None = None) -> ProcessPoolExecutor:
    """A pool of `workers` processes, all starting now (use as a context manager to stop them)."""
    # forkserver: never fork a process holding DuckDB's and Dagster's threads
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("forkserver"),
                               initializer=initializer)
    for _ in range(workers):
        pool.submit(_started)
    return pool
