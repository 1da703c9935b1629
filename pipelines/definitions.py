"""The Dagster code location of trialbridge (`dg dev`, `dg check defs`, `trialbridge ingest`).

A plain Definitions built from the modules in pipelines/defs/ (not load_from_defs_folder: the
modules import each other's objects, which that loader would discover twice).
"""
from __future__ import annotations

import warnings

import dagster as dg

from pipelines.defs.intake import parsed_assets, raw_batch_intake
from pipelines.defs.jobs import build_warehouse_job, ingest_batch_job
from pipelines.defs.report import quality_report
from pipelines.defs.resources import TrialbridgeConfig
from pipelines.defs.sensors import raw_batches_sensor, warehouse_after_intake
from pipelines.defs.warehouse import warehouse_snapshot


def _with_code_references(assets: list) -> list:
    """The UI links each asset to the Python that defines it (a beta API: its warning is noise here)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", dg.BetaWarning)
        return dg.with_source_code_references(assets)


def build_defs(config: TrialbridgeConfig | None = None) -> dg.Definitions:
    """Definitions bound to one raw/warehouse pair (the CLI and tests pass their own)."""
    return dg.Definitions(
        assets=_with_code_references([raw_batch_intake, *parsed_assets, warehouse_snapshot, quality_report]),
        jobs=[ingest_batch_job, build_warehouse_job],
        sensors=[raw_batches_sensor, warehouse_after_intake],
        resources={"trialbridge": config or TrialbridgeConfig.from_env()},
    )


defs = build_defs()
