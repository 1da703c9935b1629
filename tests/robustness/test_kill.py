"""SIGKILL during a snapshot write: `current` is always readable and equal to the old or the new snapshot.

A child process writes snapshot B over an existing snapshot A with
`pipelines.warehouse.write_snapshot`. To kill it at known points (not just at lucky times) the
child wraps the writer's system calls (os.fsync, os.replace, os.symlink) so each one prints a
"before"/"after" step line and pauses briefly; the parent SIGKILLs the child as soon as it reads
step k. That covers: during Parquet encoding (step 0, timed), after each table file is written
but before its fsync, after the temp dir is complete, around the rename of the temp dir into
place, and around the switch of the `current` link. After each kill `read_current` must return
exactly A or exactly B, and the next write must clean what the killed run left.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT

warehouse = pytest.importorskip("pipelines.warehouse", reason="pipelines.warehouse (RECONCILE) is not there yet")
if not all(hasattr(warehouse, name) for name in ("write_snapshot", "read_current")):
    pytest.skip("pipelines.warehouse.write_snapshot/read_current not there yet", allow_module_level=True)

import pyarrow as pa  # noqa: E402

ROWS_B = 3_000
PAUSE_S = 0.01  # the child pauses this long at each step so the kill lands there
TABLE_NAMES = ("trials", "source_records", "trial_identifiers", "trial_links", "field_provenance", "conditions",
               "interventions", "arms", "doses", "eligibility_criteria", "locations", "sponsors", "quarantine")

_CHILD = """
import os, sys, time
sys.path.insert(0, {repo!r})
from pathlib import Path
from pipelines.warehouse import write_snapshot
from tests.robustness.test_kill import tables
data = tables("B", {rows})
step = 0

def hooked(name, real):
    def call(*args, **kwargs):
        global step
        step += 1
        print(f"step {{step}} before {{name}}", flush=True)
        time.sleep({pause})
        result = real(*args, **kwargs)
        step += 1
        print(f"step {{step}} after {{name}}", flush=True)
        time.sleep({pause})
        return result
    return call

for name in ("fsync", "replace", "symlink"):
    setattr(os, name, hooked(name, getattr(os, name)))
print("step 0 ready", flush=True)
write_snapshot(Path(sys.argv[1]), data)
print("done", flush=True)
"""


def _child(root: Path) -> subprocess.Popen:
    code = _CHILD.format(repo=str(REPO_ROOT), rows=ROWS_B, pause=PAUSE_S)
    return subprocess.Popen([sys.executable, "-c", code, str(root)], cwd=REPO_ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def tables(version: str, rows: int) -> dict[str, pa.Table]:
    """Deterministic tables; A and B differ in every table."""
    out = {}
    for index, name in enumerate(TABLE_NAMES):
        n = rows + index
        out[name] = pa.table({
            "trial_id": [f"{version}-{name}-{i:07d}" for i in range(n)],
            "value": [f"{version} value {i * 7919 % 100003} of {name}" for i in range(n)],
            "number": pa.array([i * (index + 1) for i in range(n)], pa.int64()),
        })
    return out


def _same(got: dict[str, pa.Table], want: dict[str, pa.Table]) -> bool:
    return sorted(got) == sorted(want) and all(got[name].equals(want[name]) for name in want)


def _steps(root: Path) -> list[str]:
    """The step lines of one complete, unkilled write (into a scratch warehouse)."""
    child = _child(root)
    out, err = child.communicate(timeout=120)
    assert child.returncode == 0, err
    return [line for line in out.splitlines() if line.startswith("step ")]


def _kill_at(root: Path, step: int, extra_ms: float = 0.0) -> str:
    """SIGKILL the writer when it reports `step` (plus extra_ms); returns the last step line it printed."""
    child = _child(root)
    last = ""
    try:
        for line in child.stdout:
            last = line.strip()
            if last.startswith(f"step {step} "):
                time.sleep(extra_ms / 1000)
                child.send_signal(signal.SIGKILL)
                break
    finally:
        child.kill()
        child.wait(timeout=60)
    assert child.returncode == -signal.SIGKILL, f"the writer finished before step {step}"
    return last


def _kill_points(steps: list[str]) -> list[tuple[int, float]]:
    """Where to kill: during encoding (timed), around every rename/link call, and a spread of
    the fsync steps (first, middle, last files and the directory fsyncs at the end)."""
    numbers = [int(line.split()[1]) for line in steps]
    fsyncs = [n for n, line in zip(numbers, steps) if line.endswith("fsync")]
    others = [n for n, line in zip(numbers, steps) if not line.endswith("fsync")]
    spread = fsyncs[:2] + fsyncs[len(fsyncs) // 2:len(fsyncs) // 2 + 1] + fsyncs[-4:]
    return [(0, 5.0), (0, 50.0)] + [(n, 0.0) for n in sorted(set(spread + others))]


def test_sigkill_at_every_step_leaves_old_or_new_snapshot(tmp_path):
    a, b = tables("A", 200), tables("B", ROWS_B)
    steps = _steps(tmp_path / "scratch")
    assert any(line.endswith("replace") for line in steps) and any(line.endswith("symlink") for line in steps)
    seen: dict[str, str] = {}
    for index, (step, extra_ms) in enumerate(_kill_points(steps)):
        root = tmp_path / f"warehouse{index}"  # every round starts from a warehouse holding only A
        warehouse.write_snapshot(root, a)
        last = _kill_at(root, step, extra_ms)
        current = warehouse.read_current(root)  # readable: never raises
        is_a, is_b = _same(current, a), _same(current, b)
        assert is_a or is_b, f"after SIGKILL at {last!r} current is neither A nor B"
        seen[f"{last} +{extra_ms:g}ms"] = "A" if is_a else "B"
        # the next complete write succeeds and leaves no temp state behind
        warehouse.write_snapshot(root, b)
        assert _same(warehouse.read_current(root), b)
        assert [p.name for p in (root / "snapshots").iterdir() if ".tmp-" in p.name] == [], last
        assert [p.name for p in root.iterdir() if ".tmp-" in p.name] == [], last
    # kills before the link switch leave A, kills after it leave B: both were hit
    assert set(seen.values()) == {"A", "B"}, seen
    link = max(i for i, line in enumerate(steps) if line.endswith("after symlink"))
    assert seen[f"{steps[link]} +0ms"] == "A", "a new link that is not yet renamed over current must not count"
    assert seen[f"{steps[link + 2]} +0ms"] == "B", "after the rename of the link, current is the new snapshot"


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_next_write_cleans_temp_state_of_a_killed_run(tmp_path):
    """Deterministic version of the leftovers a kill can leave: a half-written snapshot dir and a
    half-made `current` link (killed between creating the new link and renaming it over `current`)."""
    root = tmp_path / "warehouse"
    a = tables("A", 50)
    warehouse.write_snapshot(root, a)
    pid = _dead_pid()
    stale_dir = root / "snapshots" / f"0123456789abcdef0123.tmp-{pid}"
    stale_dir.mkdir()
    (stale_dir / "trials.parquet").write_bytes(b"PAR1 half written")
    stale_link = root / f".current.tmp-{pid}"
    os.symlink(Path("snapshots") / "0123456789abcdef0123", stale_link, target_is_directory=True)
    assert _same(warehouse.read_current(root), a)  # readers ignore the leftovers
    warehouse.write_snapshot(root, tables("B", 50))
    assert not stale_dir.exists()
    assert not stale_link.is_symlink(), "a stale .current.tmp-<pid> link of a dead run is left behind"
