"""`trialbridge ingest` end to end on a temp dir, and `--version`."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq

from pipelines import cli
from tests.pipelines.test_assets import BAD_FILES, SHARED_NCT, write_invented_raw

REPO = Path(__file__).resolve().parents[2]


def test_ingest_builds_warehouse_and_reports(tmp_path, monkeypatch):
    monkeypatch.delenv("DAGSTER_HOME", raising=False)  # ephemeral instance
    raw, warehouse = tmp_path / "raw", tmp_path / "wh"
    write_invented_raw(raw)
    report = cli.run_ingest(raw, warehouse, workers=1)
    assert report.exit_code == cli.EXIT_OK, report.error
    assert report.files_by_source == {"medpath": 1, "veeva": 2}
    assert sum(report.quarantined_by_reason.values()) == len(BAD_FILES)
    assert report.trials == 2 and report.merged_trials == 1
    assert report.batches == 2
    assert Path(report.snapshot) == (warehouse / "current").resolve()
    assert SHARED_NCT in pq.read_table(warehouse / "current" / "trials.parquet").column("trial_id").to_pylist()
    # the snapshot step writes the quality report into the new snapshot before the switch (issue 12)
    assert report.quality_report == str(warehouse / "current" / "quality.html")
    report_html = (warehouse / "current" / "quality.html").read_text(encoding="utf-8")
    assert "Quarantine reasons" in report_html and "PHASE2" in report_html


def test_cli_subprocess_prints_summary_and_exits_zero(tmp_path):
    raw, warehouse = tmp_path / "raw", tmp_path / "wh"
    write_invented_raw(raw)
    env = {k: v for k, v in os.environ.items() if k != "DAGSTER_HOME"}
    env["DAGSTER_DISABLE_TELEMETRY"] = "1"
    proc = subprocess.run([sys.executable, "-m", "pipelines.cli", "ingest", "--raw", str(raw),
                           "--warehouse", str(warehouse), "--workers", "1"],
                          cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "merged trials" in proc.stdout and "quarantined" in proc.stdout
    assert (warehouse / "current" / "source_records.parquet").exists()


def test_cli_fails_on_a_blocking_check(tmp_path, monkeypatch):
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    raw, warehouse = tmp_path / "raw", tmp_path / "wh"
    write_invented_raw(raw)
    import pipelines.checks as checks

    real = checks.check_trial_id_unique
    monkeypatch.setattr(checks, "check_trial_id_unique",
                        lambda trials: checks.CheckOutcome(real(trials).name, "trials", False, "forced failure"))
    assert cli.main(["ingest", "--raw", str(raw), "--warehouse", str(warehouse), "--workers", "1"]) == cli.EXIT_FAILED
    assert not (warehouse / "current").exists()


def test_a_run_with_a_new_batch_restages_a_file_edited_in_a_staged_batch(tmp_path, monkeypatch):
    """The staged batches are checked by the intake workers when a new batch starts them."""
    import hashlib

    from bench.corpus import generate_from_samples

    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    raw, warehouse = tmp_path / "raw", tmp_path / "wh"
    generate_from_samples(raw, 70, 70)
    assert cli.run_ingest(raw, warehouse, workers=2).exit_code == cli.EXIT_OK
    edited = min((raw / "batch_0000").iterdir())
    edited.write_bytes(edited.read_bytes() + b"\n")
    generate_from_samples(raw, 70, 70, start=70, batch_prefix="new_")  # enough files for the pool
    report = cli.run_ingest(raw, warehouse, workers=2)
    assert report.exit_code == cli.EXIT_OK, report.error
    records = pq.read_table(warehouse / "current" / "source_records.parquet", columns=["raw_path", "sha256"])
    shas = dict(zip(records.column("raw_path").to_pylist(), records.column("sha256").to_pylist()))
    assert shas[f"batch_0000/{edited.name}"] == hashlib.sha256(edited.read_bytes()).hexdigest()
    assert sum(path.startswith("new_0000/") for path in shas) == 70


def test_a_batch_check_the_workers_could_not_make_is_made_here(tmp_path):
    from concurrent.futures import Future

    (tmp_path / "raw" / "b").mkdir(parents=True)
    failed = Future()
    failed.set_exception(RuntimeError("pool broke"))
    # nothing staged for "b": this process's own check says it changed
    assert cli._batch_changed(failed, tmp_path / "wh", tmp_path / "raw", "b", ["b/x.txt"]) is True
    answered = Future()
    answered.set_result(False)
    assert cli._batch_changed(answered, tmp_path / "wh", tmp_path / "raw", "b", ["b/x.txt"]) is False


def test_a_file_dropped_into_raw_during_a_run_waits_for_the_next_run(tmp_path, monkeypatch):
    """The snapshot step gets the listing the run staged (no second walk of raw/): a file that
    arrives between the run's scan and its snapshot neither fails the file check nor is lost."""
    from pipelines.warehouse import engine

    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    raw, warehouse = tmp_path / "raw", tmp_path / "wh"
    files = write_invented_raw(raw)
    late = raw / "b1" / "veeva_late.txt"
    real_is_up_to_date = engine.is_up_to_date

    def drop_a_file_then_ask(*args):  # called by the CLI after its intake, before its snapshot step
        late.write_text(files["b1/veeva_one.txt"], encoding="utf-8")
        return real_is_up_to_date(*args)

    monkeypatch.setattr(engine, "is_up_to_date", drop_a_file_then_ask)
    report = cli.run_ingest(raw, warehouse, workers=1)
    assert report.exit_code == cli.EXIT_OK, report.error
    recorded = pq.read_table(warehouse / "current" / "source_records.parquet").column("raw_path").to_pylist()
    assert "b1/veeva_late.txt" not in recorded and "b1/veeva_one.txt" in recorded
    monkeypatch.setattr(engine, "is_up_to_date", real_is_up_to_date)
    assert cli.run_ingest(raw, warehouse, workers=1).exit_code == cli.EXIT_OK
    recorded = pq.read_table(warehouse / "current" / "source_records.parquet").column("raw_path").to_pylist()
    assert "b1/veeva_late.txt" in recorded  # taken in by the next run


