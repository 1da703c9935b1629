"""The one way warehouse Parquet files are written: same rows, same bytes.

Row groups are cut by content, not by count: a row group closes before a row whose value of the
table's first sort key (trial_id for most tables) differs from the row before it and is a cut
value (a fixed hash of the value, one value in keys_per_group(name)). Where a group starts and
ends then depends only on the rows around those cuts, never on how many rows came before, so a
new trial changes only the row group it sorts into, and the other row groups of the previous
snapshot's file are copied as bytes (pipelines.warehouse.row_group_reuse). Each row group is
encoded on its own by pyarrow with fixed options and the contract schema (column descriptions
travel in the file's Arrow schema), whatever chunks the rows arrive in (the chunking of a DuckDB
stream depends on thread counts), and the file is assembled by pipelines.warehouse.parquet_splice.
Memory: one row group at a time.
"""
from __future__ import annotations

import hashlib
import io
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from pipelines.mapped_ahead import mapped_ahead
from pipelines.warehouse import parquet_splice as splice

if TYPE_CHECKING:
    from pipelines.warehouse.row_group_reuse import ReusePlan

# the mean row group size aimed at (content-defined: not a bound). Smaller groups keep more of
# the previous file when changed trials are scattered; each costs ~1 KB of footer
ROW_GROUP_ROWS = 16_384
WRITER_OPTIONS = dict(compression="zstd", compression_level=3, write_statistics=True, use_dictionary=True,
                      version="2.6", data_page_version="1.0")
# rows per value of the table's first sort key, measured at 100,000 pages (other tables: 1-2);
# fixed here, as the cuts must not depend on the data
_ROWS_PER_KEY = {"field_provenance": 46, "eligibility_criteria": 44, "locations": 11, "conditions": 6,
                 "trial_locations": 6, "trial_identifiers": 5, "trial_links": 4, "sponsors": 4, "arms": 3,
                 "interventions": 3,
                 # rows of about 2 KB (other tables: 80-320 bytes): counted 4 times, for row groups
                 # of about 4,096 rows, ~9 MB of Arrow
                 "trials": 4, "source_records": 12}


def group_key(name: str | None, schema: pa.Schema) -> str | None:
    """The column whose values cut the table's row groups: its first sort key (None, cut by row
    count, for a table of no known name or without that column)."""
    from pipelines.warehouse.schema import SORT_KEYS

    key = SORT_KEYS.get(name or "", ("",))[0]
    return key if key in schema.names else None


def keys_per_group(name: str | None) -> int:
    return max(1, ROW_GROUP_ROWS // _ROWS_PER_KEY.get(name or "", 2))


def is_cut(value, every: int) -> bool:
    """A row group starts at this key value (a stable hash: the same in every run and process)."""
    if value is None:
        return False
    digest = hashlib.blake2b(str(value).encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "little") % every == 0


def _conform(batch: pa.RecordBatch | pa.Table, schema: pa.Schema) -> pa.Table:
    table = batch if isinstance(batch, pa.Table) else pa.Table.from_batches([batch])
    table = table.select(schema.names)
    return table.cast(schema) if table.schema != schema else table


_START = object()  # no row seen yet


def _cut_positions(column: pa.ChunkedArray, previous, every: int) -> list[int]:
    """Rows of this chunk that start a row group (`previous`: the key of the row before it)."""
    values = column.combine_chunks()
    n = len(values)
    changed = []
    if n and previous is not _START and values[0].as_py() != previous:
        changed.append(0)
    if n > 1:
        head, tail = values.slice(0, n - 1), values.slice(1)
        differs = pc.or_(pc.fill_null(pc.not_equal(tail, head), False), pc.xor(pc.is_null(tail), pc.is_null(head)))
        changed.extend(i + 1 for i in pc.indices_nonzero(differs).to_pylist())
    if not changed:
        return []
    keys = values.take(pa.array(changed, pa.int64())).to_pylist()
    return [i for i, key in zip(changed, keys) if is_cut(key, every)]


def row_groups(chunks: Iterable[pa.RecordBatch | pa.Table], schema: pa.Schema, key: str | None,
               every: int) -> Iterator[pa.Table]:
    """The rows (already in their final order) cut into row groups: by content on `key`, or every
    ROW_GROUP_ROWS rows without one."""
    pending: list[pa.Table] = []
    previous, seen = _START, 0
    for chunk in chunks:
        table = _conform(chunk, schema)
        if not table.num_rows:
            continue
        if key is None:
            cuts = [i for i in range(-seen % ROW_GROUP_ROWS, table.num_rows, ROW_GROUP_ROWS) if seen + i]
        else:
            cuts = _cut_positions(table.column(key), previous, every)
            previous = table.column(key)[-1].as_py()
        seen += table.num_rows
        start = 0
        for cut in cuts:
            pending.append(table.slice(start, cut - start))
            group = pa.concat_tables(pending)
            if group.num_rows:
                yield group
            pending, start = [], cut
        pending.append(table.slice(start))
    if pending:
        group = pa.concat_tables(pending)
        if group.num_rows:
            yield group


def footer_template(schema: pa.Schema) -> list:
    """The FileMetaData pyarrow writes for this schema with these options (no row groups)."""
    buffer = io.BytesIO()
    with pq.ParquetWriter(buffer, schema, **WRITER_OPTIONS):
        pass
    return splice.read_footer(buffer.getvalue())


def contract_schema(schema: pa.Schema) -> pa.Schema:
    return schema.remove_metadata() if schema.metadata and b"pandas" in schema.metadata else schema


def encode(group: pa.Table, schema: pa.Schema) -> splice.RowGroupBytes:
    return splice.encode_row_group(group, schema, WRITER_OPTIONS)


def write_rows(path: Path, schema: pa.Schema, chunks: Iterable[pa.RecordBatch | pa.Table],
               name: str | None = None, reuse: "ReusePlan | None" = None) -> str:
    """Write the chunks (already in their final order) as `path`, row groups cut on table `name`'s
    first sort key; returns the file's sha256. reuse: the previous file's row groups to copy
    (pipelines.warehouse.row_group_reuse); the chunks are then the rows of the other ranges."""
    from pipelines.warehouse.row_group_reuse import assemble

    schema = contract_schema(schema)
    key = group_key(name, schema)
    groups = row_groups(chunks, schema, key, keys_per_group(name))
    if reuse is None:
        pieces = mapped_ahead(lambda group: encode(group, schema), groups, workers=2)
    else:
        pieces = assemble(reuse, groups, key, lambda group: encode(group, schema))
    splice.write_spliced(path, footer_template(schema), pieces)
    return file_sha256(path)


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()
