"""A small real warehouse for tests that read one: the raw/ sample pages (batch `samples`) plus
the invented batch `b1` with an empty and an unknown-layout file, a root-level page, through
intake, reconcile and the snapshot writer (no Dagster)."""
from __future__ import annotations

import shutil
from pathlib import Path

from tests.pipelines.test_assets import write_invented_raw

REPO = Path(__file__).resolve().parents[2]


def write_sample_warehouse(tmp: Path) -> Path:
    """Returns the warehouse root; its `current` snapshot holds every table."""
    from parsers.intake import iter_raw_files, process_file
    from pipelines.reconcile import ParsedFile, QuarantinedFile, reconcile
    from pipelines.warehouse import build_tables, record_id_for, write_snapshot

    raw, warehouse = tmp / "raw", tmp / "warehouse"
    shutil.copytree(REPO / "raw", raw / "samples")
    write_invented_raw(raw)
    outcomes = [process_file(path, raw) for path in iter_raw_files(raw)]
    parsed = [ParsedFile(record_id_for(o.raw_path), o.raw_path, o.sha256, o.record) for o in outcomes if not o.quarantined]
    quarantined = [QuarantinedFile(o.raw_path, o.sha256, o.reason, o.detail) for o in outcomes if o.quarantined]
    write_snapshot(warehouse, build_tables(parsed, quarantined, reconcile(parsed)))
    return warehouse
