"""A wall-clock limit on the work for one file, so one pathological page cannot hang a run.

SIGALRM interrupts Python code and the regex engine (which checks for signals while it
backtracks). It works in a process's main thread only, which is where intake runs (pool
workers and the inline path); elsewhere the limit is not applied rather than half-applied.

Anywhere, the limit installs its handler and puts the previous one back after. A process that
only parses (an intake worker) calls `keep_handler()` once: its handler then stays, and each
file only arms and disarms the timer (two signal.signal calls were 6 of a file's 10 us here).

Python runs a signal handler only between bytecodes: code that never returns to the
interpreter (libxml2 on a huge document, a module compiled to C) is not interrupted. A worker
process, which the pool can replace, also asks for a hard stop (`keep_handler(hard_stop=True)`):
each file arms a CPU-time timer whose signal keeps its default action, so the kernel ends the
process once the file has used the limit plus a grace in CPU time (`hard_stop_seconds`). Python
code meets the ordinary limit first (CPU time never runs ahead of wall time in one thread); the
pool sees the process end and finds the file that caused it (pipelines.staging.isolated).
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
_HARD = [False]  # keep_handler(hard_stop=True) was: the kernel ends this process past the limit
HARD_STOP_SIGNAL = getattr(signal, "SIGPROF", None)  # what ends a process past the hard stop


def hard_stop_seconds(seconds: float) -> float:
    """CPU seconds after which a file's process is ended: the limit and half again (at least 2 s),
    so the ordinary limit, when Python gets to run its handler, always comes first."""
    return seconds + max(2.0, seconds / 2)


def keep_handler(hard_stop: bool = False) -> None:
    """In a process of ours that only parses, and where nothing else uses SIGALRM: leave the
    alarm handler installed between files. hard_stop: only in a process that may be ended (a
    pool worker, never the caller's own process): each file also arms the hard stop."""
    if hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGALRM, _on_alarm)
        _KEPT[0] = True
        if hard_stop and HARD_STOP_SIGNAL is not None:
            signal.signal(HARD_STOP_SIGNAL, signal.SIG_DFL)  # default action: end the process
            _HARD[0] = True


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
        elif _HARD[0]:
            signal.setitimer(signal.ITIMER_PROF, hard_stop_seconds(self.seconds))
        signal.setitimer(signal.ITIMER_REAL, self.seconds)

    def __exit__(self, kind: type | None, value: BaseException | None, traceback: TracebackType | None) -> None:
        if self.seconds is None:
            return
        signal.setitimer(signal.ITIMER_REAL, 0)
        if _HARD[0]:
            signal.setitimer(signal.ITIMER_PROF, 0)
        if self.previous is not None:
            signal.signal(signal.SIGALRM, self.previous)
