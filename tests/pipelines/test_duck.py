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
