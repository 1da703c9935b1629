"""Parsed records -> the typed Arrow tables staged per batch (pure; runs inside intake workers).

Per raw file, intake gives one or more RecordOutcome. Staged tables (one Parquet file each):

- records          the whole SourceRecord as typed columns (lists of structs, a map for `raw`):
                   what a later engine version can rebuild every table from without re-parsing
- <RECORD_TABLES>  the per-record warehouse rows (source_records, conditions, doses, ...) without
                   trial_id: computed here, in parallel, so the snapshot step only joins and sorts
- identifiers      each record's identifiers with their link keys (what clustering reads)
- quarantine       files, or records inside a file, that could not be used
- files            one row per raw file: size, mtime, sha256 (the "already staged" index)
"""
from __future__ import annotations

import dataclasses
import functools
import os
import types
import typing
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyarrow as pa

from parsers import record as record_module
from parsers.record import RecordOutcome, SourceRecord
from pipelines.arrow_rows import table_from_rows
from pipelines.reconcile.model import ParsedFile
from pipelines.warehouse.schema import TABLES, col

STAGING_FORMAT = 2  # 1 = JSON strings per record (before issue 8); bump when a staged table changes
INTERNAL_ERROR = "internal_error"  # parsers.intake.Reason.INTERNAL_ERROR: a bug, not bad input

_SCALARS = {str: pa.string(), int: pa.int64(), float: pa.float64(), bool: pa.bool_()}


def _arrow_type(hint: Any) -> pa.DataType:
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        (inner,) = [a for a in args if a is not type(None)]
        return _arrow_type(inner)
    if origin is list:
        return pa.list_(_arrow_type(args[0]))
    if origin is dict:
        return pa.map_(_arrow_type(args[0]), _arrow_type(args[1]))
    if dataclasses.is_dataclass(hint):
        return pa.struct(_dataclass_fields(hint))
    return _SCALARS[hint]


def _dataclass_fields(cls: type) -> list[pa.Field]:
    hints = typing.get_type_hints(cls, vars(record_module))
    return [pa.field(f.name, _arrow_type(hints[f.name])) for f in dataclasses.fields(cls)]


RECORD_KEY = col("record_key", pa.string(), "key of the record inside its raw file (null: the file is one record)")
RECORDS_SCHEMA = pa.schema([
    col("record_id", pa.string(), "the source record"),
    RECORD_KEY,
    col("raw_path", pa.string(), "raw file path relative to raw/"),
    col("sha256", pa.string(), "sha256 of the raw file bytes"),
    *_dataclass_fields(SourceRecord),
])
IDENTIFIERS_SCHEMA = pa.schema([
    pa.field("record_id", pa.string()), pa.field("value", pa.string()), pa.field("id_type", pa.string()),
    pa.field("field", pa.string()), pa.field("raw", pa.string()), pa.field("link_key", pa.string()),
    pa.field("from_text", pa.bool_()),
    pa.field("join_key", pa.string()),  # clustering.join_key: what the engine's components are made of
])
TITLES_SCHEMA = pa.schema([  # candidates.record_titles: what the engine's title look-alikes read
    pa.field("record_id", pa.string()), pa.field("title", pa.string()), pa.field("tokens", pa.list_(pa.string())),
])
QUARANTINE_SCHEMA = TABLES["quarantine"]
FILES_SCHEMA = pa.schema([
    pa.field("raw_path", pa.string()), pa.field("size", pa.int64()), pa.field("mtime_ns", pa.int64()),
    pa.field("sha256", pa.string()), pa.field("records", pa.int64()), pa.field("quarantined", pa.int64()),
])


def _without_trial_id(schema: pa.Schema) -> pa.Schema:
    return pa.schema([f for f in schema if f.name != "trial_id"])


def record_tables() -> tuple[str, ...]:
    from pipelines.warehouse.build import RECORD_TABLES

    return RECORD_TABLES


def staged_schemas() -> dict[str, pa.Schema]:
    """Every staged table's schema, by file stem (built once: 31 us a call, two calls a chunk)."""
    return dict(_staged_schemas())


@functools.cache
def _staged_schemas() -> dict[str, pa.Schema]:
    schemas = {"records": RECORDS_SCHEMA, "identifiers": IDENTIFIERS_SCHEMA, "titles": TITLES_SCHEMA,
               "quarantine": QUARANTINE_SCHEMA, "files": FILES_SCHEMA}
    schemas.update({name: _without_trial_id(TABLES[name]) for name in record_tables()})
    return schemas


@dataclasses.dataclass
class FileResult:
    """Everything intake learned about one raw file."""

    raw_path: str
    size: int | None
    mtime_ns: int | None
    sha256: str | None
    source: str | None
    outcomes: list[RecordOutcome]  # one per record; a file-level failure is one outcome with key None
    detail: str = ""


def _child_types() -> dict[str, type]:
    """SourceRecord list field -> its element dataclass (identifiers -> Identifier, ...): items go to
    Arrow as dicts and come back through these classes (pipelines.ingest.record_from_dict)."""
    hints = typing.get_type_hints(SourceRecord, vars(record_module))
    return {name: typing.get_args(hint)[0] for name, hint in hints.items()
            if typing.get_origin(hint) is list and dataclasses.is_dataclass(typing.get_args(hint)[0])}


CHILD_TYPES = _child_types()
_IDENTIFIER_FIELDS = tuple(n for n in IDENTIFIERS_SCHEMA.names if n != "join_key")


