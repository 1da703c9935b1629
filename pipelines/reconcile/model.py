"""Value types passed between intake, reconciliation and the warehouse writer."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, NamedTuple

from parsers.record import SourceRecord


@dataclass(frozen=True)
class ParsedFile:
    """One canonical record: a raw file, or a record inside a multi-record file (record_key)."""

    record_id: str  # stable id of the record (pipelines.warehouse.build.record_id_of)
    raw_path: str  # path relative to raw/, "/"-separated
    sha256: str
    record: SourceRecord
    record_key: str | None = None  # the record inside a multi-record file; None: the file is one record


@dataclass(frozen=True)
class QuarantinedFile:
    """A raw file, or one record inside it, that could not be used, with the reason (see intake)."""

    raw_path: str
    sha256: str | None
    reason: str
    detail: str
    record_key: str | None = None  # None: the whole file


@dataclass(frozen=True, slots=True)  # slots: the snapshot engine holds one per identifier of every record
class RecordIdentifier:
    """One identifier of one record, with the key it links on (None = never links alone)."""

    record_id: str
    value: str
    id_type: str
    field: str  # the record field it came from (Identifier.field)
    raw: str
    link_key: str | None
    from_text: bool  # found inside the text of another identifier / free text


@dataclass(frozen=True)
class Link:
    """An edge that joined two records into one trial (record_id_a < record_id_b)."""

    trial_id: str
    record_id_a: str
    record_id_b: str
    method: str  # shared_registry_id | registry_id_in_text | org_study_id+sponsor
    evidence: str  # human-readable: the shared value and the fields it came from
    shared_value: str
    id_type: str
    field_a: str
    field_b: str


@dataclass(frozen=True)
class LinkCandidate:
    """Two records in different trials that look alike: for review, never merged."""

    record_id_a: str
    record_id_b: str
    trial_id_a: str
    trial_id_b: str
    method: str  # same_title | similar_title | org_study_id+sponsor_blocked
    score: float
    evidence: str


class Provenance(NamedTuple):
    """One candidate value of one field of one trial (a named tuple: a trial makes about 20 per
    record, and a frozen dataclass's __init__ cost a third of resolving one)."""

    trial_id: str
    field: str
    value: str | None
    record_id: str
    source: str
    chosen: bool
    rule: str


@dataclass(frozen=True)
class Reconciled:
    """Everything reconcile() decides; pure data, deterministically ordered."""

    trial_ids: dict[str, str]  # record_id -> trial_id
    identifiers: tuple[RecordIdentifier, ...]
    links: tuple[Link, ...]
    link_candidates: tuple[LinkCandidate, ...]
    trials: tuple[dict[str, Any], ...]  # resolved trial rows (trials table columns), sorted by trial_id
    provenance: tuple[Provenance, ...]
    conflicts: dict[str, tuple[str, ...]] = field(default_factory=dict)  # trial_id -> field names
    trial_doses: tuple[dict[str, Any], ...] = ()  # trial_doses rows (pipelines.reconcile.trial_doses)

    def trial_id(self, record_id: str) -> str:
        return self.trial_ids[record_id]
