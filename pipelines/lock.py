"""One writer per warehouse: an advisory lock file (flock) that the OS releases when the holder
dies, so a killed run never leaves the warehouse locked.

`trialbridge ingest` holds the warehouse lock for the whole run (a second one waits, saying so,
or with --no-wait exits with one sentence); the Dagster snapshot step holds it too (beside its
concurrency pool), and each batch's intake holds a lock of its own batch.
"""
from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

LOCK_FILE = ".lock"
_HELD: dict[str, int] = {}  # lock path -> depth: re-entrant within a process (the CLI holds it around the asset)


class WarehouseBusy(RuntimeError):
    """Another process holds the lock and we were told not to wait."""


def lock_path(warehouse_root: Path, name: str = "") -> Path:
    return Path(warehouse_root) / (f"{LOCK_FILE}-{name}" if name else LOCK_FILE)


def _holder(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8").strip() or "another process"
    except OSError:
        return "another process"


@contextmanager
def exclusive(warehouse_root: Path, name: str = "", *, wait: bool = True, timeout: float | None = None,
              on_wait: Callable[[str], None] | None = None, poll: float = 0.2) -> Iterator[None]:
    """Hold the warehouse's (or one named part's) lock for the duration of the block."""
    path = lock_path(warehouse_root, name)
    key = str(path.resolve())
    if _HELD.get(key):
        _HELD[key] += 1
        try:
            yield
        finally:
            _HELD[key] -= 1
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        started, told = time.monotonic(), False
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                holder = _holder(path)
                if not wait or (timeout is not None and time.monotonic() - started > timeout):
                    raise WarehouseBusy(f"{Path(warehouse_root)} is being written by {holder}") from None
                if not told and on_wait:
                    on_wait(f"waiting for {holder} to finish writing {Path(warehouse_root)}")
                    told = True
                time.sleep(poll)
        os.ftruncate(fd, 0)
        os.write(fd, f"pid {os.getpid()}".encode())
        _HELD[key] = 1
        try:
            yield
        finally:
            _HELD.pop(key, None)
    finally:
        os.close(fd)  # releases the lock
