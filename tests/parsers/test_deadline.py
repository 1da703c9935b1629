"""parsers.deadline: the per-file time limit, with the handler put back or kept."""
from __future__ import annotations

import signal
import sys
import time

import pytest

from parsers import deadline
from tests.child_process import exit_code_in_child


def _spin(seconds: float) -> None:
    ends = time.monotonic() + seconds
    while time.monotonic() < ends:
        pass


def test_the_limit_interrupts_and_puts_the_previous_handler_back():
    def mine(signum, frame):
        raise AssertionError("the limit's own handler should have run")

    previous = signal.signal(signal.SIGALRM, mine)
    try:
        with pytest.raises(deadline.TimedOut):
            with deadline.time_limit(0.05):
                _spin(5)
        assert signal.getsignal(signal.SIGALRM) is mine
        with deadline.time_limit(0.05):
            pass
        assert signal.getsignal(signal.SIGALRM) is mine
        assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)  # disarmed
    finally:
        signal.signal(signal.SIGALRM, previous)


def _kept_handler_child() -> None:
    deadline.keep_handler()
    for _ in range(2):  # the kept handler fires for every file, not only the first
        try:
            with deadline.time_limit(0.05):
                _spin(5)
        except deadline.TimedOut:
            pass
        else:
            sys.exit(3)
        if signal.getsignal(signal.SIGALRM) is not deadline._on_alarm:
            sys.exit(4)
    with deadline.time_limit(0.05):
        pass
    if signal.getitimer(signal.ITIMER_REAL) != (0.0, 0.0):
        sys.exit(5)
    sys.exit(0)


def test_a_worker_keeps_the_handler_and_every_file_is_still_limited():
    assert exit_code_in_child(_kept_handler_child, timeout=60) == 0


def _hard_stop_child() -> None:
    deadline.keep_handler(hard_stop=True)
    with deadline.time_limit(0.05):  # Python code: the ordinary limit comes first, the process lives
        try:
            _spin(5)
        except deadline.TimedOut:
            pass
    if signal.getitimer(signal.ITIMER_PROF) != (0.0, 0.0):
        sys.exit(6)  # the hard stop is disarmed with the limit
    signal.signal(signal.SIGALRM, signal.SIG_IGN)  # as if Python never got to run the handler
    with deadline.time_limit(0.05):
        _spin(30)
    sys.exit(0)  # not reached: the kernel ends the process at the hard stop


def test_a_worker_with_a_hard_stop_is_ended_when_the_limit_cannot_interrupt():
    started = time.monotonic()
    assert exit_code_in_child(_hard_stop_child, timeout=60) == -deadline.HARD_STOP_SIGNAL
    assert time.monotonic() - started < 20  # the hard stop (2.05 s of CPU), not the 30 s spin


def test_the_hard_stop_comes_after_the_limit():
    for seconds in (0.05, 1.0, 30.0, 600.0):
        assert deadline.hard_stop_seconds(seconds) >= seconds + 2.0


def test_no_limit_outside_the_main_thread():
    import threading

    seen = []

    def run():
        with deadline.time_limit(0.01):
            _spin(0.05)
        seen.append(signal.getitimer(signal.ITIMER_REAL))

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    assert seen == [(0.0, 0.0)]
