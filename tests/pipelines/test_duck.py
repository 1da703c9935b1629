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

