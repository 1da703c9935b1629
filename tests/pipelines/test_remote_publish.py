"""Snapshots published to another filesystem through pyarrow/fsspec: a file:// URI and an fsspec
memory:// store get the snapshot's exact bytes, and CURRENT (written last) points at it."""
from __future__ import annotations

import hashlib

import fsspec
import pyarrow.parquet as pq
import pytest

from pipelines.warehouse import write_snapshot
from pipelines.warehouse.remote import current_snapshot, filesystem_for, publish_remote, read_remote_table
from tests.robustness.test_kill import tables


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.fixture
def snapshot(tmp_path):
    return write_snapshot(tmp_path / "wh", tables("A", 30))


def test_file_uri_gets_the_snapshot_bytes_and_current(tmp_path, snapshot):
    uri = (tmp_path / "remote").as_uri()  # file:///...
    publish_remote(snapshot, uri)
    remote = tmp_path / "remote" / "snapshots" / snapshot.name
    local = sorted(p.name for p in snapshot.glob("*.parquet"))
    assert sorted(p.name for p in remote.glob("*.parquet")) == local
    for name in local:
        assert _digest((remote / name).read_bytes()) == _digest((snapshot / name).read_bytes())
    assert (tmp_path / "remote" / "CURRENT").read_text().strip() == snapshot.name


def test_memory_store_round_trips_tables_and_switches_current(tmp_path, snapshot):
    uri = "memory://trialbridge-test/wh"
    try:
        publish_remote(snapshot, uri)
        first = current_snapshot(uri)
        assert read_remote_table(uri, "trials").equals(pq.read_table(snapshot / "trials.parquet"))
        second = write_snapshot(tmp_path / "wh", tables("B", 40))
        publish_remote(second, uri)
        assert current_snapshot(uri) != first and current_snapshot(uri).endswith(second.name)
        assert read_remote_table(uri, "trials").equals(pq.read_table(second / "trials.parquet"))
        fs, base = filesystem_for(uri)
        assert fs.get_file_info(first + "/trials.parquet").size > 0  # the previous one stays readable
    finally:
        fsspec.filesystem("memory").rm("/trialbridge-test", recursive=True)


def test_ingest_publishes_to_the_uri_it_is_given(tmp_path, monkeypatch):
    from pipelines import cli
    from tests.pipelines.test_assets import write_invented_raw

    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    raw, warehouse, remote = tmp_path / "raw", tmp_path / "wh", tmp_path / "remote"
    write_invented_raw(raw)
    report = cli.run_ingest(raw, warehouse, workers=1, publish_uri=remote.as_uri())
    assert report.exit_code == cli.EXIT_OK, report.error
    assert (remote / "CURRENT").read_text().strip() == (warehouse / "current").resolve().name
    assert read_remote_table(remote.as_uri(), "trials").num_rows == report.trials