def test_a_file_removed_from_raw_during_a_run_leaves_with_the_next_run(tmp_path, monkeypatch):
    from pipelines.warehouse import engine

    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    raw, warehouse = tmp_path / "raw", tmp_path / "wh"
    write_invented_raw(raw)
    assert cli.run_ingest(raw, warehouse, workers=1).exit_code == cli.EXIT_OK
    (raw / "b2").mkdir()
    (raw / "b2" / "veeva_new.txt").write_text((raw / "veeva_two.txt").read_text(encoding="utf-8"), encoding="utf-8")
    real_is_up_to_date = engine.is_up_to_date

    def remove_a_file_then_ask(*args):  # after the run staged b2, before its snapshot step
        (raw / "b1" / "medpath_one.txt").unlink(missing_ok=True)
        return real_is_up_to_date(*args)

    monkeypatch.setattr(engine, "is_up_to_date", remove_a_file_then_ask)
    report = cli.run_ingest(raw, warehouse, workers=1)
    assert report.exit_code == cli.EXIT_OK, report.error  # not a failed file check
    recorded = pq.read_table(warehouse / "current" / "source_records.parquet").column("raw_path").to_pylist()
    assert "b1/medpath_one.txt" in recorded and "b2/veeva_new.txt" in recorded
    monkeypatch.setattr(engine, "is_up_to_date", real_is_up_to_date)
    assert cli.run_ingest(raw, warehouse, workers=1).exit_code == cli.EXIT_OK
    recorded = pq.read_table(warehouse / "current" / "source_records.parquet").column("raw_path").to_pylist()
    assert "b1/medpath_one.txt" not in recorded  # gone with the next run


def test_missing_raw_dir_is_a_usage_error(tmp_path, monkeypatch):
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    assert cli.main(["ingest", "--raw", str(tmp_path / "nope"), "--warehouse", str(tmp_path / "wh")]) == cli.EXIT_USAGE


def test_the_command_freezes_the_heap_before_it_exits_with_mains_code(tmp_path, monkeypatch):
    """What is left at exit is not walked by the interpreter's last collection (0.6-0.7 s of a
    +1% run at 100,000 pages); the exit code is main()'s."""
    import gc

    import pytest

    events = []
    monkeypatch.setattr(cli, "main", lambda argv=None: events.append("main") or cli.EXIT_USAGE)
    monkeypatch.setattr(gc, "freeze", lambda: events.append("freeze"))
    with pytest.raises(SystemExit) as exited:
        cli.program()
    assert exited.value.code == cli.EXIT_USAGE and events == ["main", "freeze"]


def test_the_installed_command_is_program():
    import tomllib

    scripts = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]["scripts"]
    assert scripts["trialbridge"] == "pipelines.cli:program"


def test_version(capsys):
    try:
        cli.main(["--version"])
    except SystemExit as exit_:
        assert exit_.code == 0
    assert capsys.readouterr().out.startswith("trialbridge ")


def test_runs_land_in_the_dagster_home_instance(tmp_path, monkeypatch):
    import dagster as dg

    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    raw, warehouse = tmp_path / "raw", tmp_path / "wh"
    write_invented_raw(raw)
    assert cli.run_ingest(raw, warehouse, workers=1).exit_code == cli.EXIT_OK
    with dg.DagsterInstance.get() as instance:  # what `make dev` shows afterwards
        jobs = sorted(run.job_name for run in instance.get_runs())
        assert jobs == ["build_warehouse", "ingest_batch", "ingest_batch"]
        assert sorted(instance.get_dynamic_partitions("raw_batches")) == ["b1", "root"]
