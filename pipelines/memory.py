"""Hand freed memory back to the operating system between the heavy steps of a run.

glibc's malloc keeps freed small blocks in its arenas: after staging a 20,000-page batch the
main process measured 575-594 MB, of which malloc_trim(0) returned about 230 MB, with no Python
object left over. Without it that retained memory sits under the snapshot step's DuckDB budget
and grows the peak of a large run.

The same module keeps the cyclic garbage collector's full passes short in our processes
(settle_heap, frozen_heap): a pass scans every tracked object, and most of them (modules, memo
tables) live as long as the process.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import functools
import gc
from collections.abc import Iterator
from contextlib import contextmanager


@functools.cache
def _malloc_trim():
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        return libc.malloc_trim
    except (OSError, AttributeError):  # not glibc (macOS, musl): nothing to trim
        return None


def release_memory() -> None:
    """Collect garbage, empty Arrow's pool of unused memory, and trim malloc's free memory."""
    gc.collect()
    import pyarrow as pa

    pa.default_memory_pool().release_unused()
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


WORKER_GC_THRESHOLDS = (20_000, 20, 20)  # gc.set_threshold in our worker processes (settle_heap)


def settle_heap() -> None:
    """In a process of ours that works in rounds (an intake or resolve worker between two jobs):
    collect the garbage, then freeze what survives (modules, memo tables), so that the collector's
    full passes stop re-scanning it. Those passes took 12-15% of the CPU of resolving a slice and
    5-7% of parsing; with this, a pass scans only what was made since. Frozen objects are still
    freed when nothing refers to them; only a cycle among them would outlive its use, and the
    collect before each freeze leaves none behind."""
    gc.collect()
    gc.freeze()
    # young collections every 20,000 new container objects, not 700: a worker makes and drops
    # millions of short-lived rows and tokens, nearly all freed by their reference counts, and
    # the default threshold ran a young pass every few lines parsed (measured: 0.35 -> 0.09 s
    # of collection per 12,000 pages, 2-3% of an intake worker's CPU); cyclic garbage waits
    # at most that long
    gc.set_threshold(*WORKER_GC_THRESHOLDS)


@contextmanager
def frozen_heap() -> Iterator[None]:
    """Freeze every object there is now (a run's imports) for the block: the collector's passes
    inside it skip them. They are unfrozen after, so a long-lived caller (tests, a Dagster
    process) loses nothing: garbage among them is collected again as before."""
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()
