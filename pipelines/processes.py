"""Helper process pools started at once: started_pool.

Intake (parsing) and the snapshot step (clustering chunks, drawing charts) hand Python work to processes that
should be up before the work is there: a pool starts a process per submitted task while none
is idle, so one no-op task per worker starts them all now, each running `initializer` as it
starts (importing, setting the collector), beside whatever the caller does meanwhile.
"""
from __future__ import annotations

import multiprocessing
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from multiprocessing.context import BaseContext


def _started() -> None:
    """The no-op task that starts a process."""


def started_pool(workers: int, initializer: Callable[[], None] | None = None,
                 context: BaseContext | None = None) -> ProcessPoolExecutor:
    """A pool of `workers` processes, all starting now (use as a context manager to stop them).
    context: a forkserver context of the caller's (with its preloaded modules, say)."""
    # forkserver: never fork a process holding DuckDB's and Dagster's threads
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=context or multiprocessing.get_context("forkserver"),
                               initializer=initializer)
    for _ in range(workers):
        pool.submit(_started)
    return pool