def _record_row(record_id: str, key: str | None, raw_path: str, sha: str | None, rec: SourceRecord) -> dict:
    """The record as a `records` row: its own attributes (read, not copied), child dataclasses as
    their attribute dicts, `raw` as sorted pairs (Arrow map input). Child dataclasses hold only
    scalars and lists of strings, so one level is all there is."""
    row = dict(vars(rec))
    for name in CHILD_TYPES:
        row[name] = [vars(item) for item in row[name]]
    row["raw"] = sorted(rec.raw.items())
    row.update(record_id=record_id, record_key=key, raw_path=raw_path, sha256=sha)
    return row


def stage_tables(results: list[FileResult]) -> dict[str, pa.Table]:
    """The staged tables of some raw files (any order; the snapshot step sorts)."""
    from pipelines.reconcile.candidates import record_titles
    from pipelines.reconcile.clustering import join_key, lead_sponsor_name, normalized_sponsor, record_identifiers
    from pipelines.warehouse.build import add_record_rows, record_id_of

    rows: dict[str, list[dict]] = {name: [] for name in staged_schemas()}
    for result in results:
        parsed_n = quarantined_n = 0
        for outcome in result.outcomes:
            key = outcome.record_key
            if outcome.record is None:
                quarantined_n += 1
                rows["quarantine"].append({"raw_path": result.raw_path, "record_key": key, "sha256": result.sha256,
                                           "reason": outcome.reason or "internal_error", "detail": outcome.detail or ""})
                continue
            parsed_n += 1
            rid = record_id_of(result.raw_path, key)
            parsed = ParsedFile(record_id=rid, raw_path=result.raw_path, sha256=result.sha256 or "",
                                record=outcome.record, record_key=key)
            add_record_rows(rows, parsed, trial_id=None)
            rows["records"].append(_record_row(rid, key, result.raw_path, result.sha256, outcome.record))
            sponsor = normalized_sponsor(lead_sponsor_name(parsed))
            rows["identifiers"].extend({**{name: getattr(i, name) for name in _IDENTIFIER_FIELDS},
                                        "join_key": join_key(i, sponsor)} for i in record_identifiers(parsed))
            rows["titles"].extend({"record_id": rid, "title": text, "tokens": sorted(tokens)}
                                  for tokens, text in record_titles(outcome.record.title, outcome.record.official_title))
        rows["files"].append({"raw_path": result.raw_path, "size": result.size, "mtime_ns": result.mtime_ns,
                              "sha256": result.sha256, "records": parsed_n, "quarantined": quarantined_n})
    return {name: table_from_rows(rows[name], schema) for name, schema in staged_schemas().items()}


def file_result(path: Path, raw_root: Path, max_bytes: int) -> FileResult:
    """Intake of one file (parsers.intake.process_file, which never raises) as a FileResult."""
    from parsers.intake import process_file

    try:
        st = os.lstat(path)
        size, mtime = st.st_size, st.st_mtime_ns
    except OSError:
        st = size = mtime = None
    outcome = process_file(path, raw_root, max_bytes=max_bytes, lstat=st)
    records = outcome.records
    if outcome.reason is not None or not records:  # the whole file is quarantined
        records = [RecordOutcome(None, None, outcome.reason or INTERNAL_ERROR, outcome.detail or "no records")]
    return FileResult(outcome.raw_path, size, mtime, outcome.sha256, outcome.source, list(records))


def failed_result(raw_path: str, detail: str, reason: str = INTERNAL_ERROR) -> FileResult:
    return FileResult(raw_path, None, None, None, None, [RecordOutcome(None, None, reason, detail)])


SET_ASIDE = "set_aside"  # stage_files' extra table: the paths it was asked to leave to the caller


def stage_files(paths: list[str], raw_root: str, max_bytes: int,
                set_aside: Callable[[FileResult], bool] | None = None) -> dict[str, pa.Table]:
    """The staged tables of some raw files: everything that decides a staged row, from the bytes
    on (what pipelines.fingerprint.STAGING_FINGERPRINT covers; the pool around it does not).
    set_aside: files whose result it holds are not staged but listed (column "path") in an extra
    table SET_ASIDE, for the caller to parse another way (pipelines.staging.compiled)."""
    root = Path(raw_root)
    results = [file_result(Path(p), root, max_bytes) for p in paths]
    aside = [path for path, result in zip(paths, results) if set_aside(result)] if set_aside else []
    if aside:
        left = set(aside)
        results = [result for path, result in zip(paths, results) if path not in left]
    tables = _staged(results)
    if aside:
        tables[SET_ASIDE] = pa.table({"path": pa.array(aside, pa.string())})
    return tables


def _staged(results: list[FileResult]) -> dict[str, pa.Table]:
    try:
        return stage_tables(results)
    except Exception:  # noqa: BLE001 - some record the stager cannot take: find it, keep the others
        return stage_tables([_stageable(r) for r in results])


def _stageable(result: FileResult) -> FileResult:
    try:
        stage_tables([result])
        return result
    except Exception as exc:  # noqa: BLE001 - a parser put something odd in the record
        return FileResult(result.raw_path, result.size, result.mtime_ns, result.sha256, result.source,
                          [RecordOutcome(None, None, INTERNAL_ERROR,
                                         f"record not stageable: {type(exc).__name__}: {exc}"[:2000])])
