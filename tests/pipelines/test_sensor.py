"""raw_batches_sensor: new batches become partitions and runs; unchanged batches stay quiet."""
from __future__ import annotations

import json
import os

import dagster as dg

from pipelines.defs.resources import TrialbridgeConfig
from pipelines.defs.sensors import raw_batches_sensor


def _evaluate(instance, config, cursor=None):
    context = dg.build_sensor_context(instance=instance, cursor=cursor, resources={"trialbridge": config})
    return raw_batches_sensor(context)


def test_sensor_adds_partitions_and_requests_runs_once(tmp_path):
    raw = tmp_path / "raw"
    (raw / "2026-01 batch").mkdir(parents=True)
    (raw / "2026-01 batch" / "a.txt").write_text("x", encoding="utf-8")
    (raw / "top.txt").write_text("y", encoding="utf-8")
    config = TrialbridgeConfig(raw_root=str(raw), warehouse_root=str(tmp_path / "wh"))
    with dg.instance_for_test() as instance:
        first = _evaluate(instance, config)
        added = first.dynamic_partitions_requests[0].partition_keys
        assert sorted(added) == sorted(["root", next(k for k in added if k.startswith("2026-01_batch"))])
        assert sorted(r.partition_key for r in first.run_requests) == sorted(added)
        assert all(r.run_key.startswith(f"{r.partition_key}:") for r in first.run_requests)
        assert set(json.loads(first.cursor)) == set(added)

        instance.add_dynamic_partitions("raw_batches", list(added))  # what the daemon does with the request
        second = _evaluate(instance, config, cursor=first.cursor)
        assert second.run_requests == [] and second.dynamic_partitions_requests == []

        (raw / "top.txt").write_text("changed content", encoding="utf-8")
        os.utime(raw / "top.txt", ns=(1, 1))
        third = _evaluate(instance, config, cursor=second.cursor)
        assert [r.partition_key for r in third.run_requests] == ["root"]
        assert third.run_requests[0].run_key != first.run_requests[[r.partition_key for r in first.run_requests].index("root")].run_key


def test_sensor_on_missing_raw_dir_requests_nothing(tmp_path):
    config = TrialbridgeConfig(raw_root=str(tmp_path / "nope"), warehouse_root=str(tmp_path / "wh"))
    with dg.instance_for_test() as instance:
        result = _evaluate(instance, config)
    assert result.run_requests == [] and result.dynamic_partitions_requests == []


def test_sensor_skips_batches_the_instance_already_ingested(tmp_path):
    """`make run` then `make dev`: the CLI ingested the batches in the same instance, so the
    sensor's first tick (empty cursor) must not ingest them again; a changed file still does."""
    from pipelines.definitions import build_defs
    from pipelines.defs.jobs import INGEST_BATCH_JOB
    from tests.pipelines.test_assets import write_invented_raw

    raw = tmp_path / "raw"
    write_invented_raw(raw)
    config = TrialbridgeConfig(raw_root=str(raw), warehouse_root=str(tmp_path / "wh"), workers=1)
    batch_job = build_defs(config).resolve_job_def(INGEST_BATCH_JOB)
    with dg.instance_for_test() as instance:
        instance.add_dynamic_partitions("raw_batches", ["b1", "root"])
        for key in ("b1", "root"):
            assert batch_job.execute_in_process(partition_key=key, instance=instance).success
        first = _evaluate(instance, config)
        assert first.run_requests == [] and set(json.loads(first.cursor)) == {"b1", "root"}

        (raw / "b1" / "notes.txt").write_text("a longer shopping list\n", encoding="utf-8")
        second = _evaluate(instance, config, cursor=first.cursor)
        assert [r.partition_key for r in second.run_requests] == ["b1"]
