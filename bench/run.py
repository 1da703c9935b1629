"""`make bench`: what a daily run costs, against the I/O floor, at registry scale.

Scenarios on one generated corpus (bench/corpus.py: N pages of real studies rendered in every
layout, in batches), each `trialbridge ingest` run as a child process (the real command,
startup included), each after a sync, with the peak RSS of its whole process tree sampled:

1. from scratch           an empty warehouse
2. nothing new            the same command again
3. +1% batch              a new batch of N/100 pages, then the same command
4. verify                 a from-scratch ingest of raw/ as it is now, into a second warehouse:
                          its tables must be byte-identical to scenario 3's (incremental) ones

The I/O floor (read every file, write the bytes unchanged to one Parquet file) is measured in
the same run. Prints a table and writes bench/out/results.json.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sys
import tempfile
import time
from pathlib import Path

from bench.corpus import generate
from bench.measure import ingest_command, io_floor, run_measured, snapshot_hashes

REPO = Path(__file__).resolve().parents[1]
OUT_DIR = REPO / "bench" / "out"


def _interpreter() -> str:
    """The interpreter every scenario ran on (its build moves the figures: tools/pick_python.py)."""
    return f"{platform.python_version()} {os.path.realpath(sys.executable)}"


def _scenario(name: str, raw: Path, warehouse: Path, args, files: int, floor: float) -> dict:
    # what the step before wrote (the floor's 650 MB file, a run's warehouse) is on disk before
    # the clock starts: its write-back is not this run's work, as a daily run starts on a quiet disk
    os.sync()
    seconds, peak, proc = run_measured(ingest_command(raw, warehouse, args.workers, args.memory_limit))
    if proc.returncode != 0:
        print(proc.stdout[-3000:], proc.stderr[-3000:], sep="\n", file=sys.stderr)
        raise SystemExit(f"bench: {name}: ingest failed with exit code {proc.returncode}")
    return {"scenario": name, "documents": files, "seconds": round(seconds, 2),
            "docs_per_second": round(files / seconds, 1), "ratio_to_floor": round(seconds / floor, 2),
            "peak_rss_mb": round(peak, 1)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench.run", description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000, help="pages in the corpus (default 100,000)")
    parser.add_argument("--batch-size", type=int, default=20_000, help="pages per raw batch (default 20,000)")
    parser.add_argument("--html-every", type=int, default=4, help="every k-th page as saved HTML (0 = none)")
    parser.add_argument("--workers", type=int, default=0, help="intake processes (default: all CPUs)")
    parser.add_argument("--memory-limit", default="1GB", help="snapshot step budget (default 1GB)")
    parser.add_argument("--corpus", type=Path, help="reuse (or create) the raw corpus in this directory")
    parser.add_argument("--no-verify", action="store_true", help="skip the from-scratch byte-identity check")
    parser.add_argument("--keep", action="store_true", help="keep the temp dir")
    args = parser.parse_args(argv)

    tmp = Path(tempfile.mkdtemp(prefix="trialbridge-bench-"))
    raw = args.corpus or tmp / "raw"
    try:
        started = time.perf_counter()
        if not (raw / "batch_0000").is_dir():
            raw.mkdir(parents=True, exist_ok=True)
            corpus = generate(raw, args.n, args.batch_size, args.html_every)
        else:
            corpus = f"reused {raw}"
        shutil.rmtree(raw / "new_0000", ignore_errors=True)  # a reused corpus starts without the +1% batch
        os.sync()  # the corpus on disk: its write-back no longer competes with the floor or the first run
        generated = time.perf_counter() - started
        files = sum(1 for p in raw.rglob("*") if p.is_file())
        floor_seconds, total_bytes = io_floor(raw, tmp / "floor.parquet")

        warehouse = tmp / "warehouse"
        rows = [_scenario("from scratch", raw, warehouse, args, files, floor_seconds),
                _scenario("nothing new", raw, warehouse, args, files, floor_seconds)]
        extra = max(1, args.n // 100)
        generate(raw, extra, extra, args.html_every, start=args.n, batch_prefix="new_")
        rows.append(_scenario("+1% batch", raw, warehouse, args, files + extra, floor_seconds))
        identical = None
        if not args.no_verify:
            check = tmp / "warehouse_scratch"
            rows.append(_scenario("verify: from scratch", raw, check, args, files + extra, floor_seconds))
            identical = snapshot_hashes(check) == snapshot_hashes(warehouse)
        scratch = rows[0]["seconds"]
        for row in rows[1:3]:
            row["share_of_from_scratch"] = round(row["seconds"] / scratch, 3)
        results = {
            "corpus": corpus, "documents": files, "megabytes": round(total_bytes / 1e6, 1),
            "workers": args.workers or len(os.sched_getaffinity(0)), "memory_limit": args.memory_limit,
            "generate_seconds": round(generated, 1), "floor_seconds": round(floor_seconds, 2),
            "floor_docs_per_second": round(files / floor_seconds, 1),
            "incremental_equals_from_scratch": identical, "scenarios": rows,
            "python": _interpreter(),
        }
        print(f"{files} documents ({results['megabytes']} MB, {corpus}); I/O floor {floor_seconds:.2f} s; "
              f"Python {results['python']}")
        header = f"{'scenario':<22}{'docs':>9}{'seconds':>10}{'docs/s':>10}{'x floor':>9}{'peak RSS MB':>13}{'of scratch':>12}"
        print(header)
        for row in rows:
            print(f"{row['scenario']:<22}{row['documents']:>9}{row['seconds']:>10}{row['docs_per_second']:>10}"
                  f"{row['ratio_to_floor']:>9}{row['peak_rss_mb']:>13}{row.get('share_of_from_scratch', ''):>12}")
        if identical is not None:
            print(f"incremental snapshot byte-identical to from-scratch: {identical}")
        OUT_DIR.mkdir(parents=True, exist_ok=True)
        (OUT_DIR / "results.json").write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
        return 0 if identical is not False else 1
    finally:
        if args.keep:
            print(f"kept {tmp}", file=sys.stderr)
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
