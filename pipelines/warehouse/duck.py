"""DuckDB for the snapshot step: a connection under a memory budget, staged tables as views,
and sorted SELECTs streamed into the warehouse's deterministic Parquet writer."""
from __future__ import annotations

import math
import re
from collections.abc import Sequence
from pathlib import Path

import duckdb
import pyarrow as pa

from pipelines.warehouse.parquet_out import write_rows

DEFAULT_MEMORY_LIMIT = "1GB"
STREAM_ROWS = 16_384
# PARTITION_BY writes buffer this many rows per partition before writing them out; DuckDB's
# default (524,288) held every touched record in memory: +550 MB at 200,000 pages (measured)
PARTITION_FLUSH_ROWS = 1_024


def connect(spill_dir: Path, memory_limit: str = DEFAULT_MEMORY_LIMIT, threads: int | None = None) -> duckdb.DuckDBPyConnection:
    """In-memory DuckDB that spills joins and sorts to spill_dir beyond memory_limit."""
    spill_dir.mkdir(parents=True, exist_ok=True)
    config = {"memory_limit": memory_limit, "temp_directory": str(spill_dir),
              "preserve_insertion_order": False, "partitioned_write_flush_threshold": PARTITION_FLUSH_ROWS}
    if threads:
        config["threads"] = threads
    con = duckdb.connect(config=config)
    con.execute("SET enable_progress_bar = false")  # a bar on stdout garbles the CLI's and Dagster's output
    return con


_SIZE = re.compile(r"\s*(\d+(?:\.\d+)?)\s*([KMGT]?)(i?)B?\s*", re.IGNORECASE)


def drop_tables(con: duckdb.DuckDBPyConnection, *names: str) -> None:
    """Drop a phase's scratch tables: in-memory tables hold their share of memory_limit until
    dropped (at 200,000 pages, 306 MB of them were still there when the tables were written)."""
    for name in names:
        con.execute(f"DROP TABLE IF EXISTS {quote(name)}")


def budget_bytes(memory_limit: str) -> int | None:
    """memory_limit in DuckDB syntax (512MB, 1GB, 2GiB) as bytes; None when it cannot be read."""
    match = _SIZE.fullmatch(memory_limit)
    if not match:
        return None
    number, unit, binary = match.groups()
    return int(float(number) * (1024 if binary else 1000) ** "_KMGT".index(unit.upper() or "_"))


