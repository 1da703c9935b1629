"""Resolve each trial's fields from its records, keeping every candidate as provenance.

See precedence.py for the order. Enrollment type follows the enrollment count: it comes from
the record that gave the chosen count or, when that record shows no type, from the best-ranked
other record showing the SAME count with a type. Conflicts: a field whose non-null candidates
are not all compatible (see `compatible`) is listed in the trial's `conflicts`.
"""
from __future__ import annotations

from typing import Any

from parsers.identifiers import normalize_sponsor
from parsers.record import SCALAR_FIELDS
from pipelines.reconcile.model import ParsedFile, Provenance
from pipelines.reconcile.precedence import deciding_rule, precedence_key_for

# Each source page shows its own update date: disagreement there is expected, not a conflict.
CONFLICT_EXEMPT: frozenset[str] = frozenset({"last_update_date"})
DATE_FIELDS = frozenset(f for f in SCALAR_FIELDS if f.endswith("_date"))
TEXT_FIELDS = frozenset({"title", "official_title", "acronym", "lead_sponsor", "brief_summary", "detailed_description"})


def value_text(value: Any) -> str | None:
    """A field value as the string stored in field_provenance.value."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    return str(value)


def _squash(text: str) -> str:
    return " ".join(text.casefold().split())


def compatible(field: str, a: Any, b: Any) -> bool:
    """Two candidate values that do not contradict each other.

    Dates: one is a less precise form of the other ("2007-03" vs "2007-03-31").
    Lead sponsor: same normalized sponsor ("Pfizer, Inc." / "PFIZER").
    Free text: equal ignoring case and whitespace, or one is a truncated copy of the other.
    Numbers: equal. Everything else: equal.
    """
    if a == b:
        return True
    if field in DATE_FIELDS and isinstance(a, str) and isinstance(b, str):
        short, long = sorted((a, b), key=len)
        return long.startswith(short)
    if field == "lead_sponsor" and isinstance(a, str) and isinstance(b, str):
        return bool(normalize_sponsor(a)) and normalize_sponsor(a) == normalize_sponsor(b)
    if field in TEXT_FIELDS and isinstance(a, str) and isinstance(b, str):
        sa, sb = _squash(a.rstrip(".…")), _squash(b.rstrip(".…"))
        short, long = sorted((sa, sb), key=len)
        return long.startswith(short)
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool):
        return abs(float(a) - float(b)) < 1e-9
    return False


def _in_conflict(field: str, values: list[Any]) -> bool:
    if field in CONFLICT_EXEMPT:
        return False
    distinct = []
    for v in values:
        if v not in distinct:
            distinct.append(v)
    return any(not compatible(field, x, y) for i, x in enumerate(distinct) for y in distinct[i + 1:])


def _pick(trial_id: str, cands: list[tuple[ParsedFile, Any]]) -> tuple[ParsedFile, Any, str]:
    winner, value = cands[0]
    if len(cands) == 1:
        return winner, value, "only_candidate"
    rival = next((p for p, v in cands[1:] if v != value), None)
    if rival is None:
        return winner, value, "unanimous"
    return winner, value, deciding_rule(winner, rival, trial_id)


def resolve_trial(trial_id: str, records: list[ParsedFile]) -> tuple[dict[str, Any], list[Provenance], list[str]]:
    """(resolved scalar values, provenance rows, conflicting field names) for one trial. The
    trial_id decides the home registry (see precedence.py)."""
    ordered = sorted(records, key=precedence_key_for(trial_id))
    resolved: dict[str, Any] = {}
    provenance: list[Provenance] = []
    conflicts: list[str] = []
    enrollment_winner: ParsedFile | None = None

    for field in SCALAR_FIELDS:
        cands = [(p, v) for p in ordered if (v := getattr(p.record, field)) is not None]
        if not cands:
            resolved[field] = None
            continue
        if field == "enrollment_type" and enrollment_winner is not None:
            rows, chosen_value = _enrollment_type(trial_id, cands, enrollment_winner)
            provenance.extend(rows)
            resolved[field] = chosen_value
        else:
            winner, value, rule = _pick(trial_id, cands)
            if field == "enrollment":
                enrollment_winner = winner
            resolved[field] = value
            provenance.extend(
                Provenance(trial_id, field, value_text(v), p.record_id, p.record.source, p is winner, rule)
                for p, v in cands
            )
        if len(cands) > 1 and _in_conflict(field, [v for _, v in cands]):  # one value: no conflict
            conflicts.append(field)
    return resolved, provenance, conflicts


def _enrollment_type(trial_id: str, cands: list[tuple[ParsedFile, Any]], count_from: ParsedFile):
    count = count_from.record.enrollment
    same_count = [(p, v) for p, v in cands if p.record.enrollment == count]
    if count_from.record.enrollment_type is not None:
        winner, value = count_from, count_from.record.enrollment_type
        rule = "only_candidate" if len(cands) == 1 else "same_record_as_enrollment"
    elif same_count:
        winner, value = same_count[0]
        rule = "type_carried_from_other_record"
    else:
        winner, value, rule = None, None, "count_differs"
    rows = []
    for p, v in cands:
        row_rule = rule if p.record.enrollment == count else "count_differs"
        rows.append(Provenance(trial_id, "enrollment_type", value_text(v), p.record_id, p.record.source, p is winner, row_rule))
    return rows, value
