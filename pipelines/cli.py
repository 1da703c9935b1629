"""`trialbridge ingest`: run the Dagster asset graph headless over a raw dir, with progress and a summary.

`trialbridge query SQL` answers SQL over the current snapshot (pipelines/query.py).

The same jobs the sensor and the UI launch: register one dynamic partition per raw batch, run
`ingest_batch` per batch, then `build_warehouse` (reconcile, blocking checks, atomic switch).
Runs land in the DAGSTER_HOME instance when it is set (so they show in `make dev`), else in an
ephemeral one. Only batches with new, changed or removed files are run, and the snapshot step
only when something changed. One writer per warehouse: a second ingest waits for the first
(saying so) or, with --no-wait, exits with code 3. Exit code: 0 on success (quarantined files
are a normal outcome), 1 when a step or a warehouse check fails, 2 on bad arguments.
"""
from __future__ import annotations

import argparse
import gc
import os
import sys
import time
from collections import Counter
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from concurrent.futures import Future

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_BUSY = 0, 1, 2, 3
QUIET_RUN_CONFIG = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("trialbridge")
    except PackageNotFoundError:
        return "unknown"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="trialbridge", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"trialbridge {_version()}")
    commands = parser.add_subparsers(dest="command", required=True)
    ingest = commands.add_parser("ingest", help="parse raw/ and write a reconciled warehouse snapshot")
    ingest.add_argument("--raw", required=True, type=Path, help="raw landing directory (read only)")
    ingest.add_argument("--warehouse", required=True, type=Path, help="warehouse root (gets current/ and snapshots/)")
    ingest.add_argument("--workers", type=int, default=0, help="processes that parse a batch and that resolve trials (default: all CPUs)")
    ingest.add_argument("--max-file-mb", type=float, default=5.0, help="files larger than this are quarantined (default 5)")
    ingest.add_argument("--memory-limit", default="1GB",
                        help="memory budget of the snapshot step (DuckDB memory_limit, e.g. 512MB, 2GB; it spills beyond)")
    ingest.add_argument("--publish-to", default="", metavar="URI",
                        help="also publish each snapshot to this URI (file://, s3://, memory://...): "
                             "<URI>/snapshots/<id>/ and <URI>/CURRENT")
    ingest.add_argument("--no-wait", action="store_true",
                        help="exit at once (code 3) when another ingest is writing this warehouse, instead of waiting")
    query = commands.add_parser("query", help="SQL (DuckDB) over the current snapshot: one view per table, "
                                              "DESCRIBE <table> shows the data dictionary")
    query.add_argument("sql", help="one SQL statement, e.g. \"select phase, count(*) from trials group by all\"")
    query.add_argument("--warehouse", type=Path, default=Path("warehouse"), help="warehouse root (default: warehouse)")
    query.add_argument("--format", choices=("table", "csv", "json"), default="table", help="output format (default: table)")
    return parser


@dataclass
class IngestReport:
    exit_code: int
    seconds: float
    batches: int = 0
    batches_run: int = 0  # batches with new, changed or removed files
    snapshot_rebuilt: bool = False
    error: str | None = None
    files_by_source: dict[str, int] = field(default_factory=dict)
    quarantined_by_reason: dict[str, int] = field(default_factory=dict)
    trials: int = 0
    merged_trials: int = 0
    warnings: int = 0
    snapshot: str | None = None
    quality_report: str | None = None


@contextmanager
def _instance():
    import dagster as dg

    instance = dg.DagsterInstance.get() if os.environ.get("DAGSTER_HOME") else dg.DagsterInstance.ephemeral()
    try:
        yield instance
    finally:
        instance.dispose()


def _failure_text(result) -> str:
    messages = []
    for event in result.get_step_failure_events():
        data = event.step_failure_data
        user = getattr(data, "user_failure_data", None)
        if user is not None and user.description:
            messages.append(user.description)
        elif data.error is not None:
            messages.append(data.error.message.strip())
    return " / ".join(messages) or "run failed"


