"""The one way warehouse Parquet files are written: same rows, same bytes.

Rows are written in row groups of a fixed number of rows whatever chunks they arrive in (the
chunking of a DuckDB or Arrow stream depends on thread counts; Parquet pages depend on it), with
fixed codec and options and the contract schema (column descriptions travel in the file's Arrow
schema). Memory: one row group at a time.
"""
from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

ROW_GROUP_ROWS = 65_536
WRITER_OPTIONS = dict(compression="zstd", compression_level=3, write_statistics=True, use_dictionary=True,
                      version="2.6", data_page_version="1.0")


def _conform(batch: pa.RecordBatch | pa.Table, schema: pa.Schema) -> pa.Table:
    table = batch if isinstance(batch, pa.Table) else pa.Table.from_batches([batch])
    table = table.select(schema.names)
    return table.cast(schema) if table.schema != schema else table


def write_rows(path: Path, schema: pa.Schema, chunks: Iterable[pa.RecordBatch | pa.Table]) -> str:
    """Write the chunks (already in their final order) as `path`; returns the file's sha256."""
    schema = schema.remove_metadata()  if schema.metadata and b"pandas" in schema.metadata else schema
    pending: list[pa.Table] = []
    rows = 0
    with pq.ParquetWriter(path, schema, **WRITER_OPTIONS) as writer:
        def flush(n: int) -> None:
            nonlocal pending, rows
            table = pa.concat_tables(pending)
            head, tail = table.slice(0, n), table.slice(n)
            writer.write_table(head.combine_chunks(), row_group_size=ROW_GROUP_ROWS)
            pending, rows = ([tail] if tail.num_rows else []), tail.num_rows

        for chunk in chunks:
            table = _conform(chunk, schema)
            if not table.num_rows:
                continue
            pending.append(table)
            rows += table.num_rows
            while rows >= ROW_GROUP_ROWS:
                flush(ROW_GROUP_ROWS)
        if rows or not pending:
            if pending:
                flush(rows)
    return file_sha256(path)


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()
