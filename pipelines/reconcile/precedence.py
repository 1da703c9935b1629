"""Field precedence: which record's value a trial takes, and why. Authority is per TRIAL.

Order of candidates for every scalar field (first wins):
1. authority tier (lower first), which depends on the trial: the record of the trial's HOME
   registry (CT.gov for an NCT trial_id, CTIS for an EU CT number, EU CTR for a EudraCT
   number, the WHO ICTRP row for another WHO registry id) leads; then the other registries'
   exports; then the text rendering of a CT.gov record; then the aggregator scrapes;
2. recency: the record with the most recent last_update_date (a record without one is oldest);
3. record_id, ascending, so the choice never depends on input order.

A record that lacks a field (None) is not a candidate: a source never blanks a field.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from parsers.identifiers import REGISTRY_ID_TYPES, classify_identifier
from pipelines.reconcile.model import ParsedFile


@dataclass(frozen=True)
class Tier:
    rank: int
    rule: str  # the field_provenance.rule when this tier decided a field
    meaning: str


HOME_REGISTRY = Tier(0, "home_registry", "the record of the trial's own registry (see the source table)")
REGISTRY_EXPORT = Tier(1, "registry_export", "an export of another registry that lists the trial")
REGISTRY_RENDERING = Tier(2, "registry_rendering", "a text rendering of a registry record: one parsing step further away")
AGGREGATOR = Tier(3, "aggregator", "a site that republishes registry data, sometimes later or partially")
UNKNOWN = Tier(9, "unknown_source", "a source not listed here ranks below every listed one")
TIERS: tuple[Tier, ...] = (HOME_REGISTRY, REGISTRY_EXPORT, REGISTRY_RENDERING, AGGREGATOR, UNKNOWN)


@dataclass(frozen=True)
class Authority:
    tier: Tier  # the tier when the source is not the trial's home registry
    home_for: str  # the trial ids this source is the home registry of ("" = none)
    why: str


# The documented source table (rendered into warehouse/README.md).
SOURCE_AUTHORITY: dict[str, Authority] = {
    "ctgov_json": Authority(REGISTRY_EXPORT, "NCT", "the ClinicalTrials.gov API v2 record itself"),
    "ctgov_xml": Authority(REGISTRY_EXPORT, "NCT", "the legacy ClinicalTrials.gov XML record (same registry, older format)"),
    "ctis": Authority(REGISTRY_EXPORT, "EU_CT", "the EU Clinical Trials Information System record"),
    "euctr": Authority(REGISTRY_EXPORT, "EUDRACT", "the EU Clinical Trials Register record"),
    "ictrp": Authority(REGISTRY_EXPORT, "other WHO registry ids",
                       "the WHO ICTRP row: the primary registry's record as WHO republishes it"),
    "ctgov_text": Authority(REGISTRY_RENDERING, "", "a text rendering of the ClinicalTrials.gov record"),
    "veeva": Authority(AGGREGATOR, "", "ClinicalTrials.Veeva republishes registry data, sometimes later or partially"),
    "medpath": Authority(AGGREGATOR, "", "MedPath republishes registry data, sometimes later or partially"),
}
# trial id type -> the sources of its home registry; any other WHO registry id: ictrp
HOME_SOURCES: dict[str, frozenset[str]] = {
    "NCT": frozenset({"ctgov_json", "ctgov_xml"}),
    "EU_CT": frozenset({"ctis"}),
    "EUDRACT": frozenset({"euctr"}),
}
OTHER_WHO_HOME: frozenset[str] = frozenset({"ictrp"})

RULES: dict[str, str] = {
    "only_candidate": "only one record of the trial gives this field",
    "unanimous": "every record that gives this field gives the same value",
    **{t.rule: f"the winner is {t.meaning}, a better tier than the best-ranked record with a different value"
       for t in TIERS if t is not UNKNOWN},
    "recency": "same tier as the best-ranked record with a different value; the winner's last_update_date is more recent",
    "record_id": "same tier and last_update_date as the best-ranked record with a different value; the smaller record_id wins (determinism only)",
    "same_record_as_enrollment": "enrollment_type is taken from the record that gave the chosen enrollment count",
    "type_carried_from_other_record": (
        "the record that gave the chosen enrollment count shows no type; the type comes from the best-ranked "
        "other record that shows the SAME count with a type (an ESTIMATED/ACTUAL type survives the merge)"
    ),
    "count_differs": "enrollment_type candidate not used: its record shows a different enrollment count",
}


@lru_cache(maxsize=256)  # asked by every sort and rule of one trial: classify its id once
def home_sources(trial_id: str | None) -> frozenset[str]:
    """Sources of the trial's home registry, from the type of its trial_id (none for TB- ids)."""
    if not trial_id:
        return frozenset()
    classified = classify_identifier(trial_id.split("~", 1)[0])  # "~hash" marks a split id clash
    id_type = classified[1] if classified else None
    if id_type not in REGISTRY_ID_TYPES:
        return frozenset()
    return HOME_SOURCES.get(id_type, OTHER_WHO_HOME)


def tier_of(source: str, home: frozenset[str]) -> Tier:
    if source in home:
        return HOME_REGISTRY
    auth = SOURCE_AUTHORITY.get(source)
    return auth.tier if auth else UNKNOWN


def precedence_key_for(trial_id: str | None) -> Callable[[ParsedFile], tuple]:
    """Sort key of the records of one trial: smaller = preferred. Dates are ISO strings of any
    precision; compared as text."""
    home = home_sources(trial_id)

    def key(parsed: ParsedFile) -> tuple:
        updated = parsed.record.last_update_date or ""  # "" (unknown) sorts as the oldest
        return (tier_of(parsed.record.source, home).rank, _Desc(updated), parsed.record_id)

    return key


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


def deciding_rule(winner: ParsedFile, rival: ParsedFile, trial_id: str | None) -> str:
    """Which precedence step put `winner` before `rival` (a record with a different value)."""
    home = home_sources(trial_id)
    winner_tier, rival_tier = tier_of(winner.record.source, home), tier_of(rival.record.source, home)
    if winner_tier != rival_tier:
        return winner_tier.rule
    if (winner.record.last_update_date or "") != (rival.record.last_update_date or ""):
        return "recency"
    return "record_id"