def _intake_line(result, batch_key: str) -> str:
    """One line per batch: files, records per source (from the parsed_* assets), quarantined."""
    from pipelines.defs.intake import INTAKE_KEY, parsed_key
    from pipelines.ingest import SOURCES

    events = result.asset_materializations_for_node(INTAKE_KEY)
    if not events:
        return f"batch {batch_key}: done"
    meta = events[-1].metadata
    value = lambda k: meta[k].value if k in meta else 0  # noqa: E731
    per_source = []
    for source in SOURCES:
        parsed = result.asset_materializations_for_node(parsed_key(source))
        rows = parsed[-1].metadata["dagster/row_count"].value if parsed else 0
        if rows:
            per_source.append(f"{source} {rows}")
    return (f"batch [bold]{batch_key}[/]: {value('files')} files | {', '.join(per_source) or 'no records'} | "
            f"{value('quarantined')} quarantined | {value('warnings')} warnings | {value('files_per_second')} files/s")


def _drift_alert(result, batch_key: str) -> str | None:
    """The drift line of a batch, from the parsed_* assets' drift metadata (parsers/drift.py)."""
    from parsers.drift import alert_line
    from pipelines.defs.intake import parsed_key
    from pipelines.ingest import SOURCES

    drifted = []
    for source in SOURCES:
        events = result.asset_materializations_for_node(parsed_key(source))
        meta = events[-1].metadata if events else {}
        departures = meta["drift_departures"].value if "drift_departures" in meta else "none"
        if departures != "none":
            drifted.append((source, meta["drift_pages"].value, departures))
    return alert_line(batch_key, drifted)


def summarize_warehouse(warehouse_root: Path, report: IngestReport) -> None:
    """Fill the report from <warehouse>/current (what an analyst would read)."""
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    from pipelines.parquet_read import read_parquet

    current = warehouse_root / "current"
    report.snapshot = str(current.resolve())
    records = read_parquet(current / "source_records.parquet", ["source", "trial_id", "warnings"])
    report.files_by_source = dict(sorted(Counter(records.column("source").to_pylist()).items()))
    report.warnings = int(pc.sum(pc.list_value_length(records.column("warnings"))).as_py() or 0)
    per_trial = Counter(records.column("trial_id").to_pylist())
    report.merged_trials = sum(1 for n in per_trial.values() if n > 1)
    report.trials = pq.read_metadata(current / "trials.parquet").num_rows
    quarantine = read_parquet(current / "quarantine.parquet", ["reason"])
    report.quarantined_by_reason = dict(sorted(Counter(quarantine.column("reason").to_pylist()).items()))
    if (current / "quality.html").is_file():
        report.quality_report = str(current / "quality.html")


def run_ingest(raw: Path, warehouse: Path, workers: int = 0, max_file_bytes: int = 5_000_000, console=None,
               memory_limit: str = "1GB", wait: bool = True, publish_uri: str = "") -> IngestReport:
    """Intake what changed and publish a snapshot, holding the warehouse's writer lock."""
    from rich.console import Console

    from pipelines.lock import WarehouseBusy, exclusive

    console = console or Console(stderr=True)
    started = time.perf_counter()
    if not raw.is_dir():
        return IngestReport(EXIT_USAGE, 0.0, error=f"raw directory {raw.resolve()} does not exist")
    warehouse.mkdir(parents=True, exist_ok=True)
    try:
        with exclusive(warehouse, wait=wait, on_wait=lambda msg: console.print(f"[yellow]{msg}[/]", soft_wrap=True)):
            report = _run_ingest_locked(raw, warehouse, workers, max_file_bytes, console, memory_limit, publish_uri)
    except WarehouseBusy as busy:
        return IngestReport(EXIT_BUSY, time.perf_counter() - started, error=f"{busy}; try again when it has finished")
    report.seconds = time.perf_counter() - started
    return report


