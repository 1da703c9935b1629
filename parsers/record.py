"""The canonical record every source parser returns.

One `SourceRecord` per record (a page, or one study of an export). Scalar fields hold values
already normalized to the ClinicalTrials.gov API v2 vocabulary (None = the page does not show it); `raw` keeps, per
field name, the exact string the page showed, so nothing is lost and unmapped spellings can
be counted. List fields hold small dataclasses that keep their own raw strings.

Warnings are strings "code: detail" (code is a stable snake_case key, e.g.
"unmapped_value: phase='Phase 5'"), so they can be counted by code.
"""
from __future__ import annotations

import traceback
from dataclasses import asdict, dataclass, field
from typing import Any, Callable

# Scalar fields shared by source_records and trials (the warehouse contract's per-record columns).
SCALAR_FIELDS: tuple[str, ...] = (
    "title",
    "official_title",
    "acronym",
    "status",
    "phase",
    "study_type",
    "enrollment",
    "enrollment_type",
    "sex",
    "min_age_years",
    "max_age_years",
    "healthy_volunteers",
    "start_date",
    "primary_completion_date",
    "completion_date",
    "last_update_date",
    "allocation",
    "intervention_model",
    "masking",
    "primary_purpose",
    "observational_model",
    "time_perspective",
    "lead_sponsor",
    "lead_sponsor_class",
    "brief_summary",
    "detailed_description",
)


@dataclass
class Identifier:
    value: str  # canonical form (e.g. "NCT00953485", "2024-516715-25-00")
    id_type: str  # NCT, EU_CT, EUDRACT, ISRCTN, ..., ORG_STUDY_ID, GRANT, OTHER
    raw: str  # as the page showed it
    field: str  # where it was found: nct_id, identifiers, registration_number, secondary_id, org_study_id, free_text


@dataclass
class Condition:
    name: str  # as shown
    normalized: str  # spelling-insensitive key (see parsers.normalize.conditions)


@dataclass
class Intervention:
    name: str
    intervention_type: str | None = None  # v2 InterventionType
    type_raw: str | None = None
    description: str | None = None


@dataclass
class Arm:
    label: str
    arm_type: str | None = None  # v2 ArmGroupType
    type_raw: str | None = None
    description: str | None = None
    interventions: list[str] = field(default_factory=list)  # names as listed under the arm


@dataclass
class Criterion:
    kind: str  # "inclusion" | "exclusion"
    position: int  # 1-based within its kind
    text: str


@dataclass
class Sponsor:
    name: str
    role: str  # "lead" | "collaborator" | "responsible_party"
    agency_class: str | None = None  # v2 AgencyClass
    class_raw: str | None = None


@dataclass
class Location:
    facility: str | None = None
    city: str | None = None
    state: str | None = None
    country: str | None = None
    raw: str | None = None


@dataclass
class Contact:
    name: str
    role: str | None = None  # e.g. STUDY_DIRECTOR, central_contact, site_contact, primary
    affiliation: str | None = None
    phone: str | None = None
    email: str | None = None


@dataclass
class Outcome:
    kind: str  # "primary" | "secondary" | "other"
    measure: str
    time_frame: str | None = None
    description: str | None = None


@dataclass
class SourceRecord:
    source: str
    parser_version: str
    # scalars (see SCALAR_FIELDS)
    title: str | None = None
    official_title: str | None = None
    acronym: str | None = None
    status: str | None = None
    phase: str | None = None
    study_type: str | None = None
    enrollment: int | None = None
    enrollment_type: str | None = None
    sex: str | None = None
    min_age_years: float | None = None
    max_age_years: float | None = None
    healthy_volunteers: bool | None = None
    start_date: str | None = None
    primary_completion_date: str | None = None
    completion_date: str | None = None
    last_update_date: str | None = None
    allocation: str | None = None
    intervention_model: str | None = None
    masking: str | None = None
    primary_purpose: str | None = None
    observational_model: str | None = None
    time_perspective: str | None = None
    lead_sponsor: str | None = None
    lead_sponsor_class: str | None = None
    brief_summary: str | None = None
    detailed_description: str | None = None
    # lists
    identifiers: list[Identifier] = field(default_factory=list)
    conditions: list[Condition] = field(default_factory=list)
    keywords: list[str] = field(default_factory=list)
    interventions: list[Intervention] = field(default_factory=list)
    arms: list[Arm] = field(default_factory=list)
    criteria: list[Criterion] = field(default_factory=list)
    sponsors: list[Sponsor] = field(default_factory=list)
    locations: list[Location] = field(default_factory=list)
    countries: list[str] = field(default_factory=list)
    contacts: list[Contact] = field(default_factory=list)
    outcomes: list[Outcome] = field(default_factory=list)
    references: list[str] = field(default_factory=list)
    # evidence
    raw: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def warn(self, code: str, detail: str = "") -> None:
        self.warnings.append(f"{code}: {detail}" if detail else code)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class RecordOutcome:
    """One record of a raw file: a parsed record, or the reason it could not be used.

    A page or a single-study JSON file is one record with record_key None (its record_id is the
    file's). A multi-record file (API download, JSON Lines, CSV export, EU CTR text download)
    gives one outcome per record inside it, each with a key stable within the file (the
    record's registry id where it has one, else its position), so one bad row quarantines that
    row, not the file.
    """

    record_key: str | None
    record: SourceRecord | None = None
    reason: str | None = None  # a parsers.intake.Reason value when the record is quarantined
    detail: str = ""


def parsed_outcome(record_key: str | None, parse: Callable[..., SourceRecord], *args: Any) -> RecordOutcome:
    """RecordOutcome of parse(*args); an exception quarantines this record only, as
    "internal_error" (a parser bug), so the other records of the file are still used."""
    try:
        return RecordOutcome(record_key, record=parse(*args))
    except Exception as exc:  # noqa: BLE001 - one record's bug must not lose the file
        where = traceback.extract_tb(exc.__traceback__)[-1] if exc.__traceback__ else None
        at = f" at {where.filename.rsplit('/', 1)[-1]}:{where.lineno}" if where else ""
        return RecordOutcome(record_key, reason="internal_error", detail=f"{type(exc).__name__}: {exc}{at}"[:2000])
