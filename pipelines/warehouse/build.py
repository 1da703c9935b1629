"""Build every warehouse table (pyarrow) from parsed records, quarantined files and reconcile().

This is the in-memory reference build (tests, small inputs). The snapshot engine
(pipelines/warehouse/engine.py) stages the per-record rows with add_record_rows at intake and
writes the same tables out of core; tests/pipelines/test_engine.py holds both to the same bytes.
"""
from __future__ import annotations

import hashlib
from typing import Any, Iterable

import pyarrow as pa
import pyarrow.compute as pc

from parsers.normalize.conditions import condition_key_of
from parsers.record import SCALAR_FIELDS
from pipelines.reconcile.model import ParsedFile, QuarantinedFile, Reconciled
from pipelines.warehouse.schema import SORT_KEYS, TABLES


def record_id_for(raw_path: str) -> str:
    """Stable record id from the raw file's path relative to raw/ ("/"-separated)."""
    path = raw_path.replace("\\", "/").lstrip("/")
    return "R" + hashlib.sha256(path.encode("utf-8")).hexdigest()[:16]


def record_id_of(raw_path: str, record_key: str | None) -> str:
    """The record's id: the file's for a one-record file, else of "<raw_path>#<record_key>"."""
    return record_id_for(raw_path if record_key is None else f"{raw_path}#{record_key}")


def _rows_table(name: str, rows: list[dict[str, Any]]) -> pa.Table:
    schema = TABLES[name]
    return pa.Table.from_pydict({f.name: [r.get(f.name) for r in rows] for f in schema}, schema=schema)


def sort_columns(name: str, schema: pa.Schema) -> list[str]:
    """The table's sort keys, then its other non-list columns: the total order both writers use
    (pipelines.warehouse.duck.order_by is the SQL form of it)."""
    keys = list(SORT_KEYS[name])
    return keys + [f.name for f in schema if f.name not in keys and not pa.types.is_list(f.type)]


def _sorted(name: str, table: pa.Table) -> pa.Table:
    if table.num_rows < 2:
        return table
    order = pc.sort_indices(table, sort_keys=[(k, "ascending", "at_end") for k in sort_columns(name, table.schema)])
    # Column by column, each unsorted column dropped once taken: at most one column is held
    # twice, not the whole table (Table.take would copy every column before freeing any).
    schema, taken = table.schema, []
    while table.num_columns:
        taken.append(table.column(0).take(order))
        table = table.remove_column(0)
    return pa.Table.from_arrays(taken, schema=schema)


def to_table(name: str, rows: Iterable[dict[str, Any]]) -> pa.Table:
    """Rows -> table with the contract schema, sorted by the table's key columns.

    The sort is stable and the rows arrive in an order that depends only on the content
    (records by record_id, then their own order), so ties keep a deterministic order too.
    """
    return _sorted(name, _rows_table(name, list(rows)))


def _float(value: Any) -> float | None:
    return None if value is None else float(value)


# Tables with one group of rows per source record; every other table comes from reconcile().
RECORD_TABLES: tuple[str, ...] = ("source_records", "conditions", "interventions", "arms", "doses",
                                  "eligibility_criteria", "locations", "sponsors")
# Their sort keys all include record_id, so rows of two records never tie: the stable sort gives
# the same order whatever order the records arrive in (a record's own rows stay in its order).
assert all("record_id" in SORT_KEYS[name] for name in RECORD_TABLES)
# Dose columns copied as they are, and those read as floats (parsers.doses.DoseMention).
DOSE_FIELDS = ("scaling", "amount_per", "frequency", "route", "cycle_days", "days_on")
DOSE_NUMBERS = ("doses_per_day", "daily_low", "daily_high")
RECORDS_PER_CHUNK = 500  # records turned into Arrow at a time: bounds the Python row dicts alive