def _run_ingest_locked(raw: Path, warehouse: Path, workers: int, max_file_bytes: int, console,
                       memory_limit: str, publish_uri: str = "") -> IngestReport:
    from pipelines import ingest
    from pipelines.staging.store import batch_changed

    raw, warehouse = raw.resolve(), warehouse.resolve()
    scanned = [ingest.scan_raw_paths(raw)]  # batch key -> its raw paths; handed over (see below)
    staged = {key for key in scanned[0] if ingest.is_staged(warehouse, key)}
    with ExitStack() as intake_workers:
        intake_workers.enter_context(ingest.shared_workers())  # every batch of the run in the same workers
        # started before Dagster is imported, they check the staged batches' files, then parse
        # the first new batch's first chunks, while this process imports it and opens the instance
        first = next((key for key, paths in scanned[0].items()
                      if key not in staged and len(paths) >= ingest.MIN_FILES_FOR_POOL), None)
        checks = {}
        if first is not None:
            keys = sorted(staged)
            futures = ingest.start_workers(workers, first=(partial(ingest.batch_files, raw, scanned[0][first]), raw,
                                                           max_file_bytes),
                                           also=[(batch_changed, (warehouse, raw, key, scanned[0][key])) for key in keys])
            checks = dict(zip(keys, futures or ()))
        return _run_batches_and_snapshot(raw, warehouse, workers, max_file_bytes, console, memory_limit, publish_uri,
                                         scanned, staged, checks, intake_workers)


