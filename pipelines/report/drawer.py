"""The report's charts drawn in helper processes while the snapshot step goes on.

matplotlib is pure Python: importing it (0.35 s) and drawing the eleven charts (1.0 s at 100,000
pages) held the snapshot step's one thread for 1.4 s, a tenth of a +1% run. Two helpers start
with the step and import matplotlib beside clustering and resolving; once the metrics are
counted they draw the charts, one chart per task, on both cores, while the step runs its file
checks (the step then waits about half as long for them: the charts take 0.05-0.27 s each).
Same SVG bytes as drawn in-process (same matplotlib, fonts and salts); a chart a helper could
not draw (it could not start, or died) is drawn by the step itself.
"""
from __future__ import annotations

from concurrent.futures import Future, ProcessPoolExecutor

from pipelines.processes import started_pool
from pipelines.report.metrics import Metrics
from pipelines.report.plots import CHARTS, Chart, draw_chart

HELPERS = 2  # processes drawing charts: the machine's second core is idle while the step checks files


def _import_matplotlib() -> None:
    import matplotlib.backends.backend_svg  # noqa: F401
    import matplotlib.figure  # noqa: F401


class ChartDrawer:
    """Helper processes for draw_chart; `close()` stops them (use as a context manager)."""

    def __init__(self, helpers: int = HELPERS) -> None:
        self._pool: ProcessPoolExecutor | None = None
        try:
            self._pool = started_pool(helpers, initializer=_import_matplotlib)
        except (OSError, RuntimeError):  # no process to be had: draw in-process
            self._pool = None

    def submit(self, metrics: Metrics) -> "list[Future[Chart]] | None":
        if self._pool is None:
            return None
        try:
            return [self._pool.submit(draw_chart, metrics, index) for index in range(len(CHARTS))]
        except RuntimeError:  # the helpers died before (BrokenProcessPool is a RuntimeError)
            return None

    def charts(self, metrics: Metrics, pending: "list[Future[Chart]] | None") -> list[Chart]:
        """The charts `submit` started, each drawn here when the helpers could not draw it."""
        out = []
        for index in range(len(CHARTS)):
            try:
                out.append(pending[index].result() if pending is not None else draw_chart(metrics, index))
            except (OSError, RuntimeError):  # the helper died while drawing
                out.append(draw_chart(metrics, index))
        return out

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def __enter__(self) -> "ChartDrawer":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
