"""Writing a table again after a small change: the previous snapshot's row groups that no changed
key can reach are copied as bytes; only the rows of the others are queried, cut and encoded.

Row groups are cut by content (pipelines.warehouse.parquet_out): an old row group holds exactly
the keys from its first key up to the next group's first key. When no dirty key (one whose rows
may differ: added, changed or removed) falls in that range and its first key is not dirty either
(a removed first key would let the rows after it join the group before), a from-scratch write
has the very same row group there, and so the same bytes. The other groups form runs of
consecutive groups; each run starts at a kept cut key (or at the table's start) and ends before
one, so cutting the new rows of its key range by content gives the from-scratch groups there.
"""
from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from pipelines.warehouse import parquet_splice as splice
from pipelines.warehouse import thrift_compact as tc


@dataclass
class ReusePlan:
    path: Path  # the previous snapshot's file of the table
    groups: list[list[tc.Field]]  # its RowGroup entries
    starts: list  # each row group's first key
    dirty: list[bool]  # row groups to write again

    def runs(self) -> list[tuple[object | None, object | None]]:
        """(first key, first key after) of each run of dirty row groups; None: unbounded."""
        out, i, n = [], 0, len(self.groups)
        while i < n:
            if not self.dirty[i]:
                i += 1
                continue
            j = i
            while j < n and self.dirty[j]:
                j += 1
            out.append((self.starts[i] if i else None, self.starts[j] if j < n else None))
            i = j
        return out

    @property
    def kept_rows(self) -> int:
        return sum(tc.get(g, splice.RG_NUM_ROWS) for g, d in zip(self.groups, self.dirty) if not d)


def plan_reuse(previous: Path, key: str, dirty_keys: Iterable) -> ReusePlan | None:
    """Which row groups of `previous` (a file this writer wrote) can be kept, the dirty keys
    given; None when it cannot tell (no file, no row groups, no statistics of `key`)."""
    try:
        metadata = pq.read_metadata(previous)
    except OSError:
        return None
    if not metadata.num_row_groups:
        return None
    leaf = next((j for j in range(metadata.num_columns)
                 if metadata.row_group(0).column(j).path_in_schema == key), None)
    if leaf is None:
        return None
    starts = []
    for i in range(metadata.num_row_groups):
        stats = metadata.row_group(i).column(leaf).statistics
        if stats is None or not stats.has_min_max or stats.min is None:
            return None
        starts.append(stats.min)  # rows are sorted by key: its minimum is the group's first key
    groups = tc.get(splice.read_footer(previous), splice.FMD_ROW_GROUPS).items
    dirty = [False] * len(groups)
    for value in dirty_keys:
        group = max(0, bisect_right(starts, value) - 1)
        dirty[group] = True
        if group and starts[group] == value:  # the group's first key itself may be gone
            dirty[group - 1] = True
    return ReusePlan(Path(previous), groups, starts, dirty)


def assemble(plan: ReusePlan, new_groups: Iterable[pa.Table], key: str,
             encode: Callable[[pa.Table], splice.RowGroupBytes]) -> Iterator[splice.RowGroupBytes]:
    """The row groups of the new file in order: kept ones copied from plan.path, and in place of
    each run the new groups (the run's rows cut by content, in key order) whose first key falls
    in it."""
    new_groups = iter(new_groups)
    waiting = next(new_groups, None)
    i, n = 0, len(plan.groups)
    while i < n:
        if not plan.dirty[i]:
            yield splice.read_row_group(plan.path, plan.groups[i])
            i += 1
            continue
        while i < n and plan.dirty[i]:
            i += 1
        end = plan.starts[i] if i < n else None
        while waiting is not None and (end is None or waiting.column(key)[0].as_py() < end):
            yield encode(waiting)
            waiting = next(new_groups, None)
    if waiting is not None:
        raise ValueError(f"a new row group at key {waiting.column(key)[0].as_py()!r} falls outside the rewritten ranges")
