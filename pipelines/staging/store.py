"""Staged batches under <warehouse>/_staging/<batch>/: one Parquet file per staged table
(pipelines.staging.rows) plus manifest.json. A batch directory is replaced as a whole (written
to a temp dir, then renamed), so a reader never sees a half-staged batch.

"Already staged" lives here, in the warehouse, for every caller (CLI, sensor, schedule): the
`files` table holds each raw file's size, mtime and sha256. Re-staging a batch parses only the
files that are new or whose bytes changed (a touched file with the same sha256 is not parsed
again), carries the other files' rows over, and drops the rows of files that left raw/.
Staging written by another staging format, parser version or code (pipelines.fingerprint) is
parsed again.
"""
from __future__ import annotations

import json
import os
import shutil
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from pipelines.parquet_read import read_parquet
from pipelines.staging.batches import Batch, relative_raw_path
from pipelines.staging.rows import STAGING_FORMAT, staged_schemas
from pipelines.warehouse.parquet_out import file_sha256

STAGING_DIR = "_staging"
MANIFEST_FILE = "manifest.json"
_BY_RAW_PATH = ("records", "source_records", "quarantine", "files")  # other tables: by record_id


@dataclass
class StageSummary:
    batch: str
    files: int
    by_source: dict[str, int] = field(default_factory=dict)  # records per source
    quarantined: dict[str, int] = field(default_factory=dict)  # reason -> count
    warnings: int = 0
    parsed_files: int = 0  # files parsed by this run (new or changed bytes)
    reused_files: int = 0  # files whose staged rows were carried over
    removed_files: int = 0  # staged files that left raw/
    changed: bool = False  # False: the staging was already up to date, nothing written
    path: str = ""

    @property
    def quarantined_total(self) -> int:
        return sum(self.quarantined.values())


def staging_root(warehouse_root: Path) -> Path:
    return Path(warehouse_root) / STAGING_DIR


def staged_batch_dir(warehouse_root: Path, batch_key: str) -> Path:
    return staging_root(warehouse_root) / batch_key


def parser_version() -> str:
    """The parser version and the fingerprint of the code that made the staged rows: staging made
    by other code is parsed again (pipelines.fingerprint)."""
    import parsers
    from pipelines import fingerprint

    return f"{parsers.PARSER_VERSION}+{fingerprint.STAGING_FINGERPRINT}"


