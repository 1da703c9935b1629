"""The whole asset graph, materialized in process on a temp raw dir (invented pages)."""
from __future__ import annotations

from pathlib import Path

import dagster as dg
import pyarrow.parquet as pq
import pytest

from pipelines import ingest
from pipelines.definitions import build_defs
from pipelines.defs.jobs import INGEST_BATCH_JOB, SNAPSHOT_JOB
from pipelines.defs.partitions import RAW_BATCHES
from pipelines.defs.resources import TrialbridgeConfig

# Invented trials, typed for these tests, in the Veeva and MedPath page layouts (headings as the
# public ClinicalTrials.Veeva / MedPath trial pages show them). The MedPath page carries the
# same NCT number as the first Veeva page, so the two records must merge into one trial.
VEEVA_PAGE = """ClinicalTrials.Veeva

Menu

{title}

N

Example Teaching Hospital

Status and phase

Recruiting
Phase 2

Conditions

Invented Condition Syndrome

Treatments

Drug: Examplinib

Study type

Interventional

Identifiers

{nct}
EXH-{n}

Enrollment

30 estimated patients

Sex

All

Ages

18 to 65 years old

Data sourced from clinicaltrials.gov
"""

MEDPATH_PAGE = """MedPath

{title}

Phase 2
Recruiting
Conditions
Invented Condition Syndrome
Registration Number
{nct}
Lead Sponsor
Example Teaching Hospital
Brief Summary

An invented study used only by tests.

Recruitment & Eligibility

Status
Recruiting
Sex
Not specified
Target Recruitment
30

MedPath
"""

SHARED_NCT, OTHER_NCT = "NCT09990001", "NCT09990002"
BAD_FILES = ("b1/empty.txt", "b1/notes.txt")


def write_invented_raw(raw: Path) -> dict[str, str]:
    """Three parseable pages (two layouts, one shared NCT), one empty file, one unknown layout."""
    files = {
        "b1/veeva_one.txt": VEEVA_PAGE.format(title="Examplinib in Invented Condition (EXAMP-1)", nct=SHARED_NCT, n=1),
        "b1/medpath_one.txt": MEDPATH_PAGE.format(title="Examplinib in invented condition", nct=SHARED_NCT),
        "veeva_two.txt": VEEVA_PAGE.format(title="Otherumab for Invented Disease", nct=OTHER_NCT, n=2),
        "b1/empty.txt": "",
        "b1/notes.txt": "shopping list\neggs\nflour\n",
    }
    for rel, text in files.items():
        path = raw / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return files


def run_graph(raw: Path, warehouse: Path, instance: dg.DagsterInstance):
    """Register the batches and run both jobs, as the sensor + automation (or the CLI) would."""
    defs = build_defs(TrialbridgeConfig(raw_root=str(raw), warehouse_root=str(warehouse), workers=1))
    keys = list(ingest.scan_batches(raw))
    instance.add_dynamic_partitions(RAW_BATCHES, keys)
    batch_results = [defs.resolve_job_def(INGEST_BATCH_JOB).execute_in_process(partition_key=k, instance=instance)
                     for k in keys]
    snapshot = defs.resolve_job_def(SNAPSHOT_JOB).execute_in_process(instance=instance, raise_on_error=False)
    return batch_results, snapshot


@pytest.fixture(scope="module")
def graph_run(tmp_path_factory):
    """One run of the whole graph shared by the read-only tests below (in-memory instance: fast)."""
    tmp_path = tmp_path_factory.mktemp("graph")
    raw, warehouse = tmp_path / "raw", tmp_path / "warehouse"
    write_invented_raw(raw)
    instance = dg.DagsterInstance.ephemeral()
    batch_results, snapshot = run_graph(raw, warehouse, instance)
    yield raw, warehouse, batch_results, snapshot
    instance.dispose()


def test_whole_graph_writes_current_snapshot(graph_run):
    raw, warehouse, batch_results, snapshot = graph_run
    assert all(r.success for r in batch_results)
    assert snapshot.success
    current = warehouse / "current"
    names = {p.stem for p in current.glob("*.parquet")}
    assert {"trials", "source_records", "quarantine", "trial_identifiers", "trial_links"} <= names


def test_bad_files_are_quarantined_and_the_rest_parsed(graph_run):
    raw, warehouse, _, snapshot = graph_run
    quarantine = pq.read_table(warehouse / "current" / "quarantine.parquet").to_pylist()
    assert sorted(r["raw_path"] for r in quarantine) == sorted(BAD_FILES)
    assert all(r["reason"] for r in quarantine)
    records = pq.read_table(warehouse / "current" / "source_records.parquet").to_pylist()
    assert sorted(r["raw_path"] for r in records) == ["b1/medpath_one.txt", "b1/veeva_one.txt", "veeva_two.txt"]
    assert {r["source"] for r in records} == {"veeva", "medpath"}


