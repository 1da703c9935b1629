"""Measuring: the I/O floor, and a command's wall time and peak RSS of its whole process tree."""
from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

REPO = Path(__file__).resolve().parents[1]


def io_floor(raw: Path, out: Path) -> tuple[float, int]:
    """Seconds to read every file and write the bytes unchanged to one Parquet file."""
    started = time.perf_counter()
    paths, blobs = [], []
    for path in sorted(p for p in raw.rglob("*") if p.is_file()):
        paths.append(path.relative_to(raw).as_posix())
        blobs.append(path.read_bytes())
    pq.write_table(pa.table({"raw_path": paths, "content": pa.array(blobs, pa.binary())}), out, compression="zstd")
    return time.perf_counter() - started, sum(map(len, blobs))


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as fh:
                ppid = int(fh.read().rsplit(b")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        tree.setdefault(ppid, []).append(int(entry))
    return tree


def _rss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii", errors="replace") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def tree_rss_mb(root: int) -> float:
    """RSS of a process and all its descendants now (MiB)."""
    tree, total, todo = _children(), 0, [root]
    while todo:
        pid = todo.pop()
        total += _rss_kb(pid)
        todo.extend(tree.get(pid, ()))
    return total / 1024


def run_measured(command: list[str], interval: float = 0.05) -> tuple[float, float, subprocess.CompletedProcess]:
    """(seconds, peak RSS MiB of the process tree sampled every `interval`, completed process)."""
    env = {k: v for k, v in os.environ.items() if k != "DAGSTER_HOME"}  # ephemeral instance: measure the pipeline
    env["DAGSTER_DISABLE_TELEMETRY"] = "1"
    started = time.perf_counter()
    proc = subprocess.Popen(command, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak = [0.0]
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            peak[0] = max(peak[0], tree_rss_mb(proc.pid))
            done.wait(interval)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, err = proc.communicate()
    seconds = time.perf_counter() - started
    done.set()
    sampler.join()
    return seconds, peak[0], subprocess.CompletedProcess(command, proc.returncode, out, err)


def ingest_command(raw: Path, warehouse: Path, workers: int, memory_limit: str) -> list[str]:
    command = [sys.executable, "-m", "pipelines.cli", "ingest", "--raw", str(raw), "--warehouse", str(warehouse),
               "--memory-limit", memory_limit]
    return command + (["--workers", str(workers)] if workers else [])


def snapshot_hashes(warehouse: Path) -> dict[str, str]:
    current = (warehouse / "current").resolve()
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(current.glob("*.parquet"))}