def read_manifest(directory: Path) -> dict | None:
    try:
        return json.loads((directory / MANIFEST_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def is_current_format(manifest: dict | None) -> bool:
    return bool(manifest) and manifest.get("format") == STAGING_FORMAT and manifest.get("parser_version") == parser_version()


def is_staged(warehouse_root: Path, batch_key: str) -> bool:
    return is_current_format(read_manifest(staged_batch_dir(warehouse_root, batch_key)))


def staging_digest(warehouse_root: Path, batch_keys: Iterable[str]) -> str:
    """Changes whenever one of these batches is re-staged (or the set of batches changes)."""
    import hashlib

    digest = hashlib.sha256()
    for key in sorted(batch_keys):
        manifest = read_manifest(staged_batch_dir(warehouse_root, key)) or {}
        digest.update(f"{key}\0{manifest.get('stage_id')}\n".encode())
    return digest.hexdigest()[:20]


def staged_batches(warehouse_root: Path) -> list[str]:
    root = staging_root(warehouse_root)
    return sorted(p.name for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")) if root.is_dir() else []


def staged_file(warehouse_root: Path, batch_key: str, table: str) -> Path:
    return staged_batch_dir(warehouse_root, batch_key) / f"{table}.parquet"


def read_staged(warehouse_root: Path, batch_key: str, table: str, columns: list[str] | None = None) -> pa.Table:
    path = staged_file(warehouse_root, batch_key, table)
    schema = staged_schemas()[table]
    if not path.exists():
        empty = schema.empty_table()
        return empty.select(columns) if columns else empty
    return read_parquet(path, columns, schema)


def remove_stale_staging(warehouse_root: Path, batch_key: str) -> list[str]:
    """Remove the temp and replaced directories a killed run left for this batch."""
    root = staging_root(warehouse_root)
    stale = sorted(p for pattern in (f".{batch_key}.tmp-*", f".{batch_key}.old-*") for p in root.glob(pattern))
    for path in stale:
        shutil.rmtree(path, ignore_errors=True)
    return [p.name for p in stale]


def remove_batch(warehouse_root: Path, batch_key: str) -> None:
    """Forget a batch that left raw/ (its records leave the warehouse at the next snapshot)."""
    directory = staged_batch_dir(warehouse_root, batch_key)
    if directory.exists():
        old = staging_root(warehouse_root) / f".{batch_key}.old-{uuid.uuid4().hex}"
        directory.rename(old)
        shutil.rmtree(old, ignore_errors=True)


# ----------------------------------------------------------------------------- what changed


@dataclass
class Plan:
    parse: list[Path]  # files to parse (new, or bytes changed)
    keep: dict[str, tuple[int | None, int | None]]  # raw_path -> (size, mtime_ns) of files carried over
    removed: int  # staged files no longer in the batch

    @property
    def changed(self) -> bool:
        return bool(self.parse or self.removed)


def _sha256(path: Path) -> str | None:
    try:
        return file_sha256(path)
    except OSError:  # vanished or unreadable since it was listed: parse it (intake says why)
        return None


def plan_batch(warehouse_root: Path, raw_root: Path, batch: Batch) -> Plan:
    """Which files of the batch need parsing: unchanged size+mtime, or the same sha256 as staged,
    means no. Everything, when the staging is absent or of another format/parser version."""
    by_path = {relative_raw_path(path, raw_root): path for path in batch.files}
    parse, keep, removed = plan_relative(warehouse_root, raw_root, batch.key, list(by_path))
    return Plan(parse=[by_path[rel] for rel in parse], keep=keep, removed=removed)


def batch_changed(warehouse_root: Path, raw_root: Path, batch_key: str, raw_paths: list[str]) -> bool:
    """plan_batch(...).changed for a batch given as its relative raw paths (scan_raw_paths)."""
    parse, _, removed = plan_relative(warehouse_root, raw_root, batch_key, raw_paths)
    return bool(parse or removed)


def plan_relative(warehouse_root: Path, raw_root: Path, batch_key: str,
                  raw_paths: list[str]) -> tuple[list[str], dict[str, tuple], int]:
    """plan_batch on relative raw paths: (paths to parse, {path kept: (size, mtime_ns)}, number of
    staged files no longer listed)."""
    directory = staged_batch_dir(warehouse_root, batch_key)
    index: dict[str, tuple] = {}
    if is_current_format(read_manifest(directory)):
        files = read_staged(warehouse_root, batch_key, "files", ["raw_path", "size", "mtime_ns", "sha256"])
        index = {r[0]: r[1:] for r in zip(*(files.column(i).to_pylist() for i in range(4)))}
    # one lstat per listed file is the whole cost of an unchanged batch (0.1 s per 20,000 files):
    # plain string paths and locals, no Path or os.path.join per file
    prefix, native, lstat = os.fspath(raw_root) + os.sep, os.sep != "/", os.lstat
    parse, keep = [], {}
    for rel in raw_paths:
        path = prefix + (rel.replace("/", os.sep) if native else rel)
        staged = index.get(rel)
        try:
            st = lstat(path)
            stat_sig = (st.st_size, st.st_mtime_ns)
        except OSError:
            stat_sig = (None, None)
        if staged is None or None in stat_sig or staged[2] is None:
            parse.append(rel)
        elif stat_sig == staged[:2] or _sha256(Path(path)) == staged[2]:
            keep[rel] = stat_sig
        else:
            parse.append(rel)
    listed = set(raw_paths)
    return parse, keep, sum(1 for rel in index if rel not in listed)


# ----------------------------------------------------------------------------- writing


def _kept_rows(warehouse_root: Path, batch_key: str, table: str, keep_paths: pa.Array,
               keep_records: pa.Array, keep_stats: dict) -> Iterator[pa.Table]:
    path = staged_file(warehouse_root, batch_key, table)
    if not path.exists() or (len(keep_paths) == 0):
        return
    by_path = table in _BY_RAW_PATH
    with pq.ParquetFile(path) as staged:
        for rb in staged.iter_batches(batch_size=8192, use_threads=False):
            chunk = pa.Table.from_batches([rb])
            mask = pc.is_in(chunk.column("raw_path" if by_path else "record_id"),
                            value_set=keep_paths if by_path else keep_records)
            chunk = chunk.filter(mask)
            if table == "files" and chunk.num_rows:  # carried over: the stat it has now
                stats = [keep_stats[p] for p in chunk.column("raw_path").to_pylist()]
                chunk = chunk.set_column(1, "size", pa.array([s[0] for s in stats], pa.int64()))
                chunk = chunk.set_column(2, "mtime_ns", pa.array([s[1] for s in stats], pa.int64()))
            if chunk.num_rows:
                yield chunk


class _RowGroupWriter:
    """One staged table's Parquet file, written in row groups of about ROW_GROUP_ROWS rows (or
    ROW_GROUP_BYTES of Arrow data: a `records` row holds a whole page, ~10 KB).

    Workers send 64 files' rows at a time; writing each chunk as a row group of its own cost the
    parent process 0.70 s of CPU per 6,400 pages (against 0.26 s buffered to 4,000 rows), CPU
    the intake workers need on a small machine, and gave the engine thousands of tiny row groups
    to read."""

    ROW_GROUP_ROWS = 4096
    ROW_GROUP_BYTES = 16 << 20

    def __init__(self, path: Path, schema: pa.Schema) -> None:
        self.schema = schema
        # lz4: staging is written once and read by the engine; zstd cost 65% more CPU
        # (2.7 vs 1.6 s per 20,000 pages) for 27% smaller files
        self._writer = pq.ParquetWriter(path, schema, compression="lz4")
        self._pending: list[pa.Table] = []
        self._rows = self._bytes = 0

    def write(self, table: pa.Table) -> None:
        if not table.num_rows:
            return
        # a worker's tables have the schema already (a cast of equal types still cost 0.6 ms a
        # chunk); the buffers' total size, not nbytes (which walks slice offsets: 0.5 ms a chunk)
        self._pending.append(table if table.schema.equals(self.schema) else table.cast(self.schema))
        self._rows += table.num_rows
        self._bytes += self._pending[-1].get_total_buffer_size()
        if self._rows >= self.ROW_GROUP_ROWS or self._bytes >= self.ROW_GROUP_BYTES:
            self._flush()

    def _flush(self) -> None:
        if self._pending:
            self._writer.write_table(pa.concat_tables(self._pending))
        self._pending, self._rows, self._bytes = [], 0, 0

    def close(self) -> None:
        try:
            self._flush()
        finally:
            self._writer.close()


def stage_batch(warehouse_root: Path, raw_root: Path, batch: Batch,
                tables_for: Callable[[list[Path]], Iterable[dict[str, pa.Table]]],
                plan: Plan | None = None) -> StageSummary:
    """Bring the batch's staging up to date: parse what `plan` says (tables_for yields the staged
    tables of those files, chunk by chunk), carry the rest over, replace the directory whole."""
    plan = plan or plan_batch(warehouse_root, raw_root, batch)
    directory = staged_batch_dir(warehouse_root, batch.key)
    summary = StageSummary(batch=batch.key, files=len(batch.files), parsed_files=len(plan.parse),
                           reused_files=len(plan.keep), removed_files=plan.removed, changed=plan.changed)
    if not plan.changed and directory.exists():
        _fill_counts(summary, directory)
        summary.path = str(directory)
        return summary

    root = staging_root(warehouse_root)
    root.mkdir(parents=True, exist_ok=True)
    remove_stale_staging(warehouse_root, batch.key)
    tmp = root / f".{batch.key}.tmp-{uuid.uuid4().hex}"
    tmp.mkdir()
    schemas = staged_schemas()
    writers = {name: _RowGroupWriter(tmp / f"{name}.parquet", schema) for name, schema in schemas.items()}
    try:
        keep_paths = pa.array(sorted(plan.keep), pa.string())
        keep_records = pa.array([], pa.string())
        if len(keep_paths):
            records = read_staged(warehouse_root, batch.key, "records", ["record_id", "raw_path"])
            keep_records = records.filter(pc.is_in(records.column("raw_path"), value_set=keep_paths)).column("record_id").combine_chunks()
        for name in schemas:
            for chunk in _kept_rows(warehouse_root, batch.key, name, keep_paths, keep_records, plan.keep):
                writers[name].write(chunk)
        if plan.parse:
            for tables in tables_for(plan.parse):
                for name, table in tables.items():
                    writers[name].write(table)
    finally:
        for writer in writers.values():
            writer.close()
    _fill_counts(summary, tmp)
    (tmp / MANIFEST_FILE).write_text(json.dumps({
        "batch": batch.key, "format": STAGING_FORMAT, "parser_version": parser_version(),
        "stage_id": uuid.uuid4().hex,  # changes with every re-staging: the snapshot engine's "anything new?"
        "files": summary.files, "by_source": summary.by_source, "quarantined": summary.quarantined,
        "warnings": summary.warnings,
    }, indent=2, sort_keys=True), encoding="utf-8")
    old = root / f".{batch.key}.old-{uuid.uuid4().hex}"
    if directory.exists():
        directory.rename(old)
    tmp.rename(directory)
    shutil.rmtree(old, ignore_errors=True)
    summary.path = str(directory)
    return summary


def _fill_counts(summary: StageSummary, directory: Path) -> None:
    records = read_parquet(directory / "source_records.parquet", ["source", "warnings"])
    quarantine = read_parquet(directory / "quarantine.parquet", ["reason"])
    summary.by_source = dict(sorted(Counter(records.column("source").to_pylist()).items()))
    summary.quarantined = dict(sorted(Counter(quarantine.column("reason").to_pylist()).items()))
    summary.warnings = int(pc.sum(pc.list_value_length(records.column("warnings"))).as_py() or 0)
