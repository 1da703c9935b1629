"""`trialbridge query SQL`: DuckDB over the current snapshot, one view per table.

Every view and view column carries its data-dictionary text (COMMENT ON, from the Arrow field
descriptions in pipelines.warehouse.schema). DuckDB's own DESCRIBE does not print comments, so
`DESCRIBE <view>` (or `SHOW <view>`) is answered from duckdb_columns() with the comment beside
each column; the view `dictionary` lists every table's columns the same way.
"""
from __future__ import annotations

import csv
import json
import os
import re
import sys
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, TextIO

from pipelines.warehouse.schema import TABLE_DESCRIPTIONS, TABLES

FORMATS = ("table", "csv", "json")
DICTIONARY_VIEW = "dictionary"
_DESCRIBE = re.compile(r"^\s*(?:DESCRIBE|SHOW)\s+(?:TABLE\s+)?\"?(\w+)\"?\s*;?\s*$", re.IGNORECASE)


class QueryError(Exception):
    """A one-line message for the user (bad SQL, no snapshot)."""


def _sql_text(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def connect(warehouse: Path):
    """An in-memory DuckDB connection with one commented view per table of <warehouse>/current."""
    import duckdb

    current = Path(warehouse) / "current"
    if not current.is_dir():
        raise QueryError(f"no snapshot at {current}: run `trialbridge ingest` first")
    snapshot = current.resolve()  # one snapshot for every view, even if `current` switches meanwhile
    con = duckdb.connect(":memory:")
    for name, schema in TABLES.items():
        path = snapshot / f"{name}.parquet"
        if not path.exists():  # a snapshot written before the table existed
            continue
        con.execute(f'CREATE VIEW "{name}" AS SELECT * FROM read_parquet({_sql_text(str(path))})')
        con.execute(f'COMMENT ON VIEW "{name}" IS {_sql_text("one row per " + TABLE_DESCRIPTIONS[name])}')
        for field in schema:
            description = (field.metadata or {}).get(b"description", b"").decode("utf-8")
            if description:
                con.execute(f'COMMENT ON COLUMN "{name}"."{field.name}" IS {_sql_text(description)}')
    con.execute(f"""CREATE VIEW {DICTIONARY_VIEW} AS
        SELECT table_name, column_index, column_name, data_type, comment FROM duckdb_columns()
        WHERE NOT internal AND schema_name = 'main' AND table_name <> '{DICTIONARY_VIEW}'""")
    return con


def run_sql(con, sql: str) -> tuple[list[str], list[tuple]]:
    """(column names, rows) of one SQL text; DESCRIBE <view> shows the column comments."""
    import duckdb

    described = _DESCRIBE.match(sql)
    if described and described[1] in TABLES:
        sql = (f"SELECT column_name, data_type AS column_type, comment FROM {DICTIONARY_VIEW} "
               f"WHERE table_name = {_sql_text(described[1])} ORDER BY column_index")
    try:
        result = con.execute(sql)
        if result.description is None:  # a statement without a result (SET, CREATE ...)
            return [], []
        return [d[0] for d in result.description], result.fetchall()
    except duckdb.Error as exc:  # the first line says what is wrong; the rest points into the SQL
        raise QueryError(str(exc).strip().splitlines()[0]) from None


def _plain(value: Any) -> Any:
    """A value as JSON can hold it (nested lists and structs kept)."""
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, bytes):
        return value.hex()
    return value


def _cell(value: Any) -> str:
    """A value as one text cell: lists and structs as JSON, null as empty."""
    if value is None:
        return ""
    if isinstance(value, (list, tuple, dict)):
        return json.dumps(_plain(value), ensure_ascii=False)
    return str(_plain(value))


def write_result(columns: list[str], rows: list[tuple], fmt: str, out: TextIO) -> None:
    if fmt == "csv":
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows([_cell(v) for v in row] for row in rows)
    elif fmt == "json":
        json.dump([dict(zip(columns, map(_plain, row))) for row in rows], out, ensure_ascii=False, indent=1)
        out.write("\n")
    else:
        from rich.console import Console
        from rich.table import Table

        table = Table(*columns, show_lines=False)
        for row in rows:
            table.add_row(*(_cell(v) for v in row))
        Console(file=out, width=max(80, Console().width)).print(table)
        out.write(f"({len(rows)} row{'s' if len(rows) != 1 else ''})\n")


def query_main(sql: str, warehouse: Path, fmt: str, out: TextIO = sys.stdout, err: TextIO = sys.stderr) -> int:
    """The subcommand: 0 on success, 1 with one line on stderr for bad SQL or a missing snapshot."""
    try:
        columns, rows = run_sql(connect(warehouse), sql)
    except QueryError as exc:
        err.write(f"error: {exc}\n")
        return 1
    try:
        write_result(columns, rows, fmt, out)
    except BrokenPipeError:  # `trialbridge query ... | head`: the reader has enough
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 (the interpreter flushes stdout at exit)
    return 0
