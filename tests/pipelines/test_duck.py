"""Small DuckDB helpers of the snapshot engine."""
from __future__ import annotations

import pytest

from pipelines.warehouse.duck import share_of_budget


@pytest.mark.parametrize(("limit", "parts", "share"), [
    ("1GB", 3, "333MB"), ("1GiB", 2, "536MB"), ("512MB", 4, "128MB"), ("2.5GB", 2, "1250MB"),
    ("48MB", 3, "64MB"),  # never below 64MB: a worker must be able to sort a slice at all
    ("lots", 2, "lots"),  # unreadable: DuckDB will say so for the main connection too
])
def test_workers_share_the_configured_budget(limit, parts, share):
    assert share_of_budget(limit, parts) == share


def test_budget_in_bytes_reads_duckdb_units():
    from pipelines.warehouse.duck import budget_bytes

    assert budget_bytes("1GB") == 10**9 and budget_bytes("1GiB") == 2**30 and budget_bytes("512 mb") == 512 * 10**6
    assert budget_bytes("0.5GB") == 5 * 10**8 and budget_bytes("much") is None


def test_connections_bound_partitioned_writes_and_print_no_progress_bar(tmp_path, capfd):
    from pipelines.warehouse.duck import PARTITION_FLUSH_ROWS, connect

    con = connect(tmp_path / "spill", "256MB")
    setting = lambda name: con.execute(f"SELECT current_setting('{name}')").fetchall()[0][0]  # noqa: E731
    # DuckDB's default (524,288 rows per partition) kept every touched record in memory
    assert setting("partitioned_write_flush_threshold") == PARTITION_FLUSH_ROWS < 524_288
    assert setting("enable_progress_bar") is False
    con.execute(f"COPY (SELECT i % 3 AS part, i FROM range(5000) t(i)) TO '{tmp_path / 'out'}' "
                "(FORMAT parquet, PARTITION_BY (part))")
    assert con.execute(f"SELECT count(*) FROM read_parquet('{tmp_path / 'out'}/*/*.parquet')").fetchall()[0][0] == 5000
    assert capfd.readouterr().out == ""


def _conditions_table(n: int, seed: int):
    """trial_conditions rows in random order, some trial ids missing (sorted last) and long texts."""
    import random

    import pyarrow as pa

    from pipelines.warehouse.schema import TABLES

    rng = random.Random(seed)
    rows = []
    for i in range(n):
        trial = None if i % 97 == 0 else f"NCT{rng.randrange(10**8):08d}"
        rows.append({"trial_id": trial, "condition": "x" * rng.randrange(200), "condition_normalized": None,
                     "position": i, "record_ids": [f"R{i:016x}"], "list_record_id": f"R{i:016x}"})
    rng.shuffle(rows)
    return pa.Table.from_pylist(rows, schema=TABLES["trial_conditions"])


def test_a_table_too_big_for_one_sort_is_written_range_by_range_with_the_same_bytes(tmp_path, monkeypatch):
    import pipelines.warehouse.duck as duck
    from pipelines.warehouse.schema import TABLES

    con = duck.connect(tmp_path / "spill", "256MB")
    duck.table_from_arrow(con, "rows", _conditions_table(3000, seed=7))
    schema = TABLES["trial_conditions"]
    whole = duck.copy_sorted(con, "trial_conditions", schema, "SELECT * FROM rows", tmp_path / "whole.parquet")
    # rows worth ~300 KB in Arrow, sorted within 1/4 of a 400 KB budget: several ranges
    monkeypatch.setattr(duck, "SAMPLE_ROWS", 100)
    bounds = duck.sort_bounds(con, "trial_conditions", schema, "SELECT * FROM rows", 400_000)
    assert 2 <= len(bounds) <= 8 and bounds == sorted(bounds)
    # measured on stand-in rows: as many cuts as their size asks for, at the table's own quantiles
    assert duck.sort_bounds(con, "trial_conditions", schema, "SELECT * FROM rows", 400_000,
                            "SELECT * FROM rows") == bounds
    assert duck.sort_bounds(con, "trial_conditions", schema, "SELECT * FROM rows", 400_000,
                            "SELECT * FROM rows LIMIT 50") == []
    twice = duck.sort_bounds(con, "trial_conditions", schema, "SELECT * FROM rows", 400_000,
                             "SELECT * FROM rows UNION ALL SELECT * FROM rows")
    assert len(twice) > len(bounds)
    ranged = duck.copy_sorted(con, "trial_conditions", schema, "SELECT * FROM rows", tmp_path / "ranged.parquet",
                              budget=400_000)
    assert ranged == whole
    import pyarrow.parquet as pq

    written = pq.read_table(tmp_path / "ranged.parquet")
    assert written.num_rows == 3000 and written.column("trial_id").null_count == 31
    # without a budget, or when the whole table is smaller than the sample, one sort
    assert duck.sort_bounds(con, "trial_conditions", schema, "SELECT * FROM rows", None) == []
    assert duck.sort_bounds(con, "trial_conditions", schema, "SELECT * FROM rows LIMIT 50", 400_000) == []
