"""Per-batch assets: bulk intake of a raw batch, then one thin parsed-records asset per source."""

import time

import dagster as dg

from parsers.drift import batch_drift_from_rows, usual_fields
from pipelines import ingest
from pipelines.defs.partitions import raw_batches
from pipelines.defs.resources import TrialbridgeConfig

OWNERS = ["team:trialbridge"]
INTAKE_KEY = "raw_batch_intake"
BATCH_FINGERPRINT = "batch_fingerprint"  # metadata: the files the intake read (raw_batches_sensor compares it)


def parsed_key(source: str) -> str:
    return f"parsed_{source}"


def _counts_md(counts: dict[str, int], header: str) -> dg.MetadataValue:
    if not counts:
        return dg.MetadataValue.md(f"_no {header.lower()}_")
    rows = "\n".join(f"| {k} | {v} |" for k, v in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
    return dg.MetadataValue.md(f"| {header} | files |\n|---|---|\n{rows}")


@dg.asset(
    name=INTAKE_KEY,
    partitions_def=raw_batches,
    group_name="intake",
    owners=OWNERS,
    kinds={"python", "parquet"},
    tags={"layer": "staging"},
)
def raw_batch_intake(context: dg.AssetExecutionContext, trialbridge: TrialbridgeConfig) -> dg.MaterializeResult:
    """Brings the staging of one raw batch up to date, in bulk across processes: files new to
    the batch or whose bytes changed are decoded, detected, parsed or quarantined with a reason;
    unchanged files keep their staged rows; files that left raw/ leave the staging. Staged as
    typed Parquet tables under `<warehouse>/_staging/<batch>/`."""
    from pipelines.lock import exclusive

    started = time.perf_counter()
    batch = ingest.scan_batch(trialbridge.raw_path, context.partition_key)
    if batch is None:  # the batch left raw/: stage it empty so the snapshot forgets it
        batch = ingest.Batch(key=context.partition_key, directory=None, files=())
    fingerprint = ingest.batch_fingerprint(batch, trialbridge.raw_path)  # before reading: a later change re-ingests
    with exclusive(trialbridge.warehouse_path, f"batch-{batch.key}", on_wait=context.log.info):
        summary = ingest.ingest_batch(trialbridge.raw_path, trialbridge.warehouse_path, batch,
                                      trialbridge.max_file_bytes, trialbridge.workers)
    seconds = time.perf_counter() - started
    context.log.info(f"batch {batch.key}: {summary.files} files, {summary.by_source}, quarantined {summary.quarantined}")
    return dg.MaterializeResult(metadata={
        "files": summary.files,
        "parsed": sum(summary.by_source.values()),
        "quarantined": summary.quarantined_total,
        "warnings": summary.warnings,
        "parsed_files": summary.parsed_files,
        "reused_files": summary.reused_files,
        "removed_files": summary.removed_files,
        "by_source": _counts_md(summary.by_source, "Source"),
        "quarantine_reasons": _counts_md(summary.quarantined, "Reason"),
        "seconds": round(seconds, 3),
        "files_per_second": round(summary.files / seconds, 1) if seconds else 0.0,
        BATCH_FINGERPRINT: fingerprint,
        "dagster/uri": dg.MetadataValue.path(summary.path),
    })


DRIFT_CHECK = "layout_drift"


def _drift_check(drift) -> dg.AssetCheckResult:
    """Non-blocking: a drifted batch is still used (fields it could not read are null), but the
    operator should look (README: "Answering a drift alert")."""
    return dg.AssetCheckResult(
        check_name=DRIFT_CHECK, passed=not drift.drifted, severity=dg.AssetCheckSeverity.WARN,
        description=drift.departures_text() or "pages match the source's usual profile",
        metadata={"pages": drift.pages, "departures": drift.departures_text() or "none"})


def build_parsed_asset(source: str) -> dg.AssetsDefinition:
    @dg.asset(
        name=parsed_key(source),
        deps=[INTAKE_KEY],
        partitions_def=raw_batches,
        group_name="parsed",
        owners=OWNERS,
        kinds={"python", "parquet"},
        tags={"source": source},
        description=f"Canonical records parsed from the `{source}` files of one raw batch (a page, or "
                    "each record of an export), staged by raw_batch_intake as typed Parquet rows.",
        check_specs=[dg.AssetCheckSpec(DRIFT_CHECK, asset=parsed_key(source), blocking=False,
                                       description="the batch's pages match the source's usual layout profile")],
    )
    def _parsed(context: dg.AssetExecutionContext, trialbridge: TrialbridgeConfig) -> dg.MaterializeResult:
        import pyarrow.compute as pc

        if not ingest.is_staged(trialbridge.warehouse_path, context.partition_key):
            raise dg.Failure(f"batch {context.partition_key!r} is not staged: materialize {INTAKE_KEY} first")
        table = ingest.read_staged(trialbridge.warehouse_path, context.partition_key, "source_records",
                                   ["source", "warnings"])
        table = table.filter(pc.equal(table.column("source"), source))
        codes = ingest.warning_codes(table.column("warnings").to_pylist())
        rows = ingest.read_staged(trialbridge.warehouse_path, context.partition_key, "records",
                                  ["source", "warnings", *usual_fields(source)])
        drift = batch_drift_from_rows(source, rows.filter(pc.equal(rows.column("source"), source)).to_pylist())
        return dg.MaterializeResult(check_results=[_drift_check(drift)], metadata={
            **drift.metadata(),
            "dagster/row_count": table.num_rows,
            "warnings": sum(codes.values()),
            "warning_codes": _counts_md(dict(codes.most_common(20)), "Warning code"),
            "dagster/uri": dg.MetadataValue.path(
                str(ingest.staged_batch_dir(trialbridge.warehouse_path, context.partition_key) / "source_records.parquet")),
        })

    return _parsed


parsed_assets = [build_parsed_asset(source) for source in ingest.SOURCES]
