"""From raw/ to staged batches, and back out of staging: what the assets, the sensor and
`trialbridge ingest` call (no Dagster import here).

The work lives in pipelines/staging/ (batches, the process pool, typed staged rows, the store
that knows what is already staged); this module is the small API over it.
"""
from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from parsers.record import SourceRecord
from pipelines.staging import store
from pipelines.memory import release_memory
from pipelines.staging.batches import (ROOT_BATCH, Batch, batch_files, batch_fingerprint, listing_handed_over,
                                       relative_raw_path, sanitize_batch_key, scan_batch, scan_batches, scan_raw_paths)
from pipelines.staging.pool import (MIN_FILES_FOR_POOL, ChunkFn, default_workers, expect_next_intake, intake_tables,
                                    shared_workers, start_workers)
from pipelines.staging.rows import CHILD_TYPES, INTERNAL_ERROR
from pipelines.staging.store import (
    StageSummary,
    is_staged,
    read_staged,
    remove_stale_staging,
    staged_batch_dir,
    staged_batches,
    staging_root,
)

def _known_sources() -> tuple[str, ...]:
    """Page layouts, then the sources of the multi-record readers (parsers.exports.READERS)."""
    from parsers.exports import READERS
    from parsers.sources import LAYOUT_MODULES

    return tuple(dict.fromkeys((*LAYOUT_MODULES, *(reader.SOURCE for reader in READERS))))


SOURCES: tuple[str, ...] = _known_sources()

__all__ = [
    "INTERNAL_ERROR", "MIN_FILES_FOR_POOL", "ROOT_BATCH", "SOURCES", "Batch", "StageSummary", "batch_files",
    "batch_fingerprint", "default_workers", "expect_next_intake", "forget_removed_batches", "ingest_batch",
    "is_staged", "iter_staged", "listing_handed_over", "load_staged",
    "read_staged", "record_from_dict", "relative_raw_path", "remove_stale_staging", "sanitize_batch_key",
    "scan_batch", "scan_batches", "scan_raw_paths", "shared_workers", "staged_batch_dir", "staged_batches", "staging_root",
    "start_workers", "warning_codes",
]


def ingest_batch(raw_root: Path, warehouse_root: Path, batch: Batch, max_bytes: int, workers: int = 0,
                 chunk_fn: ChunkFn | None = None) -> StageSummary:
    """Bring one batch's staging up to date: parse only its new or changed files, in bulk."""
    def tables_for(files: list[Path]):
        return intake_tables(files, raw_root, max_bytes, workers, chunk_fn)

    try:
        return store.stage_batch(warehouse_root, raw_root, batch, tables_for)
    finally:
        release_memory()  # the chunks passed through this process; give their memory back


def forget_removed_batches(warehouse_root: Path, batch_keys: Iterable[str]) -> list[str]:
    """Drop the staging of batches that are no longer in raw/ (their records leave the warehouse)."""
    keep = set(batch_keys)
    gone = [key for key in staged_batches(warehouse_root) if key not in keep]
    for key in gone:
        store.remove_batch(warehouse_root, key)
    return gone


# ----------------------------------------------------------------------------- reading staged records back


def _build(cls: type, data: dict[str, Any]) -> Any:
    known = {f.name for f in dataclasses.fields(cls)}
    return cls(**{k: v for k, v in data.items() if k in known})


def record_from_dict(data: dict[str, Any]) -> SourceRecord:
    """Inverse of SourceRecord.to_dict() and of a staged `records` row (keys it lacks are ignored)."""
    values = dict(data)
    for name, cls in CHILD_TYPES.items():
        if name in values and values[name] is not None:
            values[name] = [_build(cls, item) for item in values[name]]
    if isinstance(values.get("raw"), list):  # an Arrow map comes back as (key, value) pairs
        values["raw"] = dict(values["raw"])
    for name in ("keywords", "countries", "references", "warnings"):
        if values.get(name) is None:
            values[name] = []
    return _build(SourceRecord, values)


def iter_staged(warehouse_root: Path, batch_keys: Iterable[str]) -> Iterator[Any]:
    """Every staged record as a full ParsedFile, lazily, batch by batch (staging order)."""
    import pyarrow.parquet as pq

    from pipelines.reconcile import ParsedFile

    for key in batch_keys:
        path = store.staged_file(warehouse_root, key, "records")
        if not path.exists():
            continue
        with pq.ParquetFile(path) as staged:
            for chunk in staged.iter_batches(batch_size=256, use_threads=False):
                for row in chunk.to_pylist():
                    yield ParsedFile(record_id=row["record_id"], raw_path=row["raw_path"], sha256=row["sha256"] or "",
                                     record=record_from_dict(row), record_key=row["record_key"])


def load_staged(warehouse_root: Path, batch_keys: Iterable[str]) -> tuple[list, list]:
    """(ParsedFile list, QuarantinedFile list) of the given staged batches, sorted by raw_path:
    whole records in memory, for tests and small inputs (the snapshot engine never does this)."""
    from pipelines.reconcile import QuarantinedFile

    batch_keys = list(batch_keys)
    parsed = sorted(iter_staged(warehouse_root, batch_keys), key=lambda p: (p.raw_path, p.record_key or ""))
    quarantined = []
    for key in batch_keys:
        for row in read_staged(warehouse_root, key, "quarantine").to_pylist():
            quarantined.append(QuarantinedFile(raw_path=row["raw_path"], sha256=row["sha256"], reason=row["reason"],
                                               detail=row["detail"] or "", record_key=row["record_key"]))
    quarantined.sort(key=lambda q: (q.raw_path, q.record_key or ""))
    return parsed, quarantined


def warning_codes(warning_lists: Iterable[list[str] | None]) -> Counter:
    """Count warnings by code ("code: detail" -> code) over a `warnings` column."""
    return Counter(str(w).split(":", 1)[0] for warnings in warning_lists for w in (warnings or []))
