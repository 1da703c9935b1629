"""What crosses the pipe between an intake worker and the parent: a chunk's staged tables as
Arrow IPC streams, and the files a worker set aside for the parent to parse from the source."""
from __future__ import annotations

from pathlib import Path

import pyarrow as pa

from pipelines.staging.rows import INTERNAL_ERROR, SET_ASIDE, FileResult, stage_files


# A chunk's tables cross the pipe as Arrow IPC streams, not pickled tables: pickling rebuilds
# every nested type and field in Python (3.9 ms a chunk in the worker, 2.0 ms in the parent,
# against 1.3 and 1.4 ms; measured on 64-page chunks of the bench corpus), CPU both need.
def to_ipc(table: pa.Table) -> bytes:
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return sink.getvalue().to_pybytes()


def from_transport(tables: dict[str, pa.Table | bytes]) -> dict[str, pa.Table]:
    return {name: value if isinstance(value, pa.Table) else pa.ipc.open_stream(value).read_all()
            for name, value in tables.items()}


def doubtful_when_compiled(result: FileResult) -> bool:
    """What a worker running the compiled parsers sets aside: a file whose parse hit an exception
    (a section_error warning, an internal_error). Compiled code checks annotations Python does
    not, so the Python source should have the last word."""
    return any(outcome.reason == INTERNAL_ERROR
               or (outcome.record is not None and any(w.startswith("section_error") for w in outcome.record.warnings))
               for outcome in result.outcomes)


def parse_set_aside(tables: dict[str, pa.Table], raw_root: Path, max_bytes: int) -> list[dict[str, pa.Table]]:
    """A worker's tables, and those of the files it set aside (its compiled parse of them met an
    exception: pipelines.staging.compiled) parsed here, from the Python source."""
    aside = tables.pop(SET_ASIDE, None)
    if aside is None or not aside.num_rows:
        return [tables]
    return [tables, stage_files(aside.column("path").to_pylist(), str(raw_root), max_bytes)]
