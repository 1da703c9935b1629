"""Resolve the touched trials of a snapshot: their members' staged records -> trials,
field_provenance, the trial-grain lists and trial_doses rows, as Parquet part files.

Trials are resolved one at a time (pipelines.reconcile.resolve_cluster, and the trial-grain lists
by pipelines.reconcile.trial_lists) from a stream of their members' records ordered by trial,
without the heavy parts neither reads (criteria, outcomes, contacts, raw, texts). The members are
cut into slices of at most about RESOLVE_RECORDS records by a hash of the trial id, so DuckDB
sorts one slice at a time; with more than one worker the slices (a multiple of the workers, so
none waits out the last round idle) are resolved by a pool of processes, each with its own
DuckDB connection over the same staged files. Parts come out in any order: the writer sorts.
"""
from __future__ import annotations

import multiprocessing
import shutil
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow.parquet as pq

from parsers.record import SCALAR_FIELDS, Arm, Condition, Intervention, Location, SourceRecord, Sponsor
from pipelines.arrow_rows import table_from_rows, table_from_tuples
from pipelines.memory import settle_heap
from pipelines.reconcile import resolve_cluster
from pipelines.reconcile.model import ParsedFile
from pipelines.reconcile.trial_lists import LIST_SPECS, trial_list_rows
from pipelines.warehouse.duck import connect, drop_tables, quote, sql_string
from pipelines.warehouse.schema import TABLES
from pipelines.warehouse.staged_batches import StagedBatches

RESOLVED_TABLES: tuple[str, ...] = ("trials", "field_provenance", *LIST_SPECS, "trial_doses")
PART_ROWS = 20_000  # resolved rows buffered before a part file is written
RESOLVE_RECORDS = 20_000  # member records fetched and sorted at once (one slice)
PARALLEL_MIN_RECORDS = 10_000  # below this, starting worker processes costs more than it saves
STREAM_ROWS = 1_024
_LIGHT_COLUMNS = ", ".join(quote(f) for f in SCALAR_FIELDS)


@dataclass
class Resolved:
    parts: dict[str, list[Path]]  # RESOLVED_TABLES -> part files of the touched trials' rows
    count: int


def _build(cls: type, items: list[dict] | None) -> list:
    # The staged struct's keys are the dataclass's fields, in order (pipelines.staging.rows derives
    # one from the other): each Arrow dict becomes an item's __dict__, without an __init__ call.
    objects = []
    for item in items or ():
        obj = object.__new__(cls)
        obj.__dict__ = item
        objects.append(obj)
    return objects


def _light_record(row: dict) -> ParsedFile:
    record = SourceRecord(source=row["source"], parser_version=row["parser_version"],
                          **{f: row[f] for f in SCALAR_FIELDS})
    record.conditions = _build(Condition, row["conditions"])
    record.countries = list(row["countries"] or ())
    record.locations = _build(Location, row["locations"])
    record.interventions = _build(Intervention, row["interventions"])
    record.arms = _build(Arm, row["arms"])
    record.sponsors = _build(Sponsor, row["sponsors"])
    record.warnings = list(row["warnings"] or ())
    return ParsedFile(record_id=row["record_id"], raw_path=row["raw_path"], sha256=row["sha256"] or "",
                      record=record, record_key=row["record_key"])


def _write_member_slices(con: duckdb.DuckDBPyConnection, directory: Path,
                         staged_batches: StagedBatches | None) -> None:
    """The touched trials' member records (the columns resolving reads, with their linking ids)
    in one pass over staging (the batches holding them), as Parquet files partitioned by slice:
    <directory>/slice=<k>/."""
    def staged(table: str) -> str:
        if staged_batches is None:
            return f"s_{table}"
        return staged_batches.relation(con, table, "SELECT record_id FROM touched_members")

    con.execute(f"""COPY (
        WITH linking AS (
            SELECT record_id, list(DISTINCT [id_type, value]) AS registry_ids
            FROM {staged("identifiers")} SEMI JOIN touched_members USING (record_id)
            WHERE link_key IS NOT NULL GROUP BY 1)
        SELECT m.slice, m.trial_id, r.record_id, r.record_key, r.raw_path, r.sha256, r.source, r.parser_version,
               {_LIGHT_COLUMNS}, r.conditions, r.countries, r.locations, r.interventions, r.arms, r.sponsors,
               r.warnings, l.registry_ids
        FROM {staged("records")} r JOIN touched_members m USING (record_id) LEFT JOIN linking l USING (record_id)
        ) TO {sql_string(str(directory))} (FORMAT parquet, PARTITION_BY (slice), COMPRESSION lz4, ROW_GROUP_SIZE 2048)""")


def _members_of_slice(con: duckdb.DuckDBPyConnection, directory: Path) -> Iterator[tuple[str, list[ParsedFile], dict]]:
    """(trial_id, member records, record_id -> {(id_type, value)} of its linking ids) of the
    trials of one slice directory written by _write_member_slices, in trial_id order."""
    files = sql_string(str(directory / "*.parquet"))
    reader = con.sql(f"SELECT * FROM read_parquet({files}, hive_partitioning = false) "
                     f"ORDER BY trial_id, record_id").to_arrow_reader(batch_size=STREAM_ROWS)
    current, members, registry_ids = None, [], {}
    for batch in reader:
        names = batch.schema.names
        # column by column, then zipped into rows: a third cheaper than RecordBatch.to_pylist
        for row in (dict(zip(names, values)) for values in zip(*(c.to_pylist() for c in batch.columns))):
            if row["trial_id"] != current:
                if members:
                    yield current, members, registry_ids
                current, members, registry_ids = row["trial_id"], [], {}
            members.append(_light_record(row))
            registry_ids[row["record_id"]] = {tuple(pair) for pair in row["registry_ids"] or ()}
    if members:
        yield current, members, registry_ids


