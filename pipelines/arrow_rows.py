"""Python row dicts -> an Arrow table of a given schema, fast.

`pa.Table.from_pylist` gathers each column in a Python loop over the rows; converting the rows
as one struct array does that in C++. Measured: the resolve step's part files 1.30 -> 1.04 s per
13,000 trials, the staged rows of 64 pages a quarter faster (nested records dominate both).
Same result: missing keys are nulls, keys the schema does not name are ignored, a value of the
wrong type raises ArrowTypeError.
"""
from __future__ import annotations

from collections.abc import Sequence

import pyarrow as pa


def table_from_rows(rows: Sequence[dict], schema: pa.Schema) -> pa.Table:
    rows = rows if isinstance(rows, list) else list(rows)
    struct = pa.array(rows, type=pa.struct(schema))
    return pa.Table.from_batches([pa.RecordBatch.from_struct_array(struct)], schema=schema)


def table_from_tuples(rows: Sequence[tuple], schema: pa.Schema) -> pa.Table:
    """Rows given as tuples in the schema's column order (named tuples: no dict per row)."""
    columns = list(zip(*rows)) if rows else [() for _ in schema]
    return pa.Table.from_arrays([pa.array(column, type=f.type) for column, f in zip(columns, schema)], schema=schema)
