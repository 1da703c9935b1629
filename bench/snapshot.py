"""The snapshot step alone over an existing warehouse's staging, with its laps and peak RSS:
`python -m bench.snapshot WAREHOUSE [--from-scratch] [--memory-limit 1GB]` (for profiling)."""
from __future__ import annotations

import argparse
import json
import time
from pathlib import Path


def _peak_rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def main() -> None:
    parser = argparse.ArgumentParser(prog="bench.snapshot", description=__doc__.splitlines()[0])
    parser.add_argument("warehouse", type=Path)
    parser.add_argument("--from-scratch", action="store_true", help="re-resolve every trial")
    parser.add_argument("--memory-limit", default="1GB")
    args = parser.parse_args()
    from pipelines import ingest
    from pipelines.warehouse.engine import build_snapshot

    keys = ingest.staged_batches(args.warehouse)
    raw_paths = []
    import pyarrow.parquet as pq

    for key in keys:
        raw_paths += pq.read_table(ingest.staged_batch_dir(args.warehouse, key) / "files.parquet",
                                   columns=["raw_path"]).column(0).to_pylist()
    before = _peak_rss_mb()
    started = time.perf_counter()
    result = build_snapshot(args.warehouse, keys, raw_paths, memory_limit=args.memory_limit,
                            incremental=not args.from_scratch)
    print(json.dumps({"seconds": round(time.perf_counter() - started, 2), "laps": result.seconds,
                      "trials_resolved": result.trials_resolved, "trials": result.trials_total,
                      "rss_before_mb": round(before, 1), "peak_rss_mb": round(_peak_rss_mb(), 1)}))


if __name__ == "__main__":
    main()
