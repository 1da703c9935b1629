"""Run a function in a spawned child process, as Dagster runs a step, and see whether it exits."""
from __future__ import annotations

import multiprocessing
from collections.abc import Callable


def exit_code_in_child(target: Callable[..., None], *args: object, timeout: float = 180) -> int | None:
    """The child's exit code, or None when it has not exited within `timeout` seconds (then it
    is killed)."""
    child = multiprocessing.get_context("spawn").Process(target=target, args=args)
    child.start()
    child.join(timeout)
    if child.is_alive():
        child.kill()
        child.join()
        return None
    return child.exitcode
