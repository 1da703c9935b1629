"""Parse partitions fan out over Dagster's executors: the ingest_batch job of one raw batch runs on
the multiprocess executor (each step in its own process), as it would on the k8s or Celery
executor; the asset code is the same."""
from __future__ import annotations

import dagster as dg
import pyarrow.parquet as pq

from pipelines import ingest
from pipelines.defs.partitions import RAW_BATCHES
from tests.pipelines.test_assets import write_invented_raw


def ingest_batch_job() -> dg.JobDefinition:
    """Module-level, so the step processes can rebuild it (dg.reconstructable)."""
    from pipelines.definitions import build_defs
    from pipelines.defs.jobs import INGEST_BATCH_JOB

    return build_defs().resolve_job_def(INGEST_BATCH_JOB)


def test_a_batch_runs_on_the_multiprocess_executor(tmp_path, monkeypatch):
    raw, warehouse = tmp_path / "raw", tmp_path / "wh"
    write_invented_raw(raw)
    monkeypatch.setenv("TRIALBRIDGE_RAW", str(raw))  # TrialbridgeConfig.from_env in every step process
    monkeypatch.setenv("TRIALBRIDGE_WAREHOUSE", str(warehouse))
    monkeypatch.setenv("TRIALBRIDGE_WORKERS", "1")
    (tmp_path / "dagster_home").mkdir()
    with dg.instance_for_test(temp_dir=str(tmp_path / "dagster_home")) as instance:
        instance.add_dynamic_partitions(RAW_BATCHES, ["b1"])
        # intake and two of the parsed_<source> steps (all of them would only take longer)
        selection = [dg.AssetKey(k) for k in ("raw_batch_intake", "parsed_veeva", "parsed_medpath")]
        result = dg.execute_job(dg.reconstructable(ingest_batch_job), instance=instance,
                                tags={"dagster/partition": "b1"}, asset_selection=selection)
        assert result.success
        starts = [e for e in result.all_events if e.event_type_value == "STEP_START"]
        assert len(starts) == 3
        assert len({e.pid for e in starts}) == len(starts)  # every step in a process of its own
    records = pq.read_table(ingest.staged_batch_dir(warehouse, "b1") / "source_records.parquet")
    assert sorted(records.column("source").to_pylist()) == ["medpath", "veeva"]