def _run_batches_and_snapshot(raw: Path, warehouse: Path, workers: int, max_file_bytes: int, console,
                              memory_limit: str, publish_uri: str, scanned: list[dict[str, list[str]]],
                              staged: set[str], checks: dict[str, Future], intake_workers: ExitStack) -> IngestReport:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from pipelines import ingest
    from pipelines.definitions import build_defs
    from pipelines.defs.jobs import INGEST_BATCH_JOB, SNAPSHOT_JOB
    from pipelines.defs.partitions import RAW_BATCHES
    from pipelines.defs.resources import TrialbridgeConfig
    from pipelines.memory import frozen_heap

    from pipelines.warehouse.engine import is_up_to_date

    batches = scanned.pop()  # the only reference: dropped before the snapshot step
    config = TrialbridgeConfig(raw_root=str(raw), warehouse_root=str(warehouse),
                               max_file_bytes=max_file_bytes, workers=workers, memory_limit=memory_limit,
                               publish_uri=publish_uri)
    defs = build_defs(config)
    batch_job, snapshot_job = defs.resolve_job_def(INGEST_BATCH_JOB), defs.resolve_job_def(SNAPSHOT_JOB)
    report = IngestReport(EXIT_OK, 0.0, batches=len(batches))

    columns = (SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    # frozen_heap: the imports' objects (Dagster's, about 250,000) are not re-scanned by each of
    # the collector's full passes during the run, nor by each release_memory() (0.13 s)
    with frozen_heap(), _instance() as instance, Progress(*columns, console=console, transient=False) as progress:
        known = set(instance.get_dynamic_partitions(RAW_BATCHES))
        new_keys = [k for k in batches if k not in known]
        if new_keys:
            instance.add_dynamic_partitions(RAW_BATCHES, new_keys)
        task = progress.add_task("batches", total=len(batches) + 1)
        keys = list(batches)
        for position, (key, paths) in enumerate(batches.items()):
            if key in staged and not _batch_changed(checks.get(key), warehouse, raw, key, paths):
                progress.console.print(f"batch [bold]{key}[/]: {len(paths)} files, unchanged since staged")
                progress.advance(task)
                continue
            # the workers start on the next new batch as this one's intake ends (its last
            # chunks out), not after this batch's Dagster run: about 1 s a batch
            following = next((k for k in keys[position + 1:] if k not in staged), None)
            ingest.expect_next_intake(partial(ingest.batch_files, raw, batches[following]) if following else None,
                                      raw, max_file_bytes, workers)
            report.batches_run += 1
            progress.update(task, description=f"intake + parse [bold]{key}[/] ({len(paths)} files)")
            result = batch_job.execute_in_process(partition_key=key, instance=instance,
                                                  run_config=QUIET_RUN_CONFIG, raise_on_error=False)
            if not result.success:
                report.exit_code, report.error = EXIT_FAILED, f"batch {key}: {_failure_text(result)}"
                break
            progress.console.print(_intake_line(result, key))
            if alert := _drift_alert(result, key):
                progress.console.print(f"[yellow]{alert}[/]")
            progress.advance(task)
        intake_workers.close()  # stopped before the snapshot step: their memory is its budget's
        batch_keys = list(batches)
        # the run's listing goes to the snapshot step (which would otherwise walk raw/ again and
        # hold a listing of its own): it snapshots exactly the files this run took in
        listing, batches, paths = batches, None, None
        removed = set(ingest.staged_batches(warehouse)) - set(batch_keys)
        if report.exit_code == EXIT_OK and not removed and is_up_to_date(warehouse, batch_keys):
            progress.console.print("nothing new, changed or removed: the current snapshot stands")
            progress.advance(task)
        elif report.exit_code == EXIT_OK:
            report.snapshot_rebuilt = True
            progress.update(task, description="reconcile, check, write snapshot")
            # what the batches' runs left (their events, the raw file lists' entries) joins the
            # frozen imports: the snapshot step's collections (release_memory, 0.05-0.11 s each
            # at 100,000 pages) then scan only what the step makes; garbage among them is still
            # freed by its reference count, a cycle at the end of the run
            gc.freeze()
            with ingest.listing_handed_over(raw, listing):
                result = snapshot_job.execute_in_process(instance=instance, run_config=QUIET_RUN_CONFIG,
                                                         raise_on_error=False)
            if result.success:
                progress.advance(task)
            else:
                report.exit_code, report.error = EXIT_FAILED, _failure_text(result)
    if report.exit_code == EXIT_OK:
        summarize_warehouse(warehouse, report)
    return report


def _batch_changed(check: Future | None, warehouse: Path, raw: Path, key: str, paths: list[str]) -> bool:
    """The workers' answer to batch_changed when they gave one, else this process's."""
    from pipelines.staging.store import batch_changed

    if check is not None and check.exception() is None:  # waits for it; failed: a pool that broke
        return check.result()
    return batch_changed(warehouse, raw, key, paths)


def print_summary(report: IngestReport, console) -> None:
    from rich.table import Table

    table = Table(title="trialbridge ingest", show_header=True)
    table.add_column("what")
    table.add_column("value", justify="right")
    for source, n in report.files_by_source.items():
        table.add_row(f"records: {source}", str(n))  # an export file holds many records
    quarantined = sum(report.quarantined_by_reason.values())
    table.add_row("quarantined", str(quarantined))
    for reason, n in report.quarantined_by_reason.items():
        table.add_row(f"  {reason}", str(n))
    table.add_row("trials", str(report.trials))
    table.add_row("merged trials (>1 record)", str(report.merged_trials))
    table.add_row("warnings", str(report.warnings))
    table.add_row("batches", str(report.batches))
    table.add_row("snapshot", report.snapshot or "-")
    table.add_row("quality report", report.quality_report or "-")
    table.add_row("seconds", f"{report.seconds:.2f}")
    console.print(table)


def main(argv: list[str] | None = None) -> int:
    from rich.console import Console

    args = build_parser().parse_args(argv)
    if args.command == "query":
        from pipelines.query import query_main

        return query_main(args.sql, args.warehouse, args.format)
    console = Console()
    if args.command == "ingest":
        if args.max_file_mb <= 0 or args.workers < 0:
            console.print("[red]--max-file-mb must be > 0 and --workers >= 0[/]")
            return EXIT_USAGE
        report = run_ingest(args.raw, args.warehouse, workers=args.workers,
                            max_file_bytes=int(args.max_file_mb * 1_000_000), console=Console(stderr=True),
                            memory_limit=args.memory_limit, wait=not args.no_wait, publish_uri=args.publish_to)
        if report.error:  # one line on stderr, never wrapped
            Console(stderr=True).print(f"[bold red]error:[/] {report.error}", soft_wrap=True)
        if report.exit_code == EXIT_OK:
            print_summary(report, console)
        return report.exit_code
    return EXIT_USAGE


def program() -> None:
    """The `trialbridge` command (and `python -m pipelines.cli`): main(), then exit with its code."""
    code = main()
    # the process ends here: frozen, the heap (Dagster's objects, the parsers' memos) is not walked
    # by the interpreter's last collection, which took 0.6-0.7 s of a 9 s +1% run (measured)
    gc.freeze()
    sys.exit(code)


if __name__ == "__main__":
    program()
