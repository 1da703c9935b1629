"""A Parquet file assembled from encoded row groups: each row group is encoded on its own by
pyarrow (the same rows give the same bytes), and a row group that is already encoded in another
file (the previous snapshot's) is copied as bytes, not decoded and encoded again.

The file is "PAR1", the row groups' column chunks one after the other, then the footer: the
FileMetaData pyarrow writes for the schema with the same options (a template:
pipelines.warehouse.parquet_out.footer_template) with the row groups' entries, their offsets
moved to where their bytes now are, and their row count. The bytes depend
only on the row groups and their order, so a file assembled from copied row groups is the file
that encoding every row group would give (tests).
"""
from __future__ import annotations

import struct as _struct
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from pipelines.warehouse import thrift_compact as tc

MAGIC = b"PAR1"
# FileMetaData, RowGroup, ColumnChunk, ColumnMetaData field ids (parquet.thrift)
FMD_NUM_ROWS, FMD_ROW_GROUPS = 3, 4
RG_COLUMNS, RG_NUM_ROWS, RG_FILE_OFFSET, RG_COMPRESSED_SIZE = 1, 3, 5, 6
CC_OFFSETS = (2, 4, 6)  # file_offset (0 when unset), offset_index_offset, column_index_offset
CC_META = 3
CMD_OFFSETS = (9, 10, 11, 14)  # data, index, dictionary page offsets, bloom filter offset


@dataclass
class RowGroupBytes:
    """One row group: its column chunks' bytes, and its footer entry with offsets as in the file
    the bytes were cut from (where they started at `origin`)."""

    data: bytes
    meta: list[tc.Field]  # RowGroup
    origin: int

    @property
    def num_rows(self) -> int:
        return tc.get(self.meta, RG_NUM_ROWS)


def read_footer(data_or_path: bytes | Path) -> list[tc.Field]:
    """The FileMetaData of a Parquet file (its bytes or its path)."""
    if isinstance(data_or_path, (bytes, bytearray)):
        data = data_or_path
        length = _struct.unpack("<I", data[-8:-4])[0]
        if data[-4:] != MAGIC:
            raise ValueError("not a Parquet file")
        return tc.decode(bytes(data[-8 - length:-8]))
    with open(data_or_path, "rb") as fh:
        fh.seek(-8, 2)
        tail = fh.read(8)
        if tail[4:] != MAGIC:
            raise ValueError(f"{data_or_path}: not a Parquet file")
        length = _struct.unpack("<I", tail[:4])[0]
        fh.seek(-8 - length, 2)
        return tc.decode(fh.read(length))


def row_group_span(meta: list[tc.Field]) -> tuple[int, int]:
    """(start, length) of a row group's column chunks in its file."""
    return tc.get(meta, RG_FILE_OFFSET), tc.get(meta, RG_COMPRESSED_SIZE)


def encode_row_group(table: pa.Table, schema: pa.Schema, writer_options: dict) -> RowGroupBytes:
    """The rows as one row group, encoded by pyarrow (as the one row group of a file)."""
    # an Arrow sink, not a Python file: pyarrow writes to it without taking the GIL back
    sink = pa.BufferOutputStream()
    with pq.ParquetWriter(sink, schema, **writer_options) as writer:
        writer.write_table(table.combine_chunks(), row_group_size=max(1, table.num_rows))
    data = sink.getvalue().to_pybytes()
    groups = tc.get(read_footer(data), FMD_ROW_GROUPS).items
    if len(groups) != 1:
        raise ValueError(f"expected one row group, pyarrow wrote {len(groups)}")
    start, length = row_group_span(groups[0])
    return RowGroupBytes(data[start:start + length], groups[0], start)


def read_row_group(path: Path, meta: list[tc.Field]) -> RowGroupBytes:
    start, length = row_group_span(meta)
    with open(path, "rb") as fh:
        fh.seek(start)
        data = fh.read(length)
    if len(data) != length:
        raise ValueError(f"{path}: row group bytes past the end of the file")
    return RowGroupBytes(data, meta, start)


def _moved(fields: list[tc.Field], offsets: tuple[int, ...], delta: int) -> list[tc.Field]:
    return [tc.Field(f.id, f.type, f.value + delta) if f.id in offsets and f.value else f for f in fields]


def _relocated(meta: list[tc.Field], delta: int) -> list[tc.Field]:
    """The RowGroup entry with every offset moved by delta (an unset 0 stays 0)."""
    out = []
    for f in _moved(meta, (RG_FILE_OFFSET,), delta):
        if f.id == RG_COLUMNS:
            columns = []
            for chunk in f.value.items:
                chunk = _moved(chunk, CC_OFFSETS, delta)
                chunk = [tc.Field(c.id, c.type, _moved(c.value, CMD_OFFSETS, delta)) if c.id == CC_META else c
                         for c in chunk]
                columns.append(chunk)
            f = tc.Field(f.id, f.type, tc.ThriftList(f.value.element_type, columns))
        out.append(f)
    return out


def write_spliced(path: Path, template: list[tc.Field], groups: Iterable[RowGroupBytes]) -> None:
    """Write the row groups in order under the template's FileMetaData (num_rows and row_groups
    replaced)."""
    entries: list[list[tc.Field]] = []
    rows = 0
    with open(path, "wb") as out:
        out.write(MAGIC)
        position = len(MAGIC)
        for group in groups:
            entries.append(_relocated(group.meta, position - group.origin))
            out.write(group.data)
            position += len(group.data)
            rows += group.num_rows
        kind = next(f.type for f in template if f.id == FMD_ROW_GROUPS)
        footer = tc.put(template, FMD_NUM_ROWS, next(f.type for f in template if f.id == FMD_NUM_ROWS), rows)
        footer = tc.put(footer, FMD_ROW_GROUPS, kind, tc.ThriftList(tc.STRUCT, entries))
        encoded = tc.encode(footer)
        out.write(encoded)
        out.write(_struct.pack("<I", len(encoded)))
        out.write(MAGIC)
