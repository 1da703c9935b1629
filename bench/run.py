"""`make bench`: documents/second end to end, peak memory, and the ratio to the I/O floor.

1. Generate N pages into a temp raw dir, in batches (top-level directories): real
   ClinicalTrials.gov v2 studies (../shared/real/ctgov_v2) rendered into each layout by the
   round-trip renderers (tests/render), a share of them as saved HTML. Each study is rendered
   in all three layouts with the same NCT id (so reconciliation merges), then later cycles get
   fresh synthetic ids (--distinct-titles: and altered titles). Without renderers or studies:
   the raw/ sample pages, copied with varied ids.
2. The I/O floor: read every file and write the bytes unchanged to one Parquet file.
3. `trialbridge ingest` on the same dir, in a child process (the real command, startup included).
4. The snapshot step alone (pipelines.warehouse.staged: load, reconcile, build every table) over
   the staging that ingest left, in a fresh child process: its peak RSS minus the RSS after
   imports is what the step itself needs. --compare-full also runs the full-record path
   (load_staged + reconcile + build_tables over whole records) the same way.
Prints throughput, peak RSS (getrusage, this process and the largest child) and the ratio.
"""
from __future__ import annotations

import argparse
import copy
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

REPO = Path(__file__).resolve().parents[1]
OUT_DIR = REPO / "bench" / "out"
NCT = re.compile(r"NCT\d{8}")


def _shared_dir() -> Path:
    return Path(os.environ.get("TRIALBRIDGE_SHARED", REPO.parent / "shared"))


def _load_studies() -> list[dict]:
    directory = _shared_dir() / "real" / "ctgov_v2"
    studies = []
    for path in sorted(directory.glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        studies.append(data["studies"][0] if "studies" in data else data)
    return studies


def _with_nct(study: dict, nct_id: str) -> dict:
    study = copy.deepcopy(study)
    study.setdefault("protocolSection", {}).setdefault("identificationModule", {})["nctId"] = nct_id
    return study


def _with_distinct_titles(study: dict, seed: str, vocabulary: list[str]) -> dict:
    """Every other title word replaced by a seeded pick from `vocabulary`: later cycles then do not
    repeat the first cycle's titles, which would make similar-title link candidates grow with the
    square of the cycle count (a real registry rarely repeats a title)."""
    import random

    module = study.setdefault("protocolSection", {}).setdefault("identificationModule", {})
    for key in ("briefTitle", "officialTitle"):
        if module.get(key):
            rng = random.Random(f"{seed}:{key}")
            module[key] = " ".join(rng.choice(vocabulary) if i % 2 else word
                                   for i, word in enumerate(module[key].split()))
    return study


def _title_vocabulary(studies: list[dict]) -> list[str]:
    words = set()
    for study in studies:
        module = study.get("protocolSection", {}).get("identificationModule", {})
        for key in ("briefTitle", "officialTitle"):
            words.update(w for w in (module.get(key) or "").split() if w.isalpha())
    return sorted(words)


def generate_rendered(raw: Path, n: int, batch_size: int, html_every: int, distinct_titles: bool = False) -> str:
    """Real studies through the round-trip renderers; returns a description of the corpus."""
    sys.path.insert(0, str(REPO))
    from tests.render.variants import LAYOUTS, apply, choose_variant, render_page  # lazy: test code

    studies = _load_studies()
    if not studies:
        raise FileNotFoundError("no v2 studies")
    per_cycle = len(studies) * len(LAYOUTS)
    vocabulary = _title_vocabulary(studies) if distinct_titles else []
    for i in range(n):
        cycle, rest = divmod(i, per_cycle)
        layout_index, study_index = divmod(rest, len(studies))
        study = studies[study_index]
        if cycle:
            study = _with_nct(study, f"NCT{90_000_000 + cycle * 100_000 + study_index:08d}")
            if distinct_titles:
                study = _with_distinct_titles(study, f"{cycle}:{study_index}", vocabulary)
        layout = LAYOUTS[layout_index]
        page = render_page(layout, study)
        html = html_every > 0 and i % html_every == 0
        text = apply(page, choose_variant(page, html=html))
        path = raw / f"batch_{i // batch_size:04d}" / f"{i:06d}_{layout}.{'html' if html else 'txt'}"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8", newline="")
    titles = ", later cycles with distinct titles" if distinct_titles else ""
    return f"{len(studies)} real v2 studies x {len(LAYOUTS)} layouts (1 in {html_every} as HTML{titles})"


def generate_from_samples(raw: Path, n: int, batch_size: int) -> str:
    samples = sorted(p for p in (REPO / "raw").iterdir() if p.is_file() and NCT.search(p.read_text("utf-8", "replace")))
    if not samples:
        raise SystemExit("bench: no renderers/studies and no raw/ sample pages with an NCT id to copy")
    texts = [(p.suffix, p.read_text(encoding="utf-8")) for p in samples]
    for i in range(n):
        suffix, text = texts[i % len(texts)]
        cycle = i // len(texts)
        text = NCT.sub(lambda m: f"NCT{(int(m.group()[3:]) + cycle * 7919) % 100_000_000:08d}", text)
        path = raw / f"batch_{i // batch_size:04d}" / f"{i:06d}{suffix}"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8", newline="")
    return f"{len(samples)} raw/ sample pages with varied NCT ids"


def io_floor(raw: Path, out: Path) -> tuple[float, int]:
    """Seconds to read every file and write the bytes unchanged to one Parquet file."""
    started = time.perf_counter()
    paths, blobs = [], []
    for path in sorted(p for p in raw.rglob("*") if p.is_file()):
        paths.append(path.relative_to(raw).as_posix())
        blobs.append(path.read_bytes())
    pq.write_table(pa.table({"raw_path": paths, "content": pa.array(blobs, pa.binary())}), out, compression="zstd")
    return time.perf_counter() - started, sum(map(len, blobs))


def run_ingest(raw: Path, warehouse: Path, workers: int) -> tuple[float, subprocess.CompletedProcess]:
    env = {k: v for k, v in os.environ.items() if k != "DAGSTER_HOME"}  # ephemeral instance: measure the pipeline
    env["DAGSTER_DISABLE_TELEMETRY"] = "1"
    command = [sys.executable, "-m", "pipelines.cli", "ingest", "--raw", str(raw), "--warehouse", str(warehouse)]
    if workers:
        command += ["--workers", str(workers)]
    started = time.perf_counter()
    proc = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True)
    return time.perf_counter() - started, proc