def _resolve_slices(con: duckdb.DuckDBPyConnection, members: Path, slices: list[int], parts_dir: Path) -> Resolved:
    """Resolve the trials of these slices (directories under `members`), writing part files
    tagged by slice."""
    out = Resolved({name: [] for name in RESOLVED_TABLES}, 0)
    rows: dict[str, list[dict]] = {name: [] for name in RESOLVED_TABLES}
    tag = f"s{slices[0]:05d}" if slices else "s"

    def flush() -> None:
        for name, buffered in rows.items():
            if buffered:
                path = parts_dir / f"{name}-{tag}-{len(out.parts[name]):05d}.parquet"
                convert = table_from_tuples if name == "field_provenance" else table_from_rows
                pq.write_table(convert(buffered, TABLES[name]), path)
                out.parts[name].append(path)
                buffered.clear()

    for part in slices:
        directory = members / f"slice={int(part)}"
        if not directory.is_dir():  # no member record hashed to this slice
            continue
        for trial_id, members_of, registry_ids in _members_of_slice(con, directory):
            row, provenance, doses = resolve_cluster(trial_id, members_of, registry_ids)
            rows["trials"].append(row)
            rows["trial_doses"].extend(doses)
            rows["field_provenance"].extend(provenance)
            for name, list_rows in trial_list_rows(trial_id, members_of).items():
                rows[name].extend(list_rows)
            out.count += 1
            if sum(map(len, rows.values())) >= PART_ROWS:
                flush()
    flush()
    return out


@dataclass(frozen=True)
class _Job:
    """One slice for a worker process: it reads only that slice's member files."""

    members: str  # directory of _write_member_slices
    slice_: int
    parts_dir: str
    memory_limit: str


def _run_job(job: _Job) -> Resolved:
    settle_heap()  # a worker process between two slices
    spill = Path(job.parts_dir) / f"spill-{job.slice_}"
    con = connect(spill, job.memory_limit, threads=1)
    try:
        return _resolve_slices(con, Path(job.members), [job.slice_], Path(job.parts_dir))
    finally:
        con.close()
        shutil.rmtree(spill, ignore_errors=True)


def touched_records(con: duckdb.DuckDBPyConnection) -> int:
    """Member records of the touched trials (what resolve_touched will resolve)."""
    return con.execute("SELECT count(*) FROM mapping SEMI JOIN touched USING (trial_id)").fetchall()[0][0]


def resolves_in_process(records: int, workers: int) -> bool:
    """resolve_touched resolves this many records in the calling process (one core), not in a pool."""
    return workers <= 1 or records < PARALLEL_MIN_RECORDS


def resolve_touched(con: duckdb.DuckDBPyConnection, parts_dir: Path, workers: int = 1,
                    worker_memory: str = "256MB", staged_batches: StagedBatches | None = None) -> Resolved:
    """Resolve every trial of table touched (members from table mapping, records from views
    s_records and s_identifiers, read from the batches holding them when staged_batches is given
    and has indexed them)."""
    parts_dir.mkdir(parents=True, exist_ok=True)
    con.execute("CREATE OR REPLACE TABLE touched_members AS "
                "SELECT m.trial_id, m.record_id, 0 AS slice FROM mapping m SEMI JOIN touched USING (trial_id)")
    records = con.execute("SELECT count(*) FROM touched_members").fetchall()[0][0]
    total = max(1, -(-records // RESOLVE_RECORDS))
    parallel = not resolves_in_process(records, workers)
    if parallel:  # whole rounds of slices: 5 slices on 2 workers left one idle for the last
        total = -(-total // workers) * workers
    con.execute(f"UPDATE touched_members SET slice = hash(trial_id) % {total}")
    members = parts_dir / "members"
    _write_member_slices(con, members, staged_batches)
    drop_tables(con, "touched_members")
    if not parallel:
        return _resolve_slices(con, members, list(range(total)), parts_dir)
    jobs = [_Job(str(members), part, str(parts_dir), worker_memory) for part in range(total)]
    out = Resolved({name: [] for name in RESOLVED_TABLES}, 0)
    # forkserver: never fork a process holding DuckDB's and Dagster's threads
    context = multiprocessing.get_context("forkserver")
    # while the workers run, this connection keeps one share of the budget (DuckDB evicts its
    # tables to the spill directory), so the step as a whole stays within --memory-limit
    own_limit = con.execute("SELECT current_setting('memory_limit')").fetchall()[0][0]
    con.execute(f"SET memory_limit = '{worker_memory}'")
    try:
        with ProcessPoolExecutor(max_workers=min(workers, total), mp_context=context) as pool:
            for done in pool.map(_run_job, jobs):
                out.count += done.count
                for name, paths in done.parts.items():
                    out.parts[name] += paths
    finally:
        con.execute(f"SET memory_limit = '{own_limit}'")
    return out
