"""The warehouse: one asset per table, all written by one step as one atomic snapshot.

The blocking checks run on the built tables BEFORE `current` is switched: when one fails, the
step reports the failed checks and raises, so `current` keeps the previous snapshot.
"""

import time
from collections import Counter
from pathlib import Path

import dagster as dg
import pyarrow as pa

from pipelines import checks, ingest
from pipelines.defs.intake import OWNERS, parsed_key
from pipelines.defs.resources import TrialbridgeConfig
from pipelines.parquet_read import read_parquet
from pipelines.warehouse import TABLE_DESCRIPTIONS, TABLES

SNAPSHOT_OP = "warehouse_snapshot"
TABLE_DESCRIPTION_FALLBACK = "warehouse table (see warehouse/README.md)"


def table_schema(schema: pa.Schema) -> dg.TableSchema:
    """Dagster column schema from the Arrow contract, with each field's description."""
    columns = []
    for f in schema:
        meta = f.metadata or {}
        description = meta.get(b"description", b"").decode("utf-8") or None
        columns.append(dg.TableColumn(name=f.name, type=str(f.type), description=description))
    return dg.TableSchema(columns=columns)


def _table_description(name: str) -> str:
    grain = TABLE_DESCRIPTIONS.get(name)
    return f"Warehouse table `{name}`: one row per {grain} (warehouse/README.md)." if grain else \
        f"`{name}` {TABLE_DESCRIPTION_FALLBACK}"


TABLE_SPECS = [
    dg.AssetSpec(
        key=name,
        deps=[parsed_key(source) for source in ingest.SOURCES],
        group_name="warehouse",
        owners=OWNERS,
        kinds={"parquet", "pyarrow"},
        description=_table_description(name),
        metadata={"dagster/column_schema": table_schema(schema), "dagster/table_name": name},
    )
    for name, schema in TABLES.items()
]

CHECK_SPECS = [
    dg.AssetCheckSpec(checks.CHECK_TRIAL_ID_UNIQUE, asset="trials", blocking=True,
                      description="every trial_id in trials is set and unique"),
    dg.AssetCheckSpec(checks.CHECK_RAW_FILES_ACCOUNTED, asset="source_records", blocking=True,
                      additional_deps=["quarantine"],
                      description="every raw file is in exactly one of source_records or quarantine"),
    *[
        dg.AssetCheckSpec(checks.CHECK_VOCABULARY, asset=name, blocking=True,
                          description="phase/status/design/id_type columns hold only CT.gov v2 vocabulary values")
        for name in checks.VOCABULARY_TABLES if name in TABLES
    ],
]


def _check_result(outcome: checks.CheckOutcome) -> dg.AssetCheckResult:
    return dg.AssetCheckResult(
        asset_key=outcome.table,
        check_name=outcome.name,
        passed=outcome.passed,
        severity=dg.AssetCheckSeverity.ERROR,
        description=outcome.description,
        metadata={k: dg.MetadataValue.json(v) if isinstance(v, (list, dict)) else v for k, v in outcome.metadata.items()},
    )


def _table_metadata(name: str, snapshot: Path, rows: int) -> dict:
    metadata = {
        "dagster/row_count": rows,
        "dagster/column_schema": table_schema(TABLES[name]),
        "dagster/uri": dg.MetadataValue.path(str(snapshot / f"{name}.parquet")),
        "snapshot": dg.MetadataValue.path(str(snapshot)),
    }
    counted = {"source_records": ("source", "records_by_source"), "quarantine": ("reason", "files_by_reason")}
    if name in counted:
        column, key = counted[name]
        values = read_parquet(snapshot / f"{name}.parquet", [column]).column(column).to_pylist()
        metadata[key] = dg.MetadataValue.json(dict(sorted(Counter(values).items())))
    return metadata


SNAPSHOT_POOL = "trialbridge_snapshot"


@dg.multi_asset(name=SNAPSHOT_OP, specs=TABLE_SPECS, check_specs=CHECK_SPECS, pool=SNAPSHOT_POOL)
def warehouse_snapshot(context: dg.AssetExecutionContext, trialbridge: TrialbridgeConfig):
    """Reconciles every staged batch into trials and writes all tables on DuckDB under the
    configured memory budget, re-resolving only the trials whose records changed; checks the
    written tables, and only then switches the warehouse's `current` to the new snapshot.
    One writer at a time: the `trialbridge_snapshot` pool and the warehouse lock."""
    from pipelines.lock import exclusive
    from pipelines.warehouse.engine import ChecksFailed, build_snapshot

    started = time.perf_counter()
    raw_root, warehouse_root = trialbridge.raw_path, trialbridge.warehouse_path
    batches = ingest.scan_raw_paths(raw_root)
    with exclusive(warehouse_root, on_wait=context.log.info):
        gone = ingest.forget_removed_batches(warehouse_root, batches)
        if gone:
            context.log.info(f"batches no longer in raw/, their records leave the warehouse: {gone}")
        staged = [k for k in batches if ingest.is_staged(warehouse_root, k)]
        raw_paths = [path for paths in batches.values() for path in paths]
        del batches
        try:
            result = build_snapshot(warehouse_root, staged, raw_paths, memory_limit=trialbridge.memory_limit,
                                    workers=trialbridge.workers)
        except ChecksFailed as failed:
            for outcome in failed.outcomes:
                yield _check_result(outcome)
            raise dg.Failure(description=str(failed),
                             metadata={"failed_checks": [f"{o.table}.{o.name}" for o in failed.outcomes if not o.passed]})
    if trialbridge.publish_uri:
        from pipelines.warehouse.remote import publish_remote

        context.log.info(f"published to {publish_remote(result.snapshot, trialbridge.publish_uri)}")
    context.log.info(f"snapshot {result.snapshot} is current ({time.perf_counter() - started:.2f}s; "
                     f"{result.trials_resolved} of {result.trials_total} trials re-resolved; {result.seconds})")
    for name in TABLES:
        yield dg.MaterializeResult(asset_key=name, metadata=_table_metadata(name, result.snapshot, result.row_counts[name]))
    for outcome in result.outcomes:
        yield _check_result(outcome)
