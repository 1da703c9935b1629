"""release_memory gives freed heap memory back to the operating system (glibc)."""
from __future__ import annotations

import sys

import pytest

from pipelines.memory import _malloc_trim, release_memory


def _rss_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmRSS:")) / 1024


@pytest.mark.skipif(not sys.platform.startswith("linux") or _malloc_trim() is None, reason="needs glibc on Linux")
def test_freed_small_objects_go_back_to_the_system():
    release_memory()  # its imports (pyarrow) loaded before measuring
    before = _rss_mb()
    # many 2 KB strings: malloc's heap (above pymalloc's 512-byte limit, below mmap's threshold);
    # every 50th is kept, so the heap cannot shrink from its top and only trimming frees pages
    blocks = [("x" * 2000) + str(i) for i in range(100_000)]
    keep = blocks[::50]
    del blocks
    held = _rss_mb()
    release_memory()
    after = _rss_mb()
    assert held - before > 50  # the test did allocate
    assert after < held - 30, (before, held, after)
    assert keep  # kept alive across the release


class _Node:
    def __init__(self) -> None:
        self.self_ref = self  # a cycle: only the collector frees it


def test_settle_heap_collects_garbage_before_freezing_the_survivors():
    import gc
    import weakref

    from pipelines.memory import WORKER_GC_THRESHOLDS, settle_heap

    garbage, survivor = _Node(), _Node()
    dead = weakref.ref(garbage)
    del garbage
    thresholds = gc.get_threshold()
    try:
        settle_heap()
        assert dead() is None  # the cycle was collected, not frozen
        assert gc.get_freeze_count() > 0 and survivor.self_ref is survivor
        assert gc.get_threshold() == WORKER_GC_THRESHOLDS != thresholds  # young passes far apart
    finally:
        gc.unfreeze()
        gc.set_threshold(*thresholds)


def test_frozen_heap_freezes_for_the_block_only():
    import gc

    from pipelines.memory import frozen_heap

    assert gc.get_freeze_count() == 0
    with frozen_heap():
        assert gc.get_freeze_count() > 0
    assert gc.get_freeze_count() == 0  # a long-lived caller collects its old objects again
