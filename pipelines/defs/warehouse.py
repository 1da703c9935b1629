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


def _table_metadata(name: str, table: pa.Table, snapshot: Path) -> dict:
    metadata = {
        "dagster/row_count": table.num_rows,
        "dagster/column_schema": table_schema(TABLES.get(name, table.schema)),
        "dagster/uri": dg.MetadataValue.path(str(snapshot / f"{name}.parquet")),
        "snapshot": dg.MetadataValue.path(str(snapshot)),
    }
    if name == "source_records" and "source" in table.column_names:
        metadata["records_by_source"] = dg.MetadataValue.json(dict(sorted(Counter(table.column("source").to_pylist()).items())))
    if name == "quarantine" and "reason" in table.column_names:
        metadata["files_by_reason"] = dg.MetadataValue.json(dict(sorted(Counter(table.column("reason").to_pylist()).items())))
    return metadata


@dg.multi_asset(name=SNAPSHOT_OP, specs=TABLE_SPECS, check_specs=CHECK_SPECS)
def warehouse_snapshot(context: dg.AssetExecutionContext, trialbridge: TrialbridgeConfig):
    """Loads every staged batch, reconciles records into trials, builds all tables, checks them,
    and only then writes one snapshot and switches <warehouse>/current to it."""
    from parsers.intake import iter_raw_files
    from pipelines.warehouse import write_snapshot
    from pipelines.warehouse.staged import build_staged_tables

    started = time.perf_counter()
    raw_root, warehouse_root = trialbridge.raw_path, trialbridge.warehouse_path
    batches = ingest.scan_batches(raw_root)
    staged = [k for k in batches if ingest.is_staged(warehouse_root, k)]
    # Two passes (pipelines/warehouse/staged.py) keep peak memory near the light per-record data:
    # reconcile light records, then stream full records batch by batch into the per-record tables.
    tables = build_staged_tables(warehouse_root, staged)

    raw_paths = [ingest.relative_raw_path(p, raw_root) for p in iter_raw_files(raw_root)]
    outcomes = checks.run_all_checks(tables, raw_paths)
    if not all(o.passed for o in outcomes):
        for outcome in outcomes:
            yield _check_result(outcome)
        raise dg.Failure(description=checks.failure_message(outcomes),
                         metadata={"failed_checks": [f"{o.table}.{o.name}" for o in outcomes if not o.passed]})

    snapshot = Path(write_snapshot(warehouse_root, tables))
    context.log.info(f"snapshot {snapshot} is current ({time.perf_counter() - started:.2f}s)")
    for name in TABLES:
        table = tables.get(name)
        if table is not None:
            yield dg.MaterializeResult(asset_key=name, metadata=_table_metadata(name, table, snapshot))
    for outcome in outcomes:
        yield _check_result(outcome)
