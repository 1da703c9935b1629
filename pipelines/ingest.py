"""Orchestration glue between raw/ and the warehouse: batches, bulk intake, staging.

No Dagster import here: the assets, the sensor and `trialbridge ingest` call these functions.

- A *batch* is a top-level directory of raw/ (files directly under raw/ form the batch "root").
  Batch keys are Dagster partition keys, so they are sanitised (no `| [ ] ,` or `...`).
- Intake runs in bulk: one process pool per batch, files sent in chunks, records serialized to
  JSON inside the workers, so per-file cost is parse cost only (no per-file Dagster overhead).
- Staging: <warehouse>/_staging/<batch>/<source>.parquet (raw_path, sha256, source,
  record_json, warnings, reconcile_json) plus quarantine.parquet and manifest.json. A batch
  directory is replaced as a whole, so a re-run never mixes old and new outcomes.
- Loading: load_staged (whole records, or with reconcile_only=True the light reconcile_view
  that pipelines.reconcile needs) and iter_staged (whole records, lazily, for streaming).
- Issue 10 (a raw file may hold many records): one StagedOutcome per record (the marked
  `_outcomes_for` block), a `record_key` column in both staged schemas (read as null from
  older staging by `_read_staged` / `_iter_staged_rows`), and record ids from
  pipelines.warehouse.build.record_id_of(raw_path, record_key) in `_parsed_file`.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
import multiprocessing
import os
import re
import shutil
import typing
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from parsers import record as record_module
from parsers.record import SourceRecord

def _known_sources() -> tuple[str, ...]:
    """Page layouts, then the sources of the multi-record readers (parsers.exports.READERS)."""
    from parsers.exports import READERS
    from parsers.sources import LAYOUT_MODULES

    return tuple(dict.fromkeys((*LAYOUT_MODULES, *(reader.SOURCE for reader in READERS))))


SOURCES: tuple[str, ...] = _known_sources()
ROOT_BATCH = "root"
STAGING_DIR = "_staging"
QUARANTINE_FILE = "quarantine.parquet"
MANIFEST_FILE = "manifest.json"
INTERNAL_ERROR = "internal_error"  # parsers.intake.Reason.INTERNAL_ERROR: a bug, not bad input

# Below this many files a process pool costs more than it saves.
MIN_FILES_FOR_POOL = 64
CHUNK_SIZE = 64

STAGED_RECORD_SCHEMA = pa.schema([
    pa.field("raw_path", pa.string()),
    pa.field("record_key", pa.string()),  # the record inside a multi-record file (None: the file is one record)
    pa.field("sha256", pa.string()),
    pa.field("source", pa.string()),
    pa.field("record_json", pa.string()),
    pa.field("warnings", pa.list_(pa.string())),  # the record's warnings, readable without parsing the JSON
    # json of reconcile_view(record): what reconciliation reads, decodable without the whole record
    # (absent in staging written before it existed: then derived from record_json)
    pa.field("reconcile_json", pa.string()),
])
STAGED_QUARANTINE_SCHEMA = pa.schema([
    pa.field("raw_path", pa.string()),
    pa.field("record_key", pa.string()),  # None: the whole file is quarantined
    pa.field("sha256", pa.string()),
    pa.field("source", pa.string()),
    pa.field("reason", pa.string()),
    pa.field("detail", pa.string()),
])

# Parts of a record that reconciliation (pipelines/reconcile/*) never reads. The snapshot step
# reconciles records without them, then streams full records batch by batch into the per-record
# tables, so its peak memory follows the small per-record data, not whole pages.
RECONCILE_UNUSED_FIELDS: frozenset[str] = frozenset({
    "keywords", "interventions", "arms", "criteria", "contacts", "outcomes", "references", "raw", "warnings",
})
STREAM_ROWS = 256  # staged rows decoded at a time


def reconcile_view(data: dict[str, Any]) -> dict[str, Any]:
    """A SourceRecord dict as reconciliation sees it: RECONCILE_UNUSED_FIELDS left out, and the
    locations cut to one country-only entry per distinct country value, first seen first (all
    reconcile reads of them: the trial's `countries`, where the first spelling wins). Idempotent."""
    values = {k: v for k, v in data.items() if k not in RECONCILE_UNUSED_FIELDS}
    countries = dict.fromkeys(c for loc in values.get("locations") or () if (c := loc.get("country")))
    values["locations"] = [{"country": c} for c in countries]
    return values


_FORBIDDEN_KEY_CHARS = re.compile(r"[|\[\],\s/\\]+")


# ----------------------------------------------------------------------------- batches


@dataclass(frozen=True)
class Batch:
    key: str  # sanitised partition key
    directory: str | None  # top-level directory name under raw/ (None for the root batch)
    files: tuple[Path, ...]  # absolute paths, sorted


def sanitize_batch_key(name: str) -> str:
    """A Dagster-safe partition key for a directory name (deterministic; see module doc)."""
    key = _FORBIDDEN_KEY_CHARS.sub("_", name)
    while "..." in key:
        key = key.replace("...", "_")
    key = key.strip() or "_"
    if key != name:
        # Different names may sanitise alike; the hash of the original keeps them apart.
        key = f"{key}~{hashlib.sha256(name.encode('utf-8', 'surrogateescape')).hexdigest()[:8]}"
    return key


def _iter_raw_files(raw_root: Path) -> Iterator[Path]:
    from parsers.intake import iter_raw_files  # the one definition of "a raw file"

    return iter_raw_files(raw_root)


def relative_raw_path(path: Path, raw_root: Path) -> str:
    return path.relative_to(raw_root).as_posix()


def scan_batches(raw_root: Path) -> dict[str, Batch]:
    """Group every raw file (as intake lists them) into batches keyed by partition key."""
    raw_root = Path(raw_root)
    grouped: dict[str | None, list[Path]] = {}
    for path in _iter_raw_files(raw_root):
        parts = Path(relative_raw_path(path, raw_root)).parts
        directory = parts[0] if len(parts) > 1 else None
        grouped.setdefault(directory, []).append(path)
    batches: dict[str, Batch] = {}
    for directory in sorted(grouped, key=lambda d: (d is not None, d or "")):
        key = ROOT_BATCH if directory is None else sanitize_batch_key(directory)
        if key in batches:  # a directory literally named like the root batch
            key = f"{key}~{hashlib.sha256((directory or '').encode()).hexdigest()[:8]}"
        batches[key] = Batch(key=key, directory=directory, files=tuple(sorted(grouped[directory])))
    return batches


def batch_fingerprint(batch: Batch, raw_root: Path) -> str:
    """Changes when a file of the batch is added, removed, renamed, resized or touched."""
    digest = hashlib.sha256()
    for path in batch.files:
        try:
            stat = path.stat()
            sig = f"{stat.st_size}:{stat.st_mtime_ns}"
        except OSError:
            sig = "missing"
        digest.update(f"{relative_raw_path(path, raw_root)}\0{sig}\n".encode("utf-8", "surrogateescape"))
    return digest.hexdigest()[:16]


# ----------------------------------------------------------------------------- bulk intake


@dataclass(frozen=True)
class StagedOutcome:
    """What one worker sends back for one file: already serialized, cheap to pickle."""

    raw_path: str
    sha256: str | None
    source: str | None
    record_json: str | None  # json of SourceRecord.to_dict(); None when quarantined
    reason: str | None
    detail: str
    warnings: tuple[str, ...] = ()
    reconcile_json: str | None = None  # json of reconcile_view(record dict); None when quarantined
    record_key: str | None = None  # the record inside a multi-record file; None: the file is one record


def _to_json(data: dict[str, Any]) -> str:
    return json.dumps(data, ensure_ascii=False, sort_keys=True)


# --- issue 10: one StagedOutcome per RECORD of a file (a multi-record export gives many) ------
def _outcomes_for(path: Path, raw_root: Path, max_bytes: int) -> list[StagedOutcome]:
    from parsers.intake import process_file

    outcome = process_file(path, raw_root, max_bytes=max_bytes)
    if outcome.reason is not None:  # the whole file is quarantined
        return [StagedOutcome(outcome.raw_path, outcome.sha256, outcome.source, None,
                              str(outcome.reason), outcome.detail or "")]
    return [_staged_record(outcome.raw_path, outcome.sha256, outcome.source, one) for one in outcome.records]


def _staged_record(raw_path: str, sha256: str | None, source: str | None, one) -> StagedOutcome:
    """One parsers.record.RecordOutcome of a file, serialized."""
    record, key = one.record, one.record_key
    if record is None:
        return StagedOutcome(raw_path, sha256, source, None, str(one.reason or "unknown"), one.detail or "",
                             record_key=key)
    try:
        data = record.to_dict()
        record_json, reconcile_json = _to_json(data), _to_json(reconcile_view(data))
    except (TypeError, ValueError) as exc:  # a parser put something odd in the record
        return StagedOutcome(raw_path, sha256, source, None, INTERNAL_ERROR,
                             f"record not serializable: {type(exc).__name__}: {exc}", record_key=key)
    return StagedOutcome(raw_path, sha256, source or record.source, record_json, None, "",
                         tuple(map(str, record.warnings)), reconcile_json, key)


def _intake_chunk(paths: list[str], raw_root: str, max_bytes: int) -> list[StagedOutcome]:
    root = Path(raw_root)
    return [staged for p in paths for staged in _outcomes_for(Path(p), root, max_bytes)]
# --- end of issue 10 ----------------------------------------------------------------------------


def _chunks(items: list[Path], size: int) -> Iterator[list[str]]:
    for start in range(0, len(items), size):
        yield [str(p) for p in items[start:start + size]]


def default_workers() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1))


