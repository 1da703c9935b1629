"""A wall-clock limit on the work for one file, so one pathological page cannot hang a run.

SIGALRM interrupts Python code and the regex engine (which checks for signals while it
backtracks). It works in a process's main thread only, which is where intake runs (pool
workers and the inline path); elsewhere the limit is not applied rather than half-applied.
"""
from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager


class TimedOut(BaseException):
    """Raised when the limit passes. A BaseException, so that the per-section `except Exception`
    of the parsers cannot swallow it and carry on with the rest of the page."""


@contextmanager
def time_limit(seconds: float | None) -> Iterator[None]:
    if not seconds or threading.current_thread() is not threading.main_thread() or not hasattr(signal, "setitimer"):
        yield
        return

    def on_alarm(signum, frame):
        raise TimedOut()

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
