"""The report's charts drawn in a helper process while the snapshot step goes on.

matplotlib is pure Python: importing it (0.4 s) and drawing the eleven charts (1.1 s at 100,000
pages) held the snapshot step's one thread for 1.5 s, a tenth of a +1% run, while the second
core idled (a small batch resolves in-process). The helper starts with the step and imports
matplotlib beside clustering and resolving; the charts are drawn there while the step runs its
file checks. Same SVG bytes as drawn in-process (same matplotlib, fonts and salts); if the
helper cannot start or dies, the step draws them itself.
"""
from __future__ import annotations

import multiprocessing
from concurrent.futures import Future, ProcessPoolExecutor

from pipelines.report.metrics import Metrics
from pipelines.report.plots import Chart, draw_charts


def _import_matplotlib() -> None:
    import matplotlib.backends.backend_svg  # noqa: F401
    import matplotlib.figure  # noqa: F401


class ChartDrawer:
    """A helper process for draw_charts; `close()` stops it (use as a context manager)."""

    def __init__(self) -> None:
        self._pool: ProcessPoolExecutor | None = None
        try:
            # forkserver: never fork a process holding DuckDB's and Dagster's threads
            self._pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("forkserver"))
            self._pool.submit(_import_matplotlib)
        except (OSError, RuntimeError):  # no process to be had: draw in-process
            self._pool = None

    def submit(self, metrics: Metrics) -> "Future[list[Chart]] | None":
        if self._pool is None:
            return None
        try:
            return self._pool.submit(draw_charts, metrics)
        except RuntimeError:  # the helper died before (BrokenProcessPool is a RuntimeError)
            return None

    def charts(self, metrics: Metrics, pending: "Future[list[Chart]] | None") -> list[Chart]:
        """The charts `submit` started, or drawn here when the helper could not draw them."""
        if pending is not None:
            try:
                return pending.result()
            except (OSError, RuntimeError):  # the helper died while drawing
                pass
        return draw_charts(metrics)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def __enter__(self) -> "ChartDrawer":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
