"""Read a Parquet file's columns without pyarrow.dataset.

`pq.read_table` goes through pyarrow.dataset, whose import pulls in pandas: 0.2-0.3 s on every
run that only needs a few columns of a few files (a +1% ingest reads staged file lists, check
columns and summary counts, nothing else of pandas). `pq.ParquetFile.read` reads the same
columns through the plain Parquet reader.
"""
from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq


def read_parquet(path: Path | str, columns: list[str] | None = None, schema: pa.Schema | None = None) -> pa.Table:
    """The file's columns (all when None), cast to `schema`'s fields of those columns when given
    (types and field metadata as the caller declares them)."""
    with pq.ParquetFile(path) as parquet:
        table = parquet.read(columns=columns)
    if schema is None:
        return table
    return table.cast(pa.schema([schema.field(name) for name in table.schema.names], metadata=schema.metadata))
