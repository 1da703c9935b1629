"""`trialbridge query`: DuckDB views over the current snapshot, commented from the data dictionary."""
from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys

import pyarrow.parquet as pq
import pytest

from pipelines import query
from pipelines.warehouse import TABLES
from tests.pipelines.snapshot_helpers import REPO, write_sample_warehouse


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    return write_sample_warehouse(tmp_path_factory.mktemp("query"))


def run_cli(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DAGSTER_DISABLE_TELEMETRY": "1"}
    return subprocess.run([sys.executable, "-m", "pipelines.cli", "query", *args], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=120)


def test_count_as_csv_prints_the_row_count(warehouse):
    proc = run_cli("select count(*) as n from trials", "--warehouse", str(warehouse), "--format", "csv")
    assert proc.returncode == 0, proc.stderr
    n = pq.read_metadata(warehouse / "current" / "trials.parquet").num_rows
    assert n >= 5 and proc.stdout == f"n\n{n}\n"


@pytest.mark.parametrize("sql", ["selec * from trials", "select * from no_such_table", "select nope from trials"])
def test_bad_sql_exits_non_zero_with_one_line(warehouse, sql):
    proc = run_cli(sql, "--warehouse", str(warehouse))
    assert proc.returncode == 1 and proc.stdout == ""
    assert proc.stderr.startswith("error: ") and proc.stderr.count("\n") == 1, proc.stderr
    assert "Traceback" not in proc.stderr


def test_missing_snapshot_is_one_line_too(tmp_path):
    proc = run_cli("select 1", "--warehouse", str(tmp_path / "nowhere"))
    assert proc.returncode == 1 and proc.stderr.count("\n") == 1 and "trialbridge ingest" in proc.stderr


def test_every_view_column_carries_its_dictionary_text(warehouse):
    con = query.connect(warehouse)
    comments = {(t, c): comment for t, c, comment in con.execute(
        "select table_name, column_name, comment from duckdb_columns() where not internal").fetchall()}
    for name, schema in TABLES.items():
        for field in schema:
            assert comments[(name, field.name)] == field.metadata[b"description"].decode(), (name, field.name)
    views = dict(con.execute("select view_name, comment from duckdb_views() where not internal").fetchall())
    assert views["trial_arms"].startswith("one row per arm / group of a trial")


def test_describe_explains_each_column(warehouse):
    columns, rows = query.run_sql(query.connect(warehouse), "DESCRIBE trials;")
    assert columns == ["column_name", "column_type", "comment"]
    assert [r[0] for r in rows] == TABLES["trials"].names
    assert all(r[2] for r in rows)
    assert dict((r[0], r[1]) for r in rows)["record_count"] == "BIGINT"
    _, rows = query.run_sql(query.connect(warehouse), "select table_name, count(comment) from dictionary group by 1")
    assert dict(rows) == {name: len(schema) for name, schema in TABLES.items()}


def test_formats_keep_lists_and_nulls(warehouse):
    con = query.connect(warehouse)
    columns, rows = query.run_sql(con, "select trial_id, sources, acronym from trials order by trial_id")
    out = io.StringIO()
    query.write_result(columns, rows, "json", out)
    data = json.loads(out.getvalue())
    assert [d["trial_id"] for d in data] == [r[0] for r in rows]
    assert all(isinstance(d["sources"], list) and d["sources"] for d in data)
    out = io.StringIO()
    query.write_result(columns, rows, "csv", out)
    parsed = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert [json.loads(r["sources"]) for r in parsed] == [d["sources"] for d in data]
    assert {r["acronym"] for r in parsed if not next(d for d in data if d["trial_id"] == r["trial_id"])["acronym"]} <= {""}
    out = io.StringIO()
    query.write_result(columns, rows, "table", out)
    assert out.getvalue().rstrip().endswith(f"({len(rows)} rows)") and rows[0][0] in out.getvalue()


def test_trial_grain_join_does_not_double_count(warehouse):
    """The issue's example: a trial seen on two sites has each arm once in trial_arms."""
    con = query.connect(warehouse)
    _, per_record = query.run_sql(con, "select trial_id, count(*) from arms group by 1 order by 1")
    _, per_trial = query.run_sql(con, "select trial_id, count(*) from trial_arms group by 1 order by 1")
    _, multi = query.run_sql(con, "select trial_id from trials where record_count > 1")
    assert per_trial and dict(per_trial).keys() <= dict(per_record).keys()
    doubled = [t for t, n in per_record if n > dict(per_trial).get(t, n)]
    assert doubled and set(doubled) <= {t for (t,) in multi}
