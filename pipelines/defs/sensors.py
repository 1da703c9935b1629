"""Notice new or changed raw batches, then rebuild the warehouse once every batch is in.

Both sensors launch named jobs (ingest_batch, build_warehouse), so every run says what it is.
(Declarative automation, used before, launches its runs under the implicit `__ASSET_JOB`.)
"""

import json

import dagster as dg

from pipelines import ingest
from pipelines.defs.intake import BATCH_FINGERPRINT, INTAKE_KEY
from pipelines.defs.jobs import SNAPSHOT_JOB, build_warehouse_job, ingest_batch_job
from pipelines.defs.partitions import RAW_BATCHES, raw_batches
from pipelines.defs.resources import TrialbridgeConfig

# Runs that have not read the staged batches yet: a new build request would repeat them.
_NOT_YET_READING = [dg.DagsterRunStatus.QUEUED, dg.DagsterRunStatus.NOT_STARTED, dg.DagsterRunStatus.STARTING]


def intake_fingerprint(instance: dg.DagsterInstance, batch_key: str) -> str | None:
    """The fingerprint of the files the batch's latest intake read (None: never ingested)."""
    records = instance.fetch_materializations(
        dg.AssetRecordsFilter(asset_key=dg.AssetKey(INTAKE_KEY), asset_partitions=[batch_key]), limit=1).records
    if not records or records[0].asset_materialization is None:
        return None
    value = records[0].asset_materialization.metadata.get(BATCH_FINGERPRINT)
    return getattr(value, "value", None)


@dg.sensor(
    name="raw_batches_sensor",
    job=ingest_batch_job,
    minimum_interval_seconds=30,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Registers each raw/ batch as a partition and requests its intake when its files change "
                "(not when the instance already ingested these very files, e.g. by `make run`).",
)
def raw_batches_sensor(context: dg.SensorEvaluationContext, trialbridge: TrialbridgeConfig) -> dg.SensorResult:
    # Cursor: batch key -> fingerprint of its files (names, sizes, mtimes) at the last request.
    seen: dict[str, str] = json.loads(context.cursor) if context.cursor else {}
    raw_root = trialbridge.raw_path
    batches = ingest.scan_batches(raw_root) if raw_root.is_dir() else {}
    known = set(context.instance.get_dynamic_partitions(RAW_BATCHES))
    new_keys = sorted(k for k in batches if k not in known)
    run_requests, state = [], {}
    for key, batch in sorted(batches.items()):
        fingerprint = ingest.batch_fingerprint(batch, raw_root)
        state[key] = fingerprint
        if seen.get(key) == fingerprint:
            continue
        if key in known and intake_fingerprint(context.instance, key) == fingerprint:
            continue  # ingested outside this sensor (the CLI runs in the same instance)
        run_requests.append(dg.RunRequest(partition_key=key, run_key=f"{key}:{fingerprint}",
                                          tags={"trialbridge/batch_fingerprint": fingerprint}))
    return dg.SensorResult(
        run_requests=run_requests,
        dynamic_partitions_requests=[raw_batches.build_add_request(new_keys)] if new_keys else [],
        cursor=json.dumps(state, sort_keys=True),
    )


@dg.run_status_sensor(
    name="warehouse_after_intake",
    run_status=dg.DagsterRunStatus.SUCCESS,
    monitored_jobs=[ingest_batch_job],
    request_job=build_warehouse_job,
    minimum_interval_seconds=30,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="After a batch's intake succeeds, rebuilds the warehouse (and its quality report) once "
                "every registered batch has been ingested.",
)
def warehouse_after_intake(context: dg.RunStatusSensorContext):
    instance = context.instance
    waiting = set(instance.get_dynamic_partitions(RAW_BATCHES)) - instance.get_materialized_partitions(
        dg.AssetKey(INTAKE_KEY))
    if waiting:
        return dg.SkipReason(f"batches not ingested yet: {', '.join(sorted(waiting)[:5])}")
    if instance.get_runs(dg.RunsFilter(job_name=SNAPSHOT_JOB, statuses=_NOT_YET_READING), limit=1):
        return dg.SkipReason(f"a {SNAPSHOT_JOB} run is already waiting: it will read this batch too")
    return dg.RunRequest(run_key=f"after-intake:{context.dagster_run.run_id}")
