"""read_parquet: the columns of a file, cast to a declared schema, without pyarrow.dataset."""
from __future__ import annotations

import subprocess
import sys

import pyarrow as pa
import pyarrow.parquet as pq

from pipelines.parquet_read import read_parquet


def _file(tmp_path):
    path = tmp_path / "t.parquet"
    pq.write_table(pa.table({"a": pa.array([1, 2], pa.int32()), "b": ["x", None], "c": [[1], []]}), path)
    return path


def test_reads_the_columns_asked_for_in_that_order_as_read_table_does(tmp_path):
    table = read_parquet(_file(tmp_path), ["b", "a"])
    assert table.schema.names == ["b", "a"] == pq.read_table(_file(tmp_path), columns=["b", "a"]).schema.names and table.column("b").to_pylist() == ["x", None]
    assert read_parquet(_file(tmp_path)).num_columns == 3


def test_casts_to_the_declared_fields_with_their_metadata(tmp_path):
    declared = pa.schema([pa.field("a", pa.int64(), metadata={"description": "count"}), pa.field("b", pa.string()),
                          pa.field("c", pa.list_(pa.int64()))])
    table = read_parquet(_file(tmp_path), ["a"], declared)
    assert table.schema.field("a").type == pa.int64() and table.schema.field("a").metadata == {b"description": b"count"}
    assert table.column("a").to_pylist() == [1, 2]


def test_does_not_import_pyarrow_dataset_nor_pandas(tmp_path):
    """pq.read_table would: pyarrow.dataset imports pandas (0.2-0.3 s a run)."""
    code = (f"import sys; from pipelines.parquet_read import read_parquet; read_parquet({str(_file(tmp_path))!r}, ['a']); "
            "print('pyarrow.dataset' in sys.modules, 'pandas' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["False", "False"]
