"""One writer per warehouse: a second `trialbridge ingest` waits (saying so) or, with --no-wait,
exits 3 with one sentence; never a traceback, never a mixed state."""
from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from pipelines.lock import WarehouseBusy, exclusive
from tests.pipelines.test_assets import write_invented_raw

REPO = Path(__file__).resolve().parents[2]
HOLD = """
import sys, time
from pathlib import Path
from pipelines.lock import exclusive
with exclusive(Path(sys.argv[1])):
    print("held", flush=True)
    sys.stdin.readline()
"""


def _env() -> dict:
    env = {k: v for k, v in os.environ.items() if k != "DAGSTER_HOME"}
    env["DAGSTER_DISABLE_TELEMETRY"] = "1"
    return env


def _ingest(raw: Path, warehouse: Path, *extra: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "pipelines.cli", "ingest", "--raw", str(raw), "--warehouse",
                             str(warehouse), "--workers", "1", *extra], cwd=REPO, env=_env(),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


@pytest.fixture
def held(tmp_path):
    """A process holding the warehouse lock (as a running ingest does) until told to stop."""
    warehouse = tmp_path / "wh"
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(warehouse)], cwd=REPO, env=_env(),
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "held"
    yield warehouse, holder
    holder.kill()
    holder.wait(timeout=30)


def test_no_wait_exits_3_with_one_sentence_while_another_writes(tmp_path, held):
    warehouse, _ = held
    raw = tmp_path / "raw"
    write_invented_raw(raw)
    proc = _ingest(raw, warehouse, "--no-wait")
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 3
    text = (out + err).strip()
    assert "is being written by pid" in text and "Traceback" not in text
    assert len([line for line in text.splitlines() if line.strip()]) == 1
    assert not (warehouse / "current").exists()  # nothing written


def test_a_second_ingest_waits_says_so_then_finishes(tmp_path, held):
    warehouse, holder = held
    raw = tmp_path / "raw"
    write_invented_raw(raw)
    proc = _ingest(raw, warehouse)
    deadline = time.monotonic() + 120
    first_line = proc.stderr.readline()
    assert "waiting for pid" in first_line and time.monotonic() < deadline
    assert proc.poll() is None and not (warehouse / "current").exists()
    holder.stdin.write("\n")
    holder.stdin.flush()
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, out + err
    assert "Traceback" not in out + err
    assert pq.read_metadata(warehouse / "current" / "trials.parquet").num_rows == 2


def test_two_real_ingests_at_once_leave_one_consistent_snapshot(tmp_path):
    raw, warehouse = tmp_path / "raw", tmp_path / "wh"
    write_invented_raw(raw)
    procs = [_ingest(raw, warehouse), _ingest(raw, warehouse)]
    results = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], results
    assert not any("Traceback" in out + err for out, err in results)
    current = (warehouse / "current").resolve()
    assert pq.read_metadata(current / "trials.parquet").num_rows == 2
    assert sorted(p.name for p in (warehouse / "snapshots").iterdir()) == [current.name]


def test_lock_is_reentrant_in_one_process_and_exclusive_across(tmp_path, held):
    warehouse, _ = held
    with pytest.raises(WarehouseBusy):
        with exclusive(warehouse, wait=False):
            pass
    other = tmp_path / "other"
    with exclusive(other), exclusive(other, wait=False):  # the CLI holds it around the asset that takes it too
        pass
