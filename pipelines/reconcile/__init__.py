"""Reconciliation: records -> trials, with link evidence, field provenance and conflicts.

`reconcile(parsed)` is pure and deterministic: the same records in any order give the same
`Reconciled` (everything is ordered by record_id / trial_id internally).
"""
from __future__ import annotations

import unicodedata
from collections import Counter, defaultdict
from typing import Any

from parsers.normalize.conditions import condition_key_of
from pipelines.reconcile.candidates import similar_title_candidates
from pipelines.reconcile.clustering import cluster
from pipelines.reconcile.model import (
    Link,
    LinkCandidate,
    ParsedFile,
    Provenance,
    QuarantinedFile,
    Reconciled,
    RecordIdentifier,
)
from pipelines.reconcile.precedence import RULES, SOURCE_AUTHORITY, precedence_key_for
from pipelines.reconcile.resolve import resolve_trial
from pipelines.reconcile.trial_doses import DOSES_FIELD, trial_dose_rows

__all__ = [
    "Link",
    "LinkCandidate",
    "ParsedFile",
    "Provenance",
    "QuarantinedFile",
    "Reconciled",
    "RecordIdentifier",
    "RULES",
    "SOURCE_AUTHORITY",
    "condition_key_of",
    "reconcile",
    "resolve_cluster",
]


def reconcile(parsed: list[ParsedFile]) -> Reconciled:
    records = sorted(parsed, key=lambda p: p.record_id)
    dupes = sorted(rid for rid, n in Counter(p.record_id for p in records).items() if n > 1)
    if dupes:
        raise ValueError(f"duplicate record_id(s): {dupes[:5]}")
    clusters = cluster(records)
    by_id = {p.record_id: p for p in records}

    links = tuple(
        Link(clusters.trial_ids[e.record_id_a], e.record_id_a, e.record_id_b, e.method, e.evidence,
             e.shared_value, e.id_type, e.field_a, e.field_b)
        for e in clusters.edges
    )
    candidates = sorted(
        [*similar_title_candidates(records, clusters.trial_ids), *clusters.blocked],
        key=lambda c: (c.record_id_a, c.record_id_b, c.method, c.evidence),
    )

    trials: list[dict[str, Any]] = []
    provenance: list[Provenance] = []
    trial_doses: list[dict[str, Any]] = []
    conflicts: dict[str, tuple[str, ...]] = {}
    registry_ids: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for ident in clusters.identifiers:
        if ident.link_key:
            registry_ids[ident.record_id].add((ident.id_type, ident.value))
    for trial_id in sorted(clusters.members):
        members = [by_id[rid] for rid in clusters.members[trial_id]]
        row, prov, doses = resolve_cluster(trial_id, members, registry_ids)
        provenance.extend(prov)
        trial_doses.extend(doses)
        conflicts[trial_id] = tuple(row["conflicts"])
        trials.append(row)
    provenance.sort(key=lambda r: (r.trial_id, r.field, not r.chosen, r.record_id))
    return Reconciled(
        trial_ids=dict(sorted(clusters.trial_ids.items())),
        identifiers=clusters.identifiers,
        links=links,
        link_candidates=tuple(candidates),
        trials=tuple(trials),
        provenance=tuple(provenance),
        conflicts=conflicts,
        trial_doses=tuple(trial_doses),
    )


def resolve_cluster(trial_id: str, members: list[ParsedFile], registry_ids: dict[str, set[tuple[str, str]]]
                    ) -> tuple[dict[str, Any], list[Provenance], list[dict[str, Any]]]:
    """One trial: its `trials` row, its field_provenance rows and its trial_doses rows.
    registry_ids: record_id -> {(id_type, value)} of the record's linking ids. Pure: the snapshot
    engine calls it per trial. The members need their arms and interventions (doses are read
    from their descriptions); records that disagree on a dose put "doses" in `conflicts`."""
    resolved, prov, conflict_fields = resolve_trial(trial_id, members)
    doses, doses_disagree = trial_dose_rows(trial_id, members)
    if doses_disagree:
        conflict_fields = [*conflict_fields, DOSES_FIELD]
    trial_registry_ids = sorted(set().union(*(registry_ids.get(p.record_id, set()) for p in members)))
    return _trial_row(trial_id, members, resolved, conflict_fields, trial_registry_ids), prov, doses


def _casefold_key(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def _trial_row(trial_id: str, members: list[ParsedFile], resolved: dict[str, Any],
               conflict_fields: list[str], registry_ids: list[tuple[str, str]]) -> dict[str, Any]:
    ordered = sorted(members, key=precedence_key_for(trial_id))  # list values: first spelling from the best record
    conditions: dict[str, str] = {}
    countries: dict[str, str] = {}
    for p in ordered:
        for cond in p.record.conditions:
            if cond.name and cond.name.strip():
                conditions.setdefault(condition_key_of(cond.name, cond.normalized), cond.name.strip())
        for country in [*p.record.countries, *(loc.country for loc in p.record.locations)]:
            if country and country.strip():
                countries.setdefault(_casefold_key(country), country.strip())
    return {
        "trial_id": trial_id,
        **resolved,
        "conditions": list(conditions.values()),
        "countries": list(countries.values()),
        "sources": sorted({p.record.source for p in members}),
        "conflicts": list(conflict_fields),
        "registry_ids": [value for _, value in registry_ids],
        "record_count": len(members),
    }
