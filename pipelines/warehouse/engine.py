"""The snapshot step: staged batches -> every warehouse table -> checks -> atomic switch.

Runs on DuckDB under a memory budget (joins and sorts spill to <warehouse>/_spill), with the
decisions that need Python (clustering, field precedence) made by the same pure functions as
pipelines.reconcile, one trial at a time. Incremental: a trial whose records (record_id,
sha256, parser_version) are exactly those it had in the current snapshot keeps its rows of the
resolved tables (trials, field_provenance, the trial-grain lists) from that snapshot, when the snapshot was built by this engine
(ENGINE_FINGERPRINT: the code that decides those rows). Every other table is made from staging
by DuckDB joins and sorts. Written, a table sorted by trial_id keeps the previous snapshot's row
groups that no dirty trial reaches (pipelines.warehouse.row_group_reuse): only the rows of the
others are queried, sorted and encoded. The result is the one a from-scratch build writes, byte
for byte (tests/pipelines/test_engine.py).
"""
from __future__ import annotations

import json
import shutil
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from pipelines import checks
from pipelines.arrow_rows import table_from_rows
from pipelines.fingerprint import ENGINE_FINGERPRINT
from pipelines.memory import release_memory
from pipelines.parquet_read import read_parquet
from pipelines.report.drawer import ChartDrawer
from pipelines.staging.rows import staged_schemas
from pipelines.staging.store import staging_digest
from pipelines.warehouse import snapshot as snap
from pipelines.reconcile.clustering import BLOCKED_METHOD
from pipelines.warehouse.cluster_staged import cluster_records, kept_rows_sql
from pipelines.warehouse.components import COMPONENTS_FILE, save_components
from pipelines.warehouse.duck import (DEFAULT_MEMORY_LIMIT, budget_bytes, connect, copy_sorted, drop_tables, quote, register_parquet,
                                      share_of_budget, sql_string, table_from_arrow)
from pipelines.staging.pool import default_workers
from pipelines.warehouse.title_pairs import title_candidates
from pipelines.warehouse.resolve_touched import RESOLVED_TABLES, resolve_touched, resolves_in_process, touched_records
from pipelines.warehouse.schema import TABLES
from pipelines.warehouse.staged_batches import StagedBatches
from pipelines.warehouse.staged_tables import FROM_STAGED, narrowed, stand_in

STATE_FILE = "_engine_state.json"
SPILL_DIR = "_spill"


class ChecksFailed(RuntimeError):
    def __init__(self, outcomes: list[checks.CheckOutcome]):
        super().__init__(checks.failure_message(outcomes))
        self.outcomes = outcomes


@dataclass
class SnapshotResult:
    snapshot: Path
    row_counts: dict[str, int]
    outcomes: list[checks.CheckOutcome]
    trials_resolved: int  # trials re-resolved by this run (the others were carried over)
    trials_total: int
    seconds: dict[str, float] = field(default_factory=dict)


def _carry_over_source(warehouse_root: Path) -> Path | None:
    """The current snapshot dir, when this engine built it (its rows can be carried over)."""
    current = Path(warehouse_root) / snap.CURRENT
    state = _state(warehouse_root)
    try:
        target = current.resolve(strict=True)
    except OSError:
        return None
    if state.get("engine") != ENGINE_FINGERPRINT or state.get("snapshot") != target.name:
        return None
    if not all((target / f"{name}.parquet").exists() for name in (*RESOLVED_TABLES, "source_records")):
        return None
    return target


