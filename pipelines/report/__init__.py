"""The data-quality report of a snapshot: metrics (pure) -> charts (SVG) -> one HTML file.

`quality_report_html(tables)` is a pure function of the snapshot's tables: the same tables give
the same bytes. `write_quality_report(snapshot_dir)` reads a written snapshot and puts
quality.html beside its Parquet files (so it is at <warehouse>/current/quality.html).
"""
from __future__ import annotations

import os
from pathlib import Path

import pyarrow as pa

from pipelines.report.html import render_html, summary_markdown
from pipelines.report.metrics import Metrics, compute_metrics, snapshot_metrics
from pipelines.report.plots import draw_charts

REPORT_FILE = "quality.html"
METRICS_FILE = "quality.json"  # the same numbers, for the Dagster asset's summary without re-reading tables

__all__ = ["METRICS_FILE", "REPORT_FILE", "Metrics", "compute_metrics", "quality_report_html", "read_quality_metrics",
           "summary_markdown", "write_quality_report", "write_report_files"]


def quality_report_html(tables: dict[str, pa.Table], snapshot_id: str | None = None) -> tuple[str, Metrics]:
    metrics = compute_metrics(tables)
    return render_html(metrics, draw_charts(metrics), snapshot_id), metrics


def write_quality_report(snapshot_dir: Path) -> tuple[Path, Metrics]:
    """quality.html (and quality.json, its numbers) into the snapshot directory, each replaced
    atomically (readers never see half a file). The snapshot engine writes the same files with
    write_report_files, its charts drawn beside its checks (pipelines.report.drawer), before
    publishing, so the report is part of the snapshot `current` switches to."""
    metrics = snapshot_metrics(Path(snapshot_dir).resolve())
    return write_report_files(snapshot_dir, metrics, draw_charts(metrics)), metrics


def write_report_files(snapshot_dir: Path, metrics: Metrics, charts: list) -> Path:
    """quality.html and quality.json of these metrics and charts (see write_quality_report)."""
    import dataclasses
    import json

    snapshot_dir = Path(snapshot_dir).resolve()
    html = render_html(metrics, charts, None)
    numbers = json.dumps(dataclasses.asdict(metrics), sort_keys=True, indent=1)
    for name, text in ((METRICS_FILE, numbers), (REPORT_FILE, html)):
        tmp = snapshot_dir / f".{name}.tmp-{os.getpid()}"
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, snapshot_dir / name)
    return snapshot_dir / REPORT_FILE


def read_quality_metrics(snapshot_dir: Path) -> Metrics | None:
    """The metrics write_quality_report left in a snapshot, or None."""
    import json

    try:
        return Metrics(**json.loads((Path(snapshot_dir) / METRICS_FILE).read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError):
        return None
