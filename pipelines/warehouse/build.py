"""Build every warehouse table (pyarrow) from parsed records, quarantined files and reconcile()."""
from __future__ import annotations

import hashlib
from typing import Any, Iterable

import pyarrow as pa
import pyarrow.compute as pc

from parsers.record import SCALAR_FIELDS
from pipelines.reconcile import condition_key_of
from pipelines.reconcile.model import ParsedFile, QuarantinedFile, Reconciled
from pipelines.warehouse.schema import SORT_KEYS, TABLES


def record_id_for(raw_path: str) -> str:
    """Stable record id from the raw file's path relative to raw/ ("/"-separated)."""
    path = raw_path.replace("\\", "/").lstrip("/")
    return "R" + hashlib.sha256(path.encode("utf-8")).hexdigest()[:16]


def to_table(name: str, rows: Iterable[dict[str, Any]]) -> pa.Table:
    """Rows -> table with the contract schema, sorted by the table's key columns.

    The sort is stable and the rows arrive in an order that depends only on the content
    (records by record_id, then their own order), so ties keep a deterministic order too.
    """
    schema = TABLES[name]
    rows = list(rows)
    table = pa.Table.from_pydict({f.name: [r.get(f.name) for r in rows] for f in schema}, schema=schema)
    if table.num_rows < 2:
        return table
    order = pc.sort_indices(table, sort_keys=[(k, "ascending", "at_end") for k in SORT_KEYS[name]])
    return table.take(order)


def _float(value: Any) -> float | None:
    return None if value is None else float(value)


def build_tables(parsed: list[ParsedFile], quarantined: list[QuarantinedFile],
                 reconciled: Reconciled) -> dict[str, pa.Table]:
    from parsers.doses import doses_for_record  # DOSES owns it; imported late so reconcile tests need not

    rows: dict[str, list[dict[str, Any]]] = {name: [] for name in TABLES}
    tid = reconciled.trial_ids
    for p in sorted(parsed, key=lambda p: p.record_id):
        rec, rid, trial_id = p.record, p.record_id, tid[p.record_id]
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
            })

        rows["source_records"].append({
            **base, "source": rec.source, "raw_path": p.raw_path, "sha256": p.sha256,
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

    for i in reconciled.identifiers:
        rows["trial_identifiers"].append({
            "trial_id": tid[i.record_id], "record_id": i.record_id, "identifier": i.value, "id_type": i.id_type,
            "field": i.field, "raw": i.raw, "link_key": i.link_key, "found_in_text": i.from_text,
        })
    rows["trials"] = [dict(t) for t in reconciled.trials]
    rows["trial_links"] = [vars(link).copy() for link in reconciled.links]
    rows["field_provenance"] = [vars(r).copy() for r in reconciled.provenance]
    rows["link_candidates"] = [vars(c).copy() for c in reconciled.link_candidates]
    rows["quarantine"] = sorted((vars(q).copy() for q in quarantined),
                                key=lambda r: (r["raw_path"], r["reason"], r["detail"], r["sha256"] or ""))
    return {name: to_table(name, rows[name]) for name in TABLES}
