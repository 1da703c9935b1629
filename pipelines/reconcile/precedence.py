"""Field precedence: which record's value a trial takes, and why.

Order of candidates for every scalar field (first wins):
1. source authority (SOURCE_AUTHORITY, lower rank first): the trial's home registry over
   renderings of it, over aggregators;
2. recency: the record with the most recent last_update_date (a record without one is oldest);
3. record_id, ascending, so the choice never depends on input order.

A record that lacks a field (None) is not a candidate: a source never blanks a field.
"""
from __future__ import annotations

from dataclasses import dataclass

from pipelines.reconcile.model import ParsedFile


@dataclass(frozen=True)
class Authority:
    rank: int
    role: str
    why: str


# The documented precedence table (rendered into warehouse/README.md).
SOURCE_AUTHORITY: dict[str, Authority] = {
    "ctgov_json": Authority(0, "home registry", "the ClinicalTrials.gov API record itself: the registry of record for NCT trials"),
    "ctgov_text": Authority(1, "registry rendering", "a text rendering of the ClinicalTrials.gov record: same data, one parsing step further away"),
    "veeva": Authority(2, "aggregator", "ClinicalTrials.Veeva republishes registry data, sometimes later or partially"),
    "medpath": Authority(2, "aggregator", "MedPath republishes registry data, sometimes later or partially"),
}
UNKNOWN_SOURCE_RANK = 9  # a source not in the table ranks below every listed one

RULES: dict[str, str] = {
    "only_candidate": "only one record of the trial gives this field",
    "unanimous": "every record that gives this field gives the same value",
    "source_authority": "the winner's source ranks higher (SOURCE_AUTHORITY) than the best-ranked record with a different value",
    "recency": "same source rank as the best-ranked record with a different value; the winner's last_update_date is more recent",
    "record_id": "same source rank and last_update_date as the best-ranked record with a different value; the smaller record_id wins (determinism only)",
    "same_record_as_enrollment": "enrollment_type is taken from the record that gave the chosen enrollment count",
    "type_carried_from_other_record": (
        "the record that gave the chosen enrollment count shows no type; the type comes from the best-ranked "
        "other record that shows the SAME count with a type (an ESTIMATED/ACTUAL type survives the merge)"
    ),
    "count_differs": "enrollment_type candidate not used: its record shows a different enrollment count",
}


def source_rank(source: str) -> int:
    auth = SOURCE_AUTHORITY.get(source)
    return auth.rank if auth else UNKNOWN_SOURCE_RANK


def precedence_key(parsed: ParsedFile) -> tuple:
    """Sort key: smaller = preferred. Dates are ISO strings of any precision; compare as text."""
    updated = parsed.record.last_update_date or ""  # "" (unknown) sorts as the oldest
    return (source_rank(parsed.record.source), _Desc(updated), parsed.record_id)


class _Desc:
    """Wraps a string so that sorting ascending orders it descending."""

    __slots__ = ("value",)

    def __init__(self, value: str):
        self.value = value

    def __lt__(self, other: "_Desc") -> bool:
        return self.value > other.value

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Desc) and self.value == other.value

    def __hash__(self) -> int:
        return hash(self.value)


def deciding_rule(winner: ParsedFile, rival: ParsedFile) -> str:
    """Which precedence step put `winner` before `rival` (a record with a different value)."""
    if source_rank(winner.record.source) != source_rank(rival.record.source):
        return "source_authority"
    if (winner.record.last_update_date or "") != (rival.record.last_update_date or ""):
        return "recency"
    return "record_id"