def share_of_budget(memory_limit: str, parts: int) -> str:
    """memory_limit split in `parts`, for worker processes' connections; the limit itself when it
    cannot be read."""
    size = budget_bytes(memory_limit)
    if size is None:
        return memory_limit
    return f"{max(64 * 10**6, size // parts) // 10**6}MB"


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def sql_string(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def parquet_files(files: Sequence[str | Path], filename: bool = False) -> str:
    """A FROM item over Parquet files (at least one), their columns matched by name; filename:
    with a column `filename`, each row's file path as given."""
    paths = ", ".join(sql_string(str(p)) for p in files)
    return f"read_parquet([{paths}], union_by_name = true{', filename = true' if filename else ''})"


def register_parquet(con: duckdb.DuckDBPyConnection, view: str, files: list[Path], schema: pa.Schema) -> None:
    """A view over Parquet files (an empty table of the right columns when there are none). Both
    live in the database's catalog, so every cursor of the connection sees them."""
    if files:
        con.execute(f"CREATE OR REPLACE VIEW {quote(view)} AS SELECT * FROM {parquet_files(files)}")
    else:
        table_from_arrow(con, view, schema.empty_table())


def table_from_arrow(con: duckdb.DuckDBPyConnection, name: str, table: pa.Table) -> None:
    """A catalog table holding an Arrow table (a registered Arrow table is seen by one cursor only)."""
    con.register("_arrow_in", table)
    try:
        con.execute(f"DROP VIEW IF EXISTS {quote(name)}")
        con.execute(f"CREATE OR REPLACE TABLE {quote(name)} AS SELECT * FROM _arrow_in")
    finally:
        con.unregister("_arrow_in")


def order_by(table: str, schema: pa.Schema) -> str:
    """build.sort_columns as SQL: a total order on row content (rows that tie on it are equal in
    every column but lists), so the output never depends on threads or input order."""
    from pipelines.warehouse.build import sort_columns

    return ", ".join(f"{quote(k)} ASC NULLS LAST" for k in sort_columns(table, schema))


# One sort holds about this share of memory_limit's worth of rows (as Arrow bytes): DuckDB needs
# some two to three times the rows' size to sort them, and a sorted result streamed to Arrow does
# not spill (source_records at 200,000 pages: 410 MB of rows took +1 GB; at a 300MB limit, OOM)
SORT_SHARE = 0.25
SAMPLE_ROWS = 4_096


def _sort_parts(con: duckdb.DuckDBPyConnection, measured_sql: str, budget: int) -> int:
    """Ranges the rows of `measured_sql` need to sort each within SORT_SHARE of the budget (their
    size estimated from a sample's Arrow bytes)."""
    sample = con.sql(f"{measured_sql} LIMIT {SAMPLE_ROWS}").to_arrow_table()
    if sample.num_rows < SAMPLE_ROWS:  # the whole table
        return 1
    rows = con.execute(f"SELECT count(*) FROM ({measured_sql})").fetchall()[0][0]
    return math.ceil(rows * sample.nbytes / max(1, sample.num_rows) / (budget * SORT_SHARE))


def sort_bounds(con: duckdb.DuckDBPyConnection, table: str, schema: pa.Schema, select_sql: str,
                budget: int | None, stand_in_sql: str | None = None, recheck: bool = False) -> list:
    """Values of the table's first sort key that cut `select_sql` into ranges small enough to sort
    within SORT_SHARE of the budget (none when it fits at once). The cuts are exact quantiles,
    so ranges hold similar row counts.

    stand_in_sql: rows that stand for the table's (at least as many, as wide: the staged rows it
    is made of), sampled and counted instead of `select_sql`, which joins and unions. Sampling
    and counting the table's own query cost 1.5 of the 8 s of a +1% write at 100,000 pages.
    recheck: the stand-in may hold far more rows (select_sql keeps only some key ranges): when it
    says the rows do not fit, select_sql itself is measured before cutting."""
    from pipelines.warehouse.build import sort_columns

    if not budget:
        return []
    own = f"SELECT {', '.join(quote(f.name) for f in schema)} FROM ({select_sql})"
    parts = _sort_parts(con, f"SELECT * FROM ({stand_in_sql})" if stand_in_sql else own, budget)
    if parts > 1 and stand_in_sql and recheck:
        parts = _sort_parts(con, own, budget)
    if parts <= 1:
        return []
    key = quote(sort_columns(table, schema)[0])
    fractions = ", ".join(f"{i / parts!r}" for i in range(1, parts))
    cuts = con.execute(f"SELECT quantile_disc({key}, [{fractions}]) FROM ({select_sql}) WHERE {key} IS NOT NULL").fetchall()[0][0]
    return sorted({cut for cut in cuts or () if cut is not None})


def _ranges(key: str, bounds: list) -> list[tuple[str, list]]:
    """(WHERE clause, its parameters) of consecutive ranges of `key` split at `bounds`, NULLs in
    the last one (ORDER BY ... NULLS LAST): the ranges' sorted rows, one after the other, are the
    sorted table."""
    if not bounds:
        return [("TRUE", [])]
    return ([(f"{key} < ?", [bounds[0]])]
            + [(f"{key} >= ? AND {key} < ?", [lo, hi]) for lo, hi in zip(bounds, bounds[1:])]
            + [(f"({key} >= ? OR {key} IS NULL)", [bounds[-1]])])


def _key_ranges_sql(key: str, runs: list[tuple]) -> str | None:
    """SQL true for the key values inside the runs' ranges (row_group_reuse.ReusePlan.runs); None
    when a bound is not a string (the keys reused on are trial ids)."""
    terms = []
    for lo, hi in runs:
        if any(bound is not None and not isinstance(bound, str) for bound in (lo, hi)):
            return None
        parts = ([f"{key} >= {sql_string(lo)}"] if lo is not None else []) + (
            [f"{key} < {sql_string(hi)}"] if hi is not None else [])
        terms.append("(" + (" AND ".join(parts) or "TRUE") + ")")
    return " OR ".join(terms) or "FALSE"


def copy_sorted(con: duckdb.DuckDBPyConnection, table: str, schema: pa.Schema, select_sql: str, path: Path,
                budget: int | None = None, stand_in_sql: str | None = None, previous: Path | None = None,
                dirty_keys: list | None = None, narrow=None) -> str:
    """Write `select_sql` (must yield the schema's columns) sorted as `table`; returns the file
    sha256. With a budget (bytes), a table too big to sort within it is sorted range by range of
    its first sort key (sort_bounds, measured on stand_in_sql when given): the same rows in the
    same order, so the same bytes. Each range reads the source again (source_records at 200,000
    pages: 2 ranges, 2.0 -> 4.1 s).

    previous, dirty_keys: the previous snapshot's file of the table and the values of its first
    sort key whose rows may have changed since (added, changed, removed): its row groups out of
    their reach are copied, and only the rows of the others are queried, sorted and encoded
    (pipelines.warehouse.row_group_reuse); the bytes are those of a write of every row.
    narrow(con, ranges_sql) -> (select_sql, stand_in_sql): the two queries again, reading only
    what the rows of the rewritten ranges (ranges_sql: SQL true for their keys) can come from."""
    from pipelines.warehouse.build import sort_columns
    from pipelines.warehouse.row_group_reuse import plan_reuse

    columns = ", ".join(quote(f.name) for f in schema)
    first = sort_columns(table, schema)[0]
    key, order = quote(first), order_by(table, schema)
    plan = plan_reuse(previous, first, dirty_keys or ()) if previous is not None else None
    ranges_sql = _key_ranges_sql(key, plan.runs()) if plan is not None else None
    if ranges_sql is None:
        plan = None
    else:  # only the rows of the rewritten ranges
        if narrow is not None:
            select_sql, stand_in_sql = narrow(con, ranges_sql)
        select_sql = f"SELECT * FROM ({select_sql}) WHERE {ranges_sql}"
    rewritten = plan is None or any(plan.dirty)
    bounds = sort_bounds(con, table, schema, select_sql, budget, stand_in_sql, plan is not None) if rewritten else []

    def batches():
        if not rewritten:
            return
        for where, params in _ranges(key, bounds):
            query = f"SELECT {columns} FROM ({select_sql}) WHERE {where} ORDER BY {order}"
            reader = con.sql(query, params=params or None).to_arrow_reader(batch_size=STREAM_ROWS)
            try:
                yield from reader
            finally:
                reader.close()

    return write_rows(path, schema, batches(), name=table, reuse=plan)
