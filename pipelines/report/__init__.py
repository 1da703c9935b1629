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
from pipelines.report.metrics import Metrics, compute_metrics
from pipelines.report.plots import draw_charts

REPORT_FILE = "quality.html"
METRICS_FILE = "quality.json"  # the same numbers, for the Dagster asset's summary without re-reading tables
# Tables the metrics read (and only these are loaded from a snapshot).
REPORT_TABLES = ("source_records", "trials", "trial_links", "quarantine", "doses", "trial_doses",
                 "conditions", "interventions", "arms", "eligibility_criteria", "locations", "sponsors")

__all__ = ["METRICS_FILE", "REPORT_FILE", "Metrics", "compute_metrics", "quality_report_html", "read_quality_metrics",
           "summary_markdown", "write_quality_report"]


def quality_report_html(tables: dict[str, pa.Table], snapshot_id: str | None = None) -> tuple[str, Metrics]:
    metrics = compute_metrics(tables)
    return render_html(metrics, draw_charts(metrics), snapshot_id), metrics


def _read_tables(snapshot_dir: Path) -> dict[str, pa.Table]:
    """The columns the metrics read, through DuckDB so memory stays small at any size: a scalar
    field of source_records comes as a boolean that is null where the field is null (the fill
    rate needs nothing else), the per-record list tables as their record ids only."""
    import duckdb
    import pyarrow.parquet as pq

    from parsers.record import SCALAR_FIELDS
    from pipelines.report.metrics import LIST_FIELDS, TRIAL_COLUMNS

    def path(name: str) -> str:
        return str(snapshot_dir / f"{name}.parquet").replace("'", "''")

    present = lambda c: f'CASE WHEN "{c}" IS NULL THEN NULL ELSE true END AS "{c}"'  # noqa: E731
    with duckdb.connect(config={"memory_limit": "512MB", "threads": 2}) as con:
        records = con.sql(f"SELECT record_id, source, raw_path, trial_id, warnings, "
                          f"{', '.join(present(c) for c in SCALAR_FIELDS)} FROM '{path('source_records')}'").to_arrow_table()
        # a list table gives presence only: its distinct record ids (not a million criteria rows)
        tables = {name: con.sql(f"SELECT DISTINCT record_id FROM '{path(name)}' ORDER BY 1").to_arrow_table()
                  for name in LIST_FIELDS}
    tables["source_records"] = records
    tables["trials"] = pq.read_table(snapshot_dir / "trials.parquet", columns=list(TRIAL_COLUMNS))
    columns = {"doses": ["record_id"], "trial_doses": ["trial_id", "chosen", "rule"]}  # dose count, doses per trial
    for name in REPORT_TABLES:
        if name not in tables:
            tables[name] = pq.read_table(snapshot_dir / f"{name}.parquet", columns=columns.get(name))
    return tables


def write_quality_report(snapshot_dir: Path) -> tuple[Path, Metrics]:
    """quality.html (and quality.json, its numbers) into the snapshot directory, each replaced
    atomically (readers never see half a file). The snapshot engine calls it on the new snapshot
    before publishing it, so the report is part of the snapshot `current` switches to."""
    import dataclasses
    import json

    snapshot_dir = Path(snapshot_dir).resolve()
    html, metrics = quality_report_html(_read_tables(snapshot_dir), None)
    numbers = json.dumps(dataclasses.asdict(metrics), sort_keys=True, indent=1)
    for name, text in ((METRICS_FILE, numbers), (REPORT_FILE, html)):
        tmp = snapshot_dir / f".{name}.tmp-{os.getpid()}"
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, snapshot_dir / name)
    return snapshot_dir / REPORT_FILE, metrics


def read_quality_metrics(snapshot_dir: Path) -> Metrics | None:
    """The metrics write_quality_report left in a snapshot, or None."""
    import json

    try:
        return Metrics(**json.loads((Path(snapshot_dir) / METRICS_FILE).read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError):
        return None
