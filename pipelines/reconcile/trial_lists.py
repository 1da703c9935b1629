"""Trial-grain lists: one row per condition / intervention / arm / site / sponsor of a trial.

The per-record tables (arms, interventions, ...) keep every record's copy as evidence; a trial
seen on two sites has each arm twice there. Here each list comes from ONE record, the best
(field precedence, pipelines.reconcile.precedence) whose list is non-empty and not flagged as
mis-split by its parser (no record qualifying: no rows); an item's attributes that record lacks (arm type, intervention type,
description, ...) are filled from the other records of the trial that show an item with the
same normalized name, best record first. Every row names the record that supplied the list
and every record that shows the item.

Pure: `trial_list_rows(trial_id, members)` depends only on its arguments.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from parsers.identifiers import normalize_sponsor
from parsers.normalize.conditions import condition_key_of
from parsers.normalize.text import lookup_key
from parsers.record import SourceRecord
from pipelines.reconcile.model import ParsedFile
from pipelines.reconcile.precedence import precedence_key_for


def _condition_key(item: Any) -> str:
    return condition_key_of(item.name, item.normalized)  # the trials.conditions key


@dataclass(frozen=True)
class ListSpec:
    """How one trial-grain table reads a record's list."""

    items: Callable[[SourceRecord], list]
    key: Callable[[Any], str]  # normalized name: items of two records with equal keys are one item
    values: Callable[[Any], dict[str, Any]]  # the row's attribute columns for one item
    # An item listed twice in one record is listed twice in the trial (two interventions named
    # alike with different descriptions are two interventions); the n-th copy matches the n-th
    # copy in other records. False: a repeat is the same item (a condition, a sponsor).
    keep_repeats: bool = True
    # parser warning codes that mean the record's list may be mis-split: it is then not used
    unreliable_when: frozenset[str] = frozenset()


def _site_key(loc: Any) -> str:
    # facility AND city: "Research Site" names hundreds of different sites in one trial
    return f"{lookup_key(loc.facility or '')}|{lookup_key(loc.city or '')}"


LIST_SPECS: dict[str, ListSpec] = {
    "trial_conditions": ListSpec(
        lambda r: r.conditions, _condition_key,
        lambda c: {"condition": c.name, "condition_normalized": _condition_key(c)}, keep_repeats=False),
    "trial_interventions": ListSpec(
        lambda r: r.interventions, lambda i: lookup_key(i.name),
        lambda i: {"name": i.name, "intervention_type": i.intervention_type, "description": i.description}),
    "trial_arms": ListSpec(
        lambda r: r.arms, lambda a: lookup_key(a.label),
        lambda a: {"label": a.label, "arm_type": a.arm_type, "description": a.description,
                   "interventions": list(a.interventions)},
        # the CT.gov text page cannot tell where groups without interventions end
        unreliable_when=frozenset({"ambiguous_groups"})),
    "trial_locations": ListSpec(
        lambda r: r.locations, _site_key,
        lambda loc: {"facility": loc.facility, "city": loc.city, "state": loc.state, "country": loc.country}),
    "trial_sponsors": ListSpec(
        lambda r: r.sponsors, lambda s: f"{s.role}|{normalize_sponsor(s.name)}",
        lambda s: {"name": s.name, "role": s.role, "agency_class": s.agency_class}, keep_repeats=False),
}


def _empty(value: Any) -> bool:
    return value is None or value == [] or (isinstance(value, str) and not value.strip())


def warning_codes(record: SourceRecord) -> set[str]:
    return {w.split(":", 1)[0].strip() for w in record.warnings}


def _keyed_items(spec: ListSpec, record: SourceRecord) -> dict[str, Any]:
    """The record's items by key, in list order (see ListSpec.keep_repeats)."""
    out: dict[str, Any] = {}
    seen: dict[str, int] = {}
    for item in spec.items(record):
        key = spec.key(item)
        if not key:
            continue
        if spec.keep_repeats:
            seen[key] = count = seen.get(key, 0) + 1
            key = f"{key}#{count}"
        out.setdefault(key, item)
    return out


def _list_record(spec: ListSpec, ordered: list[ParsedFile], keyed: dict[str, dict[str, Any]]) -> ParsedFile | None:
    """The best record with a non-empty list that no parser warning puts in doubt (a doubtful
    list stays in the per-record table as evidence; a wrong trial list would be worse than none)."""
    return next((p for p in ordered
                 if keyed[p.record_id] and not spec.unreliable_when & warning_codes(p.record)), None)


def list_rows(trial_id: str, spec: ListSpec, ordered: list[ParsedFile]) -> list[dict[str, Any]]:
    """One table's rows for one trial; `ordered` is the trial's records, best first."""
    keyed = {p.record_id: _keyed_items(spec, p.record) for p in ordered}
    chosen = _list_record(spec, ordered, keyed)
    if chosen is None:
        return []
    others = [p for p in ordered if p is not chosen]
    rows = []
    for position, (key, item) in enumerate(keyed[chosen.record_id].items(), 1):
        showing = [chosen, *(p for p in others if key in keyed[p.record_id])]
        row = spec.values(item)
        fillers = None  # the other records' values of the item, built only when a column is empty
        for column, value in row.items():
            if _empty(value):
                if fillers is None:
                    fillers = [spec.values(keyed[p.record_id][key]) for p in showing[1:]]
                row[column] = next((f[column] for f in fillers if not _empty(f[column])), value)
        rows.append({"trial_id": trial_id, **row, "position": position,
                     "record_ids": [p.record_id for p in showing], "list_record_id": chosen.record_id})
    return rows


def trial_list_rows(trial_id: str, members: list[ParsedFile]) -> dict[str, list[dict[str, Any]]]:
    """Rows of every trial-grain table (LIST_SPECS) for one trial and its member records."""
    ordered = sorted(members, key=precedence_key_for(trial_id))
    return {table: list_rows(trial_id, spec, ordered) for table, spec in LIST_SPECS.items()}