def _mb(kilobytes: int) -> float:
    return kilobytes / 1024  # Linux ru_maxrss is in KiB


def _peak_rss_mb() -> float:
    """This process's peak RSS. VmHWM, not ru_maxrss: Linux carries ru_maxrss over from the
    parent across fork+exec, so a child would report at least the bench process's peak."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return _mb(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)


def snapshot_step_child(warehouse: Path, full: bool) -> None:
    """Child body: build every table from the staging under `warehouse`, print peak RSS as JSON."""
    from pipelines import ingest
    from pipelines.reconcile import reconcile
    from pipelines.warehouse import build_tables
    from pipelines.warehouse.staged import build_staged_tables

    keys = sorted(p.name for p in ingest.staging_root(warehouse).iterdir()
                  if p.is_dir() and ingest.is_staged(warehouse, p.name))
    after_imports = _peak_rss_mb()
    started = time.perf_counter()
    if full:
        parsed, quarantined = ingest.load_staged(warehouse, keys)
        tables = build_tables(parsed, quarantined, reconcile(parsed))
    else:
        tables = build_staged_tables(warehouse, keys)
    print(json.dumps({
        "seconds": round(time.perf_counter() - started, 2),
        "rss_after_imports_mb": round(after_imports, 1),
        "peak_rss_mb": round(_peak_rss_mb(), 1),
        "rows": sum(t.num_rows for t in tables.values()),
    }))


def measure_snapshot_step(warehouse: Path, full: bool) -> dict:
    command = [sys.executable, "-m", "bench.run", "--snapshot-step", str(warehouse)] + (["--full"] if full else [])
    proc = subprocess.run(command, cwd=REPO, capture_output=True, text=True, check=True)
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    result["step_mb"] = round(result["peak_rss_mb"] - result["rss_after_imports_mb"], 1)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench.run", description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=5000, help="pages to generate (default 5000)")
    parser.add_argument("--batch-size", type=int, default=1000, help="pages per raw batch (default 1000)")
    parser.add_argument("--html-every", type=int, default=4, help="every k-th page as saved HTML (0 = none)")
    parser.add_argument("--workers", type=int, default=0, help="intake processes (default: all CPUs)")
    parser.add_argument("--keep", action="store_true", help="keep the temp dir")
    parser.add_argument("--distinct-titles", action="store_true",
                        help="later cycles of the real studies get altered titles (see _with_distinct_titles)")
    parser.add_argument("--compare-full", action="store_true",
                        help="also measure the snapshot step over fully loaded records (the pre-streaming path)")
    parser.add_argument("--snapshot-step", type=Path, metavar="WAREHOUSE", help=argparse.SUPPRESS)  # child mode
    parser.add_argument("--full", action="store_true", help=argparse.SUPPRESS)  # child mode
    args = parser.parse_args(argv)
    if args.snapshot_step:
        snapshot_step_child(args.snapshot_step, args.full)
        return 0

    tmp = Path(tempfile.mkdtemp(prefix="trialbridge-bench-"))
    raw, warehouse = tmp / "raw", tmp / "warehouse"
    raw.mkdir()
    try:
        started = time.perf_counter()
        try:
            corpus = generate_rendered(raw, args.n, args.batch_size, args.html_every, args.distinct_titles)
        except (ImportError, FileNotFoundError) as exc:
            print(f"renderers unavailable ({exc}); copying raw/ samples", file=sys.stderr)
            shutil.rmtree(raw)
            raw.mkdir()
            corpus = generate_from_samples(raw, args.n, args.batch_size)
        generated = time.perf_counter() - started
        files = sum(1 for p in raw.rglob("*") if p.is_file())

        floor_seconds, total_bytes = io_floor(raw, tmp / "floor.parquet")
        ingest_seconds, proc = run_ingest(raw, warehouse, args.workers)
        if proc.returncode != 0:
            print(proc.stdout[-3000:], proc.stderr[-3000:], sep="\n", file=sys.stderr)
            print(f"bench: ingest failed with exit code {proc.returncode}", file=sys.stderr)
            return 1

        self_peak = _mb(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
        child_peak = _mb(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)  # before the step children
        step = measure_snapshot_step(warehouse, full=False)
        full_step = measure_snapshot_step(warehouse, full=True) if args.compare_full else None
        results = {
            "documents": files,
            "corpus": corpus,
            "megabytes": round(total_bytes / 1e6, 2),
            "batches": args.n // args.batch_size + bool(args.n % args.batch_size),
            "workers": args.workers or len(os.sched_getaffinity(0)),
            "generate_seconds": round(generated, 2),
            "ingest_seconds": round(ingest_seconds, 2),
            "ingest_docs_per_second": round(files / ingest_seconds, 1),
            "floor_seconds": round(floor_seconds, 3),
            "floor_docs_per_second": round(files / floor_seconds, 1),
            "ratio_to_floor": round(ingest_seconds / floor_seconds, 1),
            "peak_rss_mb_bench_process": round(self_peak, 1),
            "peak_rss_mb_largest_child": round(child_peak, 1),
            "snapshot_step_seconds": step["seconds"],
            "snapshot_step_peak_rss_mb": step["peak_rss_mb"],
            "snapshot_step_mb_over_imports": step["step_mb"],
            "snapshot_step_kb_per_document": round(step["step_mb"] * 1024 / files, 1),
        }
        if full_step:
            results.update({
                "full_records_step_seconds": full_step["seconds"],
                "full_records_step_peak_rss_mb": full_step["peak_rss_mb"],
                "full_records_step_mb_over_imports": full_step["step_mb"],
                "full_records_step_kb_per_document": round(full_step["step_mb"] * 1024 / files, 1),
            })
        print(proc.stdout)
        width = max(map(len, results))
        for key, value in results.items():
            print(f"{key:<{width}}  {value}")
        OUT_DIR.mkdir(parents=True, exist_ok=True)
        (OUT_DIR / "results.json").write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
        return 0
    finally:
        if args.keep:
            print(f"kept {tmp}", file=sys.stderr)
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
