"""The warehouse writer's row groups: cut by content, spliced into one file, and copied from the
previous snapshot's file where no changed trial reaches (pipelines.warehouse.parquet_out,
parquet_splice, row_group_reuse, thrift_compact): the bytes are always those of a write of every
row."""
from __future__ import annotations

import random
import struct

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pipelines.warehouse import parquet_out, parquet_splice, thrift_compact
from pipelines.warehouse.duck import copy_sorted
from pipelines.warehouse.row_group_reuse import plan_reuse
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


def _write(con, path, table: pa.Table, previous=None, dirty=None) -> str:
    con.register("rows_in", table)
    try:
        return copy_sorted(con, "trials", TABLES["trials"], "SELECT * FROM rows_in", path,
                           previous=previous, dirty_keys=dirty)
    finally:
        con.unregister("rows_in")


@pytest.mark.parametrize("seed", range(12))
def test_reusing_row_groups_writes_the_bytes_of_a_full_write(tmp_path, small_groups, seed):
    rng = random.Random(seed)
    old_keys = sorted({f"NCT0{rng.randrange(10**7):07d}" for _ in range(300)})
    con = duckdb.connect()
    old_path = tmp_path / "old.parquet"
    _write(con, old_path, _trials(old_keys))
    starts = plan_reuse(old_path, "trial_id", []).starts
    kept = set(old_keys)
    removed = set(rng.sample(old_keys, rng.randrange(0, 6)))
    removed |= set(rng.sample(starts, min(len(starts), rng.randrange(0, 3))))  # a row group's first trial goes
    changed = set(rng.sample(sorted(kept - removed), rng.randrange(0, 6)))
    added = {f"NCT0{rng.randrange(10**7):07d}" for _ in range(rng.randrange(0, 6))} - kept
    if seed % 3 == 0:  # new registrations sort last
        added |= {f"NCT09{i:06d}" for i in range(rng.randrange(1, 30))}
    new_keys = sorted((kept - removed) | added)
    new_table = pa.concat_tables([_trials(sorted(set(new_keys) - changed)), _trials(sorted(changed), version=1)])
    full, reused = tmp_path / "full.parquet", tmp_path / "reused.parquet"
    _write(con, full, new_table)
    dirty = sorted(removed | changed | added)
    _write(con, reused, new_table, previous=old_path, dirty=dirty)
    assert reused.read_bytes() == full.read_bytes()
    plan = plan_reuse(old_path, "trial_id", dirty)
    if len(dirty) < 4:
        assert plan.kept_rows > 0  # something was copied, not all written again


def test_nothing_dirty_copies_every_row_group(tmp_path, small_groups):
    con = duckdb.connect()
    table = _trials([f"NCT0{i:07d}" for i in range(100)])
    old, new = tmp_path / "old.parquet", tmp_path / "new.parquet"
    _write(con, old, table)
    # the source is not even read: it may be anything
    assert copy_sorted(con, "trials", TABLES["trials"], "SELECT * FROM no_such_table", new,
                       previous=old, dirty_keys=[]) == parquet_out.file_sha256(old)


def test_row_groups_encoded_in_threads_give_the_bytes_of_encoding_them_in_turn(tmp_path, small_groups, monkeypatch):
    """write_rows encodes row groups two at a time (pipelines.mapped_ahead): the file must be the
    one encoding them one after the other writes, and pyarrow's own single-file write reads the same."""
    table = _trials([f"NCT0{i:07d}" for i in range(400)])
    chunks = [table.slice(i, 37) for i in range(0, table.num_rows, 37)]
    threaded = tmp_path / "threaded.parquet"
    parquet_out.write_rows(threaded, TABLES["trials"], iter(chunks), name="trials")
    monkeypatch.setattr(parquet_out, "mapped_ahead", lambda fn, items, workers=2: map(fn, items))
    in_turn = tmp_path / "in_turn.parquet"
    parquet_out.write_rows(in_turn, TABLES["trials"], iter(chunks), name="trials")
    assert pq.read_metadata(threaded).num_row_groups > 10
    assert threaded.read_bytes() == in_turn.read_bytes()
    assert pq.read_table(threaded).equals(table)