def intake_files(files: Iterable[Path], raw_root: Path, max_bytes: int, workers: int = 0,
                 chunk_fn: Callable[[list[str], str, int], list[StagedOutcome]] | None = None) -> list[StagedOutcome]:
    """Run intake over many files, across processes when it pays; results sorted by raw_path.

    chunk_fn (a module-level function, default: intake) exists so tests can make a worker die."""
    chunk_fn = chunk_fn or _intake_chunk
    files = list(files)
    workers = workers or default_workers()
    if workers <= 1 or len(files) < MIN_FILES_FOR_POOL:
        outcomes = chunk_fn([str(p) for p in files], str(raw_root), max_bytes)
    else:
        context = _pool_context()
        chunk = max(1, min(CHUNK_SIZE, len(files) // (workers * 4) or 1))
        outcomes, failed = [], []
        with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
            futures = [(paths, pool.submit(chunk_fn, paths, str(raw_root), max_bytes))
                       for paths in _chunks(files, chunk)]
            for paths, future in futures:
                try:
                    outcomes.extend(future.result())
                except Exception:  # a worker died (crash, OOM kill): isolate the culprit below
                    failed.extend(paths)
        outcomes.extend(_intake_isolated(failed, raw_root, max_bytes, context, chunk_fn))
    return sorted(outcomes, key=lambda o: o.raw_path)


def _pool_context():
    # forkserver: never fork a process that may hold Dagster's threads and locks.
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["parsers.intake", "pipelines.ingest"])
    return context


def _intake_isolated(paths: list[str], raw_root: Path, max_bytes: int, context, chunk_fn) -> list[StagedOutcome]:
    """Files of a chunk whose worker died, one process each: the file that kills its process is
    quarantined (never crashes the run), the others are processed normally."""
    outcomes = []
    for path in paths:
        try:
            with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
                outcomes.extend(pool.submit(chunk_fn, [path], str(raw_root), max_bytes).result())
        except Exception as exc:
            outcomes.append(StagedOutcome(relative_raw_path(Path(path), Path(raw_root)), None, None, None,
                                          INTERNAL_ERROR, f"intake process died: {type(exc).__name__}: {exc}"))
    return outcomes


# ----------------------------------------------------------------------------- staging


@dataclass
class StageSummary:
    batch: str
    files: int
    by_source: dict[str, int] = field(default_factory=dict)
    quarantined: dict[str, int] = field(default_factory=dict)  # reason -> count
    warnings: int = 0
    path: str = ""

    @property
    def quarantined_total(self) -> int:
        return sum(self.quarantined.values())


def staging_root(warehouse_root: Path) -> Path:
    return Path(warehouse_root) / STAGING_DIR


def staged_batch_dir(warehouse_root: Path, batch_key: str) -> Path:
    return staging_root(warehouse_root) / batch_key


def _write_parquet(table: pa.Table, path: Path) -> None:
    pq.write_table(table, path, compression="zstd")


def remove_stale_staging(warehouse_root: Path, batch_key: str) -> list[str]:
    """Remove the temp and replaced directories a killed run left for this batch (names of the
    removed ones). They are never read, but nothing should pile up under _staging/."""
    root = staging_root(warehouse_root)
    stale = sorted(p for pattern in (f".{batch_key}.tmp-*", f".{batch_key}.old-*") for p in root.glob(pattern))
    for path in stale:
        shutil.rmtree(path, ignore_errors=True)
    return [p.name for p in stale]


def stage_batch(warehouse_root: Path, batch_key: str, outcomes: list[StagedOutcome]) -> StageSummary:
    """Write a batch's outcomes under _staging/<batch>/, replacing the previous staging whole."""
    root = staging_root(warehouse_root)
    root.mkdir(parents=True, exist_ok=True)
    remove_stale_staging(warehouse_root, batch_key)
    tmp = root / f".{batch_key}.tmp-{uuid.uuid4().hex}"
    tmp.mkdir()
    summary = StageSummary(batch=batch_key, files=len({o.raw_path for o in outcomes}))
    parsed = [o for o in outcomes if o.record_json is not None]
    bad = [o for o in outcomes if o.record_json is None]
    for source in sorted({o.source or "unknown" for o in parsed} | set(SOURCES)):
        rows = [o for o in parsed if (o.source or "unknown") == source]
        table = pa.table({
            "raw_path": [o.raw_path for o in rows],
            "record_key": [o.record_key for o in rows],
            "sha256": [o.sha256 for o in rows],
            "source": [source] * len(rows),
            "record_json": [o.record_json for o in rows],
            "warnings": [list(o.warnings) for o in rows],
            "reconcile_json": [o.reconcile_json or _to_json(reconcile_view(json.loads(o.record_json))) for o in rows],
        }, schema=STAGED_RECORD_SCHEMA)
        _write_parquet(table, tmp / f"{source}.parquet")
        if rows:
            summary.by_source[source] = len(rows)
    _write_parquet(pa.table({
        "raw_path": [o.raw_path for o in bad],
        "record_key": [o.record_key for o in bad],
        "sha256": [o.sha256 for o in bad],
        "source": [o.source for o in bad],
        "reason": [o.reason for o in bad],
        "detail": [o.detail for o in bad],
    }, schema=STAGED_QUARANTINE_SCHEMA), tmp / QUARANTINE_FILE)
    summary.quarantined = dict(sorted(Counter(o.reason or "unknown" for o in bad).items()))
    summary.warnings = sum(len(o.warnings) for o in parsed)
    (tmp / MANIFEST_FILE).write_text(json.dumps({
        "batch": batch_key,
        "files": summary.files,
        "by_source": summary.by_source,
        "quarantined": summary.quarantined,
        "warnings": summary.warnings,
    }, indent=2, sort_keys=True), encoding="utf-8")

    final = staged_batch_dir(warehouse_root, batch_key)
    old = root / f".{batch_key}.old-{uuid.uuid4().hex}"
    if final.exists():
        final.rename(old)
    tmp.rename(final)
    shutil.rmtree(old, ignore_errors=True)
    summary.path = str(final)
    return summary


def ingest_batch(raw_root: Path, warehouse_root: Path, batch: Batch, max_bytes: int, workers: int = 0) -> StageSummary:
    """Intake every file of a batch in bulk and stage the outcomes (what raw_batch_intake runs)."""
    return stage_batch(warehouse_root, batch.key, intake_files(batch.files, raw_root, max_bytes, workers))


# ----------------------------------------------------------------------------- loading staged data


def _read_staged(path: Path, schema: pa.Schema) -> pa.Table:
    """A staged Parquet file as `schema` (staging written before a column existed gets nulls)."""
    if not path.exists():
        return schema.empty_table()
    table = pq.read_table(path)
    return pa.table({f.name: table.column(f.name) if f.name in table.column_names else pa.nulls(table.num_rows, f.type)
                     for f in schema}, schema=schema)


def load_staged_source(warehouse_root: Path, batch_key: str, source: str) -> pa.Table:
    return _read_staged(staged_batch_dir(warehouse_root, batch_key) / f"{source}.parquet", STAGED_RECORD_SCHEMA)


def load_staged_quarantine(warehouse_root: Path, batch_key: str) -> pa.Table:
    return _read_staged(staged_batch_dir(warehouse_root, batch_key) / QUARANTINE_FILE, STAGED_QUARANTINE_SCHEMA)


def staged_sources(warehouse_root: Path, batch_key: str) -> list[str]:
    directory = staged_batch_dir(warehouse_root, batch_key)
    names = {p.stem for p in directory.glob("*.parquet")} - {Path(QUARANTINE_FILE).stem}
    return sorted(names)


def is_staged(warehouse_root: Path, batch_key: str) -> bool:
    return (staged_batch_dir(warehouse_root, batch_key) / MANIFEST_FILE).exists()


def _child_types() -> dict[str, type]:
    """List field name -> element dataclass of SourceRecord (e.g. identifiers -> Identifier)."""
    hints = typing.get_type_hints(SourceRecord, vars(record_module))
    children: dict[str, type] = {}
    for name, hint in hints.items():
        if typing.get_origin(hint) is list:
            (element,) = typing.get_args(hint)
            if dataclasses.is_dataclass(element):
                children[name] = element
    return children


_CHILD_TYPES = _child_types()


def _build(cls: type, data: dict[str, Any]) -> Any:
    known = {f.name for f in dataclasses.fields(cls)}
    return cls(**{k: v for k, v in data.items() if k in known})


def record_from_dict(data: dict[str, Any]) -> SourceRecord:
    """Inverse of SourceRecord.to_dict() (keys a newer record version added are ignored)."""
    values = dict(data)
    for name, cls in _CHILD_TYPES.items():
        if name in values and values[name] is not None:
            values[name] = [_build(cls, item) for item in values[name]]
    return _build(SourceRecord, values)


def _iter_staged_rows(warehouse_root: Path, batch_key: str, source: str,
                      json_column: str = "record_json") -> Iterator[tuple[str, str | None, str, str]]:
    """(raw_path, record_key, sha256, json) of one staged source file, decoded STREAM_ROWS at a time.
    json_column="reconcile_json" falls back to record_json in staging written before that column."""
    path = staged_batch_dir(warehouse_root, batch_key) / f"{source}.parquet"
    if not path.exists():
        return
    with pq.ParquetFile(path) as staged:
        names = staged.schema_arrow.names
        column = json_column if json_column in names else "record_json"
        columns = ["raw_path", "record_key", "sha256", column] if "record_key" in names else ["raw_path", "sha256", column]
        # one thread: decoding a few rows gains nothing from more, and each thread's allocator
        # cache would stay in the peak
        for chunk in staged.iter_batches(batch_size=STREAM_ROWS, columns=columns, use_threads=False):
            values = [chunk.column(i).to_pylist() for i in range(len(columns))]
            if len(columns) == 3:
                values.insert(1, [None] * chunk.num_rows)
            yield from zip(*values)


def _staged_rows(warehouse_root: Path, batch_keys: Iterable[str], json_column: str = "record_json"):
    for key in batch_keys:
        for source in staged_sources(warehouse_root, key):
            yield from _iter_staged_rows(warehouse_root, key, source, json_column)


def _parsed_file(raw_path: str, record_key: str | None, sha: str, record: SourceRecord):
    from pipelines.reconcile import ParsedFile
    from pipelines.warehouse.build import record_id_of

    return ParsedFile(record_id=record_id_of(raw_path, record_key), raw_path=raw_path, sha256=sha, record=record,
                      record_key=record_key)


def iter_staged(warehouse_root: Path, batch_keys: Iterable[str]) -> Iterator[Any]:
    """Every staged record as a full ParsedFile, lazily: one batch and source at a time, in
    staging order (not sorted), so only a few records are alive at once."""
    for raw_path, key, sha, record_json in _staged_rows(warehouse_root, batch_keys):
        yield _parsed_file(raw_path, key, sha, record_from_dict(json.loads(record_json)))


def load_staged(warehouse_root: Path, batch_keys: Iterable[str], *, reconcile_only: bool = False) -> tuple[list, list]:
    """(ParsedFile list, QuarantinedFile list) of the given staged batches, sorted by raw_path.

    reconcile_only=True: records as reconcile_view() leaves them (enough for
    pipelines.reconcile.reconcile, not for the per-record warehouse tables), read from the
    staged reconcile_json so the heavy parts are never decoded."""
    from pipelines.reconcile import QuarantinedFile

    batch_keys = list(batch_keys)
    if reconcile_only:
        parsed = [_parsed_file(raw_path, key, sha, record_from_dict(reconcile_view(json.loads(text))))
                  for raw_path, key, sha, text in _staged_rows(warehouse_root, batch_keys, "reconcile_json")]
    else:
        parsed = [_parsed_file(raw_path, key, sha, record_from_dict(json.loads(text)))
                  for raw_path, key, sha, text in _staged_rows(warehouse_root, batch_keys)]
    quarantined = []
    for key in batch_keys:
        for row in load_staged_quarantine(warehouse_root, key).to_pylist():
            quarantined.append(QuarantinedFile(raw_path=row["raw_path"], sha256=row["sha256"],
                                               reason=row["reason"], detail=row["detail"] or "",
                                               record_key=row["record_key"]))
    parsed.sort(key=lambda p: (p.raw_path, p.record_key or ""))
    quarantined.sort(key=lambda q: (q.raw_path, q.record_key or ""))
    return parsed, quarantined


def warning_codes(warning_lists: Iterable[list[str] | None]) -> Counter:
    """Count warnings by code ("code: detail" -> code) over the staged `warnings` column."""
    return Counter(str(w).split(":", 1)[0] for warnings in warning_lists for w in (warnings or []))