def _state(warehouse_root: Path) -> dict:
    try:
        return json.loads((Path(warehouse_root) / STATE_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def is_up_to_date(warehouse_root: Path, batch_keys: list[str]) -> bool:
    """True when `current` was built by this engine from exactly the staging there is now:
    nothing new, changed or removed, so the snapshot step has nothing to do."""
    state = _state(warehouse_root)
    current = Path(warehouse_root) / snap.CURRENT
    return (state.get("engine") == ENGINE_FINGERPRINT and current.is_dir()
            and state.get("snapshot") == current.resolve().name
            and state.get("staging") == staging_digest(warehouse_root, batch_keys))


def _register_staged(con, staged_batches: StagedBatches) -> None:
    """Views s_<table> over every staged batch's files."""
    for name, schema in staged_schemas().items():
        register_parquet(con, f"s_{name}", staged_batches.files(name), schema)


def _cluster(con, root: Path, previous: Path | None, workers: int) -> list:
    """cluster_staged.cluster_records with the previous snapshot's records and components, when
    there is a previous snapshot this engine built and its components are there."""
    previous_components = root / COMPONENTS_FILE if previous is not None else None
    if previous_components is not None and not previous_components.exists():
        previous_components = None
    if previous is not None:
        register_parquet(con, "prev_records", [previous / "source_records.parquet"], TABLES["source_records"])
    return cluster_records(con, previous_components, workers)


def _mark_touched(con, previous: Path | None) -> None:
    """TABLE touched(trial_id): trials to resolve now (all of them without a usable previous
    snapshot): the trials whose records differ from those of the previous trial of that id, in
    which record, its bytes or its parser version. A (record, trial, sha256, parser version) row
    found on one side only names a touched trial on that side (when it exists now)."""
    if previous is None:
        con.execute("CREATE OR REPLACE TABLE touched AS SELECT DISTINCT trial_id FROM mapping")
        return
    con.execute("""CREATE OR REPLACE TABLE touched AS
        WITH now AS (SELECT r.record_id, m.trial_id, coalesce(r.sha256, '') AS sha, r.parser_version AS version
                     FROM s_source_records r JOIN mapping m USING (record_id)),
        before AS (SELECT record_id, trial_id, coalesce(sha256, '') AS sha, parser_version AS version
                   FROM prev_records),
        one_side AS (SELECT coalesce(n.trial_id, b.trial_id) AS trial_id FROM now n FULL JOIN before b
                     ON n.record_id = b.record_id AND n.trial_id = b.trial_id AND n.sha = b.sha
                        AND n.version IS NOT DISTINCT FROM b.version
                     WHERE n.record_id IS NULL OR b.record_id IS NULL)
        SELECT DISTINCT trial_id FROM one_side SEMI JOIN mapping USING (trial_id)""")


def _narrowed_resolved(name: str, select_sql: str):
    """copy_sorted's narrow for a resolved table: measured on the new rows and the previous
    snapshot's rows in the rewritten ranges (its row groups' statistics skip the others), not on
    every previous row."""
    def narrow(cursor, ranges_sql: str) -> tuple[str, str]:
        return select_sql, f"SELECT * FROM new_{name} UNION ALL SELECT * FROM prev_{name} WHERE {ranges_sql}"
    return narrow


def _resolved_table_sql(con, name: str, parts: list[Path], previous: Path | None) -> str:
    register_parquet(con, f"new_{name}", parts, TABLES[name])
    columns = ", ".join(quote(f.name) for f in TABLES[name])
    sql = f"SELECT {columns} FROM new_{name}"
    if previous is not None:
        register_parquet(con, f"prev_{name}", [previous / f"{name}.parquet"], TABLES[name])
        sql += (f" UNION ALL SELECT {columns} FROM prev_{name} "
                f"WHERE trial_id IN (SELECT trial_id FROM mapping) AND trial_id NOT IN (SELECT trial_id FROM touched)")
    return sql


SMALL_CHANGE = 0.05  # at most this share of the trials dirty: any two tables are written at a time
# Rows per record (provenance: ~20 a record, criteria: ~15, the records themselves) or a trial's
# texts (trials): the step's largest sorts, written one after another in this order, never two at
# once (_write_tables). The widest rows come last, when the other tables are done: source_records
# beside trials or the per-record tables held 180-220 MB more than alone at 100,000 pages.
LARGE_TABLES = ("field_provenance", "eligibility_criteria", "trials", "source_records")
TWO_QUERIES_MIN_BUDGET = 256_000_000  # below --memory-limit 256MB one query at a time: two share one budget


def _write_tables(con, sources: dict[str, str], stand_ins: dict[str, str], build: Path,
                  budget: int | None, previous: Path | None, dirty_trials: list[str],
                  narrowers: dict) -> dict[str, str]:
    """Every table through the deterministic writer, on two cursors, unless the budget is small
    (the two share it): then one at a time.

    From scratch (or after a large change), the LARGE_TABLES go one after another on one cursor
    and every other table beside them on the other: a table alone kept 1.6 of the 2 cores busy
    (its DuckDB sort, then Python and the encoders on its row groups), and any two at once held
    two large sorts, ~400 MB more at 200,000 pages (measured). After a small change
    (SMALL_CHANGE) each table sorts only its dirty trials' rows and copies the rest, so any two
    run at once, the largest first. A table sorted by trial_id keeps the previous snapshot's row
    groups no dirty trial reaches."""
    from pipelines.warehouse.build import sort_columns

    def reused(name: str) -> Path | None:
        if previous is None or sort_columns(name, TABLES[name])[0] != "trial_id":
            return None
        return previous / f"{name}.parquet"

    def write(cursor, name: str) -> str:
        return copy_sorted(cursor, name, TABLES[name], sources[name], build / f"{name}.parquet", budget,
                           stand_ins.get(name), reused(name), dirty_trials, narrowers.get(name))

    if budget is not None and budget < TWO_QUERIES_MIN_BUDGET:
        return {name: write(con, name) for name in TABLES}

    def write_lane(cursor, names: list[str]) -> dict[str, str]:
        return {name: write(cursor, name) for name in names}

    trials = pq.read_metadata(previous / "trials.parquet").num_rows if previous is not None else 0
    if previous is not None and len(dirty_trials) <= SMALL_CHANGE * max(trials, 1):
        # the biggest tables (by their previous file) first, so the last to finish is a small one
        lanes = [[name] for name in sorted(TABLES, key=lambda n: -_file_size(previous / f"{n}.parquet"))]
    else:
        lanes = [list(LARGE_TABLES), [n for n in TABLES if n not in LARGE_TABLES]]
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="write") as pool:
        written: dict[str, str] = {}
        for done in [pool.submit(_on_own_cursor, con, write_lane, lane) for lane in lanes]:
            written.update(done.result())
        return {name: written[name] for name in TABLES}


def _on_own_cursor(con, work, *args):
    """work(cursor, *args) on a new cursor of con (a cursor serves one thread at a time), closed after."""
    cursor = con.cursor()
    try:
        return work(cursor, *args)
    finally:
        cursor.close()


def _file_size(path: Path) -> int:
    return path.stat().st_size if path.exists() else 0


def _dirty_trials(con, previous: Path | None) -> list[str]:
    """Trials whose rows may differ from the previous snapshot's: the touched ones (new, or their
    records changed), the ones that are gone (their records left, or joined other trials), and
    the trials of every component clustered again: their links are found again, and a new
    record elsewhere in the component can change them (an org study id shared with another
    trial's record stops linking), while the trial's own records stay the same."""
    if previous is None:
        return []
    register_parquet(con, "prev_trial_ids", [previous / "trials.parquet"], TABLES["trials"])
    rows = con.execute("""SELECT trial_id FROM touched
        UNION SELECT trial_id FROM prev_trial_ids WHERE trial_id NOT IN (SELECT trial_id FROM mapping)
        UNION SELECT trial_id FROM mapping ANTI JOIN kept USING (record_id)""").fetchall()
    return sorted(row[0] for row in rows)


def _python_table(con, name: str, rows: list[dict]) -> str:
    table_from_arrow(con, f"py_{name}", table_from_rows(rows, TABLES[name]))
    return f"SELECT * FROM py_{name}"


def build_snapshot(warehouse_root: Path, batch_keys: list[str], raw_paths: list[str], *,
                   memory_limit: str = DEFAULT_MEMORY_LIMIT, threads: int | None = None,
                   incremental: bool = True, report: bool = True, workers: int = 0) -> SnapshotResult:
    """Build, check and publish a snapshot of the staged batches. Raises ChecksFailed (current
    unchanged) when a blocking check fails. workers: processes resolving trials (0: the CPUs)."""
    import time

    root = Path(warehouse_root)
    workers = workers or default_workers()
    timings: dict[str, float] = {}
    clock = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        timings[name] = round(now - clock, 3)
        clock = now

    if incremental and is_up_to_date(root, batch_keys):  # nothing new: current already is that snapshot
        current = (root / snap.CURRENT).resolve()
        counts = {name: pq.read_metadata(current / f"{name}.parquet").num_rows for name in TABLES}
        outcomes = run_file_checks(current, raw_paths)
        lap("checks")
        return SnapshotResult(current, counts, outcomes, 0, counts["trials"], timings)
    # the report's charts: a helper process starts now and imports matplotlib beside the step
    drawer = ChartDrawer() if report else None
    try:
        return _new_snapshot(root, batch_keys, raw_paths, memory_limit, threads, incremental, workers, drawer,
                             lap, timings)
    finally:
        if drawer is not None:
            drawer.close()


def _new_snapshot(root: Path, batch_keys: list[str], raw_paths: list[str], memory_limit: str, threads: int | None,
                  incremental: bool, workers: int, drawer: "ChartDrawer | None", lap, timings: dict[str, float]
                  ) -> SnapshotResult:
    """build_snapshot past its nothing-new check: build, check, report (when drawer), publish."""
    build = snap.new_build_dir(root)
    components_tmp = root / f".components-{build.name}.parquet"
    parts = build.parent / f".parts-{build.name}"
    shutil.rmtree(parts, ignore_errors=True)
    con = connect(root / SPILL_DIR, memory_limit, threads)
    try:
        release_memory()  # what staging freed, before DuckDB takes its budget
        staged_batches = StagedBatches(root, batch_keys)
        _register_staged(con, staged_batches)
        staged_batches.index(con)
        previous = _carry_over_source(root) if incremental else None
        blocked = _cluster(con, root, previous, workers)
        save_components(con, components_tmp)
        drop_tables(con, "components")
        release_memory()
        lap("cluster")
        _mark_touched(con, previous)
        dirty_trials = _dirty_trials(con, previous)
        # The title look-alikes (DuckDB queries, on a cursor of their own) run beside resolving when
        # that runs here on one core (a small batch: 0.55 s of Python, the other core idle), not
        # beside a pool of resolve workers (both cores busy: 1.5 s gained of 100 from scratch, for
        # a higher peak), nor under a budget too small for two queries (48MB: out of memory).
        beside = (resolves_in_process(touched_records(con), workers)
                  and (budget_bytes(memory_limit) or TWO_QUERIES_MIN_BUDGET) >= TWO_QUERIES_MIN_BUDGET)
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="titles") as pool:
            titles = pool.submit(_on_own_cursor, con, title_candidates) if beside else None
            resolved = resolve_touched(con, parts, workers, share_of_budget(memory_limit, workers + 1),
                                       staged_batches)
            release_memory()
            lap("resolve")
            candidates = [*(titles.result() if titles is not None else title_candidates(con)), *blocked]
        lap("candidates")  # beside resolving: what was left of them

        sources = {name: query(f"s_{table}") for name, (table, query) in FROM_STAGED.items()}
        # the rows each table is made of, for duck.sort_bounds to measure
        stand_ins = {name: stand_in(f"s_{table}") for name, (table, _) in FROM_STAGED.items()}
        narrowers = {name: narrowed(staged_batches, name) for name in FROM_STAGED}
        for name, parts_of in resolved.parts.items():
            sources[name] = _resolved_table_sql(con, name, parts_of, previous)
            stand_ins[name] = f"SELECT * FROM new_{name}" + (
                f" UNION ALL SELECT * FROM prev_{name}" if previous is not None else "")
            narrowers[name] = _narrowed_resolved(name, sources[name])
        sources["trial_links"] = "SELECT * FROM new_links" + kept_rows_sql("trial_links", previous)
        sources["link_candidates"] = _python_table(con, "link_candidates", [vars(c) for c in candidates]) + (
            kept_rows_sql("link_candidates", previous, f"method = {sql_string(BLOCKED_METHOD)}"))
        sources["quarantine"] = "SELECT * FROM s_quarantine"
        stand_ins["quarantine"] = "SELECT * FROM s_quarantine"
        hashes = _write_tables(con, sources, stand_ins, build, budget_bytes(memory_limit), previous, dirty_trials,
                               narrowers)
        lap("write")
    except BaseException:
        shutil.rmtree(build, ignore_errors=True)
        components_tmp.unlink(missing_ok=True)
        raise
    finally:
        con.close()
        shutil.rmtree(parts, ignore_errors=True)

    metrics = pending = None
    if drawer is not None:  # the charts are drawn in the helper while the checks run here
        from pipelines.report.metrics import snapshot_metrics

        metrics = snapshot_metrics(build)
        pending = drawer.submit(metrics)
    outcomes = run_file_checks(build, raw_paths)
    lap("checks")
    if not all(o.passed for o in outcomes):
        shutil.rmtree(build, ignore_errors=True)
        components_tmp.unlink(missing_ok=True)
        raise ChecksFailed(outcomes)
    counts = {name: pq.read_metadata(build / f"{name}.parquet").num_rows for name in TABLES}
    if drawer is not None:
        from pipelines.report import write_report_files

        write_report_files(build, metrics, drawer.charts(metrics, pending))
        lap("report")
    final = snap.publish(root, build, hashes)
    components_tmp.replace(root / COMPONENTS_FILE)  # before the state names the snapshot they belong to
    state = {"engine": ENGINE_FINGERPRINT, "snapshot": final.name, "staging": staging_digest(root, batch_keys)}
    (root / STATE_FILE).write_text(json.dumps(state), encoding="utf-8")
    lap("publish")
    return SnapshotResult(final, counts, outcomes, resolved.count, counts["trials"], timings)


def run_file_checks(build: Path, raw_paths: list[str]) -> list[checks.CheckOutcome]:
    """The blocking checks over the written files, reading only the columns they test."""
    def read(name: str, columns: list[str]) -> pa.Table:
        available = set(pq.read_schema(build / f"{name}.parquet").names)
        return read_parquet(build / f"{name}.parquet", [c for c in columns if c in available])

    enum_columns = list(checks.vocabulary_columns())
    tables = {
        "trials": read("trials", ["trial_id", *enum_columns]),
        "source_records": read("source_records", ["raw_path", "record_key", *enum_columns]),
        "quarantine": read("quarantine", ["raw_path", "record_key"]),
    }
    for name in checks.VOCABULARY_TABLES:
        tables.setdefault(name, read(name, enum_columns))
    return checks.run_all_checks(tables, raw_paths)
