"""The warehouse writer's row groups: cut by content and spliced into one file
(pipelines.warehouse.parquet_out, parquet_splice, thrift_compact)."""
from __future__ import annotations

import struct

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pipelines.warehouse import parquet_out, parquet_splice, thrift_compact
from pipelines.warehouse.schema import TABLES


def _footer_bytes(path) -> bytes:
    data = path.read_bytes()
    length = struct.unpack("<I", data[-8:-4])[0]
    return data[-8 - length:-8]


def _trials(keys: list[str], version: int = 0) -> pa.Table:
    schema = TABLES["trials"]
    rows = [{"trial_id": k, "title": f"{k} title v{version}", "record_count": len(k) + version,
             "conditions": [f"c{version}", k], "sources": ["veeva"]} for k in sorted(keys)]
    return pa.Table.from_pylist(rows, schema=schema)


@pytest.fixture
def small_groups(monkeypatch):
    """About 8 trials per row group, so a few hundred trials make dozens of groups."""
    monkeypatch.setattr(parquet_out, "ROW_GROUP_ROWS", 16)


def test_thrift_round_trip_is_byte_exact_on_pyarrow_footers(tmp_path):
    path = tmp_path / "t.parquet"
    parquet_out.write_rows(path, TABLES["trials"], [_trials([f"NCT0{i:07d}" for i in range(300)])], name="trials")
    for table_path in (path,):
        footer = _footer_bytes(table_path)
        assert thrift_compact.encode(thrift_compact.decode(footer)) == footer
    # long-form field ids (a delta above 15) and every scalar type
    fields = [thrift_compact.Field(1, thrift_compact.I32, -7), thrift_compact.Field(20, thrift_compact.I64, 2**40),
              thrift_compact.Field(21, thrift_compact.FALSE, False), thrift_compact.Field(40, thrift_compact.BINARY, b"x"),
              thrift_compact.Field(41, thrift_compact.DOUBLE, 0.5),
              thrift_compact.Field(42, thrift_compact.LIST, thrift_compact.ThriftList(thrift_compact.I32, list(range(20))))]
    encoded = thrift_compact.encode(fields)
    assert thrift_compact.decode(encoded) == fields and thrift_compact.encode(thrift_compact.decode(encoded)) == encoded


def test_spliced_file_reads_as_the_rows_and_copies_keep_bytes(tmp_path, small_groups):
    table = _trials([f"NCT0{i:07d}" for i in range(200)])
    path = tmp_path / "a.parquet"
    parquet_out.write_rows(path, TABLES["trials"], [table.slice(0, 70), table.slice(70)], name="trials")
    assert pq.read_table(path).equals(table)
    assert duckdb.sql(f"SELECT count(*), min(trial_id) FROM read_parquet('{path}')").fetchall() == [(200, "NCT00000000")]
    metadata = pq.read_metadata(path)
    assert metadata.num_row_groups > 5
    assert pq.read_schema(path).field("trial_id").metadata  # the column descriptions travel
    # every row group copied into a new file: the same bytes
    groups = thrift_compact.get(parquet_splice.read_footer(path), parquet_splice.FMD_ROW_GROUPS).items
    copy = tmp_path / "b.parquet"
    parquet_splice.write_spliced(copy, parquet_out.footer_template(TABLES["trials"]),
                                 (parquet_splice.read_row_group(path, g) for g in groups))
    assert copy.read_bytes() == path.read_bytes()


def test_row_groups_are_cut_by_content_not_by_count(tmp_path, small_groups):
    keys = [f"NCT0{i:07d}" for i in range(0, 400, 2)]
    before, after = tmp_path / "before.parquet", tmp_path / "after.parquet"
    parquet_out.write_rows(before, TABLES["trials"], [_trials(keys)], name="trials")
    # one trial more, in the middle: the row groups before and after it stay as they were
    parquet_out.write_rows(after, TABLES["trials"], [_trials(keys + ["NCT00000201"])], name="trials")
    old, new = pq.read_metadata(before), pq.read_metadata(after)
    sizes_old = [old.row_group(i).num_rows for i in range(old.num_row_groups)]
    sizes_new = [new.row_group(i).num_rows for i in range(new.num_row_groups)]
    assert len(sizes_new) == len(sizes_old)
    assert sum(a != b for a, b in zip(sizes_old, sizes_new)) == 1
    # chunking of the input does not matter
    again = tmp_path / "again.parquet"
    table = _trials(keys)
    parquet_out.write_rows(again, TABLES["trials"], [table.slice(i, 7) for i in range(0, table.num_rows, 7)], name="trials")
    assert again.read_bytes() == before.read_bytes()
