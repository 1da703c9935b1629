"""The Parquet warehouse: table schemas, table building and atomic snapshots."""
from __future__ import annotations

from pipelines.warehouse.build import build_tables, record_id_for, to_table
from pipelines.warehouse.schema import SORT_KEYS, TABLE_DESCRIPTIONS, TABLES
from pipelines.warehouse.snapshot import parquet_bytes, read_current, write_snapshot

__all__ = [
    "SORT_KEYS",
    "TABLES",
    "TABLE_DESCRIPTIONS",
    "build_tables",
    "parquet_bytes",
    "read_current",
    "record_id_for",
    "to_table",
    "write_snapshot",
]
