"""A wall-clock limit on the work for one file, so one pathological page cannot hang a run.

SIGALRM interrupts Python code and the regex engine (which checks for signals while it
backtracks). It works in a process's main thread only, which is where intake runs (pool
workers and the inline path); elsewhere the limit is not applied rather than half-applied.

Anywhere, the limit installs its handler and puts the previous one back after. A process that
only parses (an intake worker) calls `keep_handler()` once: its handler then stays, and each
file only arms and disarms the timer (two signal.signal calls were 6 of a file's 10 us here).
"""
from __future__ import annotations

import signal
import threading
from types import TracebackType


class TimedOut(BaseException):
    """Raised when the limit passes. A BaseException, so that the per-section `except Exception`
    of the parsers cannot swallow it and carry on with the rest of the page."""


def _on_alarm(signum, frame):
    raise TimedOut()


_KEPT = [False]  # keep_handler() was called in this process


def keep_handler() -> None:
    """In a process of ours that only parses, and where nothing else uses SIGALRM: leave the
    alarm handler installed between files."""
    if hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGALRM, _on_alarm)
        _KEPT[0] = True


class time_limit:  # noqa: N801 - used as `with time_limit(seconds):`, like the function it was
    __slots__ = ("seconds", "previous")

    def __init__(self, seconds: float | None) -> None:
        self.seconds = seconds if seconds and hasattr(signal, "setitimer") else None
        self.previous = None

    def __enter__(self) -> None:
        if self.seconds is None:
            return
        if threading.current_thread() is not threading.main_thread():
            self.seconds = None
            return
        if not _KEPT[0]:
            self.previous = signal.signal(signal.SIGALRM, _on_alarm)
        signal.setitimer(signal.ITIMER_REAL, self.seconds)

    def __exit__(self, kind: type | None, value: BaseException | None, traceback: TracebackType | None) -> None:
        if self.seconds is None:
            return
        signal.setitimer(signal.ITIMER_REAL, 0)
        if self.previous is not None:
            signal.signal(signal.SIGALRM, self.previous)