def test_shared_nct_merges_two_layouts_into_one_trial(graph_run):
    _, warehouse, _, _ = graph_run
    records = pq.read_table(warehouse / "current" / "source_records.parquet").to_pylist()
    trial_of = {r["raw_path"]: r["trial_id"] for r in records}
    assert trial_of["b1/veeva_one.txt"] == trial_of["b1/medpath_one.txt"] == SHARED_NCT
    assert trial_of["veeva_two.txt"] == OTHER_NCT
    trials = pq.read_table(warehouse / "current" / "trials.parquet").column("trial_id").to_pylist()
    assert sorted(trials) == [SHARED_NCT, OTHER_NCT]


def test_blocking_checks_pass_and_metadata_is_reported(graph_run):
    _, _, batch_results, snapshot = graph_run
    evaluations = snapshot.get_asset_check_evaluations()
    assert {e.check_name for e in evaluations} >= {"trial_id_unique", "raw_files_accounted_for", "vocabulary_values"}
    assert all(e.passed for e in evaluations)
    trials = snapshot.asset_materializations_for_node("warehouse_snapshot")
    by_key = {m.asset_key.to_user_string(): m.metadata for m in trials}
    assert by_key["trials"]["dagster/row_count"].value == 2
    assert by_key["quarantine"]["dagster/row_count"].value == 2
    schema = by_key["trials"]["dagster/column_schema"].value
    trial_id = next(c for c in schema.columns if c.name == "trial_id")
    assert trial_id.description  # column descriptions come from the Arrow contract
    intake = {r.dagster_run.tags.get("dagster/partition"): r.asset_materializations_for_node("raw_batch_intake")[0].metadata
              for r in batch_results}
    assert intake["b1"]["files"].value == 4 and intake["b1"]["quarantined"].value == 2
    assert intake["root"]["files"].value == 1
    veeva_b1 = next(r for r in batch_results if r.dagster_run.tags.get("dagster/partition") == "b1")
    assert veeva_b1.asset_materializations_for_node("parsed_veeva")[0].metadata["dagster/row_count"].value == 1


def test_failing_check_keeps_previous_snapshot(tmp_path, monkeypatch):
    raw, warehouse = tmp_path / "raw", tmp_path / "warehouse"
    write_invented_raw(raw)
    with dg.instance_for_test() as instance:  # the persistent (sqlite) kind the CLI uses with DAGSTER_HOME
        _, first = run_graph(raw, warehouse, instance)
    assert first.success
    before = (warehouse / "current").resolve()
    import pipelines.warehouse.engine as engine

    real_sql = engine._resolved_table_sql

    def trials_with_a_duplicate(con, name, parts, previous):
        sql = real_sql(con, name, parts, previous)
        return f"{sql} UNION ALL (SELECT * FROM ({sql}) ORDER BY trial_id LIMIT 1)" if name == "trials" else sql

    real_dirty = engine._dirty_trials

    def dirty_with_the_duplicate(con, previous):  # its row group is written again, not copied
        return sorted({*real_dirty(con, previous), con.execute("SELECT min(trial_id) FROM mapping").fetchall()[0][0]})

    monkeypatch.setattr(engine, "_resolved_table_sql", trials_with_a_duplicate)
    monkeypatch.setattr(engine, "_dirty_trials", dirty_with_the_duplicate)
    (raw / "b1" / "late.txt").write_text("still not a trial page\n", encoding="utf-8")
    _, second = run_graph(raw, warehouse, dg.DagsterInstance.ephemeral())
    assert not second.success
    failed = [e for e in second.get_asset_check_evaluations() if not e.passed]
    assert [e.check_name for e in failed] == ["trial_id_unique"]
    assert (warehouse / "current").resolve() == before  # not switched
    quarantine = pq.read_table(warehouse / "current" / "quarantine.parquet").column("raw_path").to_pylist()
    assert "b1/late.txt" not in quarantine


def test_warehouse_is_built_by_a_named_job_once_every_batch_is_in(tmp_path):
    """warehouse_after_intake: an ingest_batch success requests build_warehouse (a named job, not
    the implicit __ASSET_JOB of declarative automation), only once every registered batch is in."""
    from pipelines.defs.sensors import warehouse_after_intake

    raw, warehouse = tmp_path / "raw", tmp_path / "warehouse"
    write_invented_raw(raw)
    defs = build_defs(TrialbridgeConfig(raw_root=str(raw), warehouse_root=str(warehouse), workers=1))
    batch_job = defs.resolve_job_def(INGEST_BATCH_JOB)

    def after(result, instance):
        context = dg.build_run_status_sensor_context(
            sensor_name="warehouse_after_intake", dagster_instance=instance,
            dagster_run=result.dagster_run, dagster_event=result.get_run_success_event())
        return warehouse_after_intake(context)

    with dg.DagsterInstance.ephemeral() as instance:
        instance.add_dynamic_partitions(RAW_BATCHES, ["b1", "root"])
        half = after(batch_job.execute_in_process(partition_key="root", instance=instance), instance)
        assert isinstance(half, dg.SkipReason) and "b1" in half.skip_message
        done = after(batch_job.execute_in_process(partition_key="b1", instance=instance), instance)
        assert isinstance(done, dg.RunRequest) and done.run_key.startswith("after-intake:")
    sensor = defs.resolve_sensor_def("warehouse_after_intake")
    assert [j.name for j in sensor.jobs] == [SNAPSHOT_JOB]
    assert sensor.default_status == dg.DefaultSensorStatus.RUNNING
