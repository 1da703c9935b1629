"""Notice new or changed raw batches; declarative automation carries the rest downstream."""

import json

import dagster as dg

from pipelines import ingest
from pipelines.defs.jobs import ingest_batch_job
from pipelines.defs.partitions import RAW_BATCHES, raw_batches
from pipelines.defs.resources import TrialbridgeConfig


@dg.sensor(
    name="raw_batches_sensor",
    job=ingest_batch_job,
    minimum_interval_seconds=30,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Registers each raw/ batch as a partition and requests its intake when its files change.",
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
        if seen.get(key) != fingerprint:
            run_requests.append(dg.RunRequest(partition_key=key, run_key=f"{key}:{fingerprint}",
                                              tags={"trialbridge/batch_fingerprint": fingerprint}))
    return dg.SensorResult(
        run_requests=run_requests,
        dynamic_partitions_requests=[raw_batches.build_add_request(new_keys)] if new_keys else [],
        cursor=json.dumps(state, sort_keys=True),
    )


# Evaluates the eager() conditions (parsed_* and the warehouse tables); on without a UI toggle.
automation_sensor = dg.AutomationConditionSensorDefinition(
    "trialbridge_automation",
    target=dg.AssetSelection.all(),
    default_status=dg.DefaultSensorStatus.RUNNING,
    minimum_interval_seconds=30,
)