def add_record_rows(rows: dict[str, list[dict[str, Any]]], p: ParsedFile, trial_id: str) -> None:
    """Append one record's rows of every RECORD_TABLES table (needs the full record)."""
    from parsers.doses import doses_for_record  # DOSES owns it; imported late so reconcile tests need not

    rec, rid = p.record, p.record_id
    base = {"trial_id": trial_id, "record_id": rid}
    warnings = list(rec.warnings)

    try:
        doses = list(doses_for_record(rec))
    except Exception as exc:  # a dose-extraction bug must not lose the record: say so on it
        doses = []
        warnings.append(f"dose_extraction_failed: {type(exc).__name__}: {exc}")
    for pos, d in enumerate(doses, 1):
        flags = getattr(d, "flags", None) or []
        rows["doses"].append({
            **base, "position": pos, "agent": getattr(d, "agent", None),
            "source_text": getattr(d, "source_text", None),
            "dose_low": _float(getattr(d, "dose_low", None)), "dose_high": _float(getattr(d, "dose_high", None)),
            "unit": getattr(d, "unit", None), "basis": getattr(d, "basis", None),
            "flags": sorted(flags) if isinstance(flags, (set, frozenset)) else list(flags),
            "schedule": getattr(d, "schedule", None),
            **{name: getattr(d, name, None) for name in DOSE_FIELDS},
            **{name: _float(getattr(d, name, None)) for name in DOSE_NUMBERS},
        })

    rows["source_records"].append({
        **base, "source": rec.source, "raw_path": p.raw_path, "record_key": p.record_key, "sha256": p.sha256,
        "parser_version": rec.parser_version, "warnings": warnings,
        **{f: getattr(rec, f) for f in SCALAR_FIELDS},
    })
    for c in rec.conditions:
        rows["conditions"].append({**base, "condition": c.name,
                                   "condition_normalized": condition_key_of(c.name, c.normalized)})
    for pos, i in enumerate(rec.interventions, 1):
        rows["interventions"].append({**base, "position": pos, "intervention_type": i.intervention_type,
                                      "name": i.name, "description": i.description, "type_raw": i.type_raw})
    for pos, a in enumerate(rec.arms, 1):
        rows["arms"].append({**base, "position": pos, "label": a.label, "arm_type": a.arm_type,
                             "description": a.description, "interventions": list(a.interventions)})
    for c in rec.criteria:
        rows["eligibility_criteria"].append({**base, "kind": c.kind, "position": c.position, "text": c.text})
    for pos, loc in enumerate(rec.locations, 1):
        rows["locations"].append({**base, "position": pos, "facility": loc.facility, "city": loc.city,
                                  "state": loc.state, "country": loc.country})
    for pos, s in enumerate(rec.sponsors, 1):
        rows["sponsors"].append({**base, "position": pos, "name": s.name, "role": s.role,
                                 "agency_class": s.agency_class})


def build_record_tables(parsed: Iterable[ParsedFile], trial_ids: dict[str, str],
                        records_per_chunk: int = RECORDS_PER_CHUNK) -> dict[str, pa.Table]:
    """The RECORD_TABLES tables from full records, consumed one at a time (`parsed` may be a lazy
    stream such as pipelines.ingest.iter_staged): rows become Arrow every `records_per_chunk`
    records, and the chunks are concatenated and sorted at the end."""
    chunks: dict[str, list[pa.Table]] = {name: [] for name in RECORD_TABLES}
    rows: dict[str, list[dict[str, Any]]] = {name: [] for name in RECORD_TABLES}
    pending = 0

    def flush() -> None:
        for name in RECORD_TABLES:
            chunks[name].append(_rows_table(name, rows[name]))
            rows[name].clear()

    for p in parsed:
        add_record_rows(rows, p, trial_ids[p.record_id])
        pending += 1
        if pending >= records_per_chunk:
            flush()
            pending = 0
    flush()
    tables = {}
    for name in RECORD_TABLES:  # one table at a time, its chunks freed before the next one
        # One chunk per column, as one row list gives (Parquet bytes depend on the chunking);
        # after a sort, take() has already concatenated and combine_chunks() copies nothing.
        tables[name] = _sorted(name, pa.concat_tables(chunks.pop(name))).combine_chunks()
    return tables


def build_trial_tables(quarantined: list[QuarantinedFile], reconciled: Reconciled) -> dict[str, pa.Table]:
    """Every table that is not per record: from reconcile() and the quarantined files only."""
    tid = reconciled.trial_ids
    rows: dict[str, list[dict[str, Any]]] = {}
    rows["trial_identifiers"] = [{
        "trial_id": tid[i.record_id], "record_id": i.record_id, "identifier": i.value, "id_type": i.id_type,
        "field": i.field, "raw": i.raw, "link_key": i.link_key, "found_in_text": i.from_text,
    } for i in reconciled.identifiers]
    rows["trials"] = [dict(t) for t in reconciled.trials]
    rows["trial_links"] = [vars(link).copy() for link in reconciled.links]
    rows["field_provenance"] = [r._asdict() for r in reconciled.provenance]
    rows["trial_doses"] = [dict(d) for d in reconciled.trial_doses]
    rows["link_candidates"] = [vars(c).copy() for c in reconciled.link_candidates]
    rows["quarantine"] = sorted((vars(q).copy() for q in quarantined),
                                key=lambda r: (r["raw_path"], r["record_key"] or "", r["reason"], r["detail"],
                                               r["sha256"] or ""))
    return {name: to_table(name, rows[name]) for name in rows}


def build_tables(parsed: Iterable[ParsedFile], quarantined: list[QuarantinedFile],
                 reconciled: Reconciled) -> dict[str, pa.Table]:
    """All tables. `parsed` holds full records (a list, or a lazy stream read once); `reconciled`
    may come from reconcile() over lighter views of the same records (see ingest.load_staged)."""
    from pipelines.warehouse.trial_tables import TrialListCollector

    # The trial-grain tables need each trial's full records together: they tap the same stream.
    lists = TrialListCollector(reconciled.trial_ids)
    tables = {**build_record_tables(lists.tap(parsed), reconciled.trial_ids),
              **build_trial_tables(quarantined, reconciled), **lists.tables()}
    return {name: tables[name] for name in TABLES}
