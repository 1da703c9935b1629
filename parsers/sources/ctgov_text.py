"""Text renderings of a ClinicalTrials.gov v2 record (layout of seed 001).

Page: the title on line 1, "NCT ID: X", "Last Updated: date", then headed sections. Every
heading is followed by ONE fixed explanatory sentence, dropped by position (the engine's
`explainer_after_heading`): its wording is site copy and varies. Values are unlabeled v2
enum words, counts and ISO dates placed by position; they are recognised by SHAPE through
`fill_slots`, so a missing value does not shift the others.
"""
from __future__ import annotations

import re

from parsers.criteria import add_criteria
from parsers.layout import (
    ISO_DATE, NOT_RECOGNISED, TOP, Block, Heading, LayoutSpec, Signature, Slot, add_conditions,
    add_identifier, attempt, dedup, fill_slots, join_text, normalized, read_title, split_place, text_reader,
)
from parsers.lines import is_item
from parsers.normalize import Unmapped, design
from parsers.normalize.ages import age_to_years
from parsers.normalize.dates import normalize_date
from parsers.normalize.enrollment import parse_enrollment
from parsers.normalize.phase import normalize_phase
from parsers.normalize.sex import normalize_sex
from parsers.normalize.status import normalize_status
from parsers.normalize.vocab import AGENCY_CLASSES
from parsers.record import Contact, Location, SourceRecord, Sponsor
from parsers.sources.ctgov_text_groups import read_groups, read_interventions, section_at_end

KEY = "ctgov_text"

_NCT_LINE = re.compile(r"NCT ID:\s*(\S.*)", re.IGNORECASE)
_UPDATED_LINE = re.compile(r"Last Updated:\s*(\S.*)", re.IGNORECASE)
_LABELLED = re.compile(r"(Role|Identifier Type|Identifier Source|Identifier Domain|Phone|Email|Affiliation):\s*(.*)",
                       re.IGNORECASE)
_CRITERIA_HEADING = re.compile(r"(inclusion|exclusion) criteria:?", re.IGNORECASE)

_HEADINGS = (
    "Study Results", "Basic Information", "Brief Summary", "Detailed Description", "Conditions", "Keywords",
    "Study Design", "Study Groups", "Interventions", "Eligibility Criteria", "Sponsors", "Responsible Party",
    "Principal Investigators", "Locations", "Countries", "Central Contacts", "Facility Contacts",
    "References", "Other Identifiers",
)


def _shape(pattern: re.Pattern[str], fn):
    """A slot test: the line must have `pattern`'s shape, then `fn` normalizes it."""
    def accept(line: str):
        if not pattern.fullmatch(line):
            raise Unmapped("shape", line)
        return fn(line)
    return accept


_ENUM_WORD = re.compile(r"[A-Z0-9_/]+")  # the v2 enum words this layout prints
_PARTICIPANTS = re.compile(r"\d[\d,]*\s+participants?", re.IGNORECASE)


def read_top(record: SourceRecord, block: Block) -> list[str]:
    values = block.values
    if not values:
        return []
    labelled = next((i for i, line in enumerate(values) if _NCT_LINE.fullmatch(line) or _UPDATED_LINE.fullmatch(line)),
                    None)
    read_title(record, values[:labelled] if labelled else values[:1])
    unused = []
    for line in values[labelled or 1:]:
        nct, updated = _NCT_LINE.fullmatch(line), _UPDATED_LINE.fullmatch(line)
        if nct:
            add_identifier(record, nct.group(1).strip(), "nct_id")
        elif updated:
            normalized(record, "last_update_date", normalize_date, updated.group(1).strip())
        else:
            unused.append(line)
    return unused


def read_study_results(record: SourceRecord, block: Block) -> None:
    """Results content is not parsed yet: say so on the record instead of dropping it quietly."""
    if block.values:
        record.warn("study_results_not_parsed", f"n={len(block.values)}")
        record.raw["study_results"] = join_text(block.lines) or ""


BASIC_SLOTS = (
    Slot("status", _shape(_ENUM_WORD, normalize_status)),
    Slot("phase", _shape(_ENUM_WORD, normalize_phase)),
    Slot("enrollment", _shape(_PARTICIPANTS, parse_enrollment)),
    Slot("study_type", _shape(_ENUM_WORD, design.normalize_study_type)),
)


def read_basic(record: SourceRecord, block: Block) -> list[str]:
    """Status, phases, "N participants", study type, then 1-3 ISO dates (start, [primary
    completion,] completion)."""
    dates = [v for v in block.values if ISO_DATE.fullmatch(v)]
    filled, unused = fill_slots((v for v in block.values if not ISO_DATE.fullmatch(v)), BASIC_SLOTS)
    for name, (raw, value) in filled.items():
        record.raw[name] = raw
        if name == "enrollment":
            record.enrollment, record.enrollment_type = value
        else:
            setattr(record, name, value)
    fields = {1: ("start_date",), 2: ("start_date", "completion_date"),
              3: ("start_date", "primary_completion_date", "completion_date")}.get(len(dates))
    if len(dates) == 1:
        record.warn("ambiguous_dates", "one date shown, taken as the start date")
    if fields is None and dates:
        record.warn("ambiguous_dates", f"{len(dates)} dates shown, first three used")
        fields = ("start_date", "primary_completion_date", "completion_date")
    for field_name, raw in zip(fields or (), dates):
        normalized(record, field_name, normalize_date, raw)
    unused.extend(dates[len(fields or ()):])
    return unused


def read_keywords(record: SourceRecord, block: Block) -> None:
    record.keywords.extend(dedup(block.values))


def _design_slots(study_type: str | None) -> tuple[Slot, ...]:
    """The design values in page order; "OTHER" fits several, so the order and the study
    type decide which field it is."""
    interventional = (
        Slot("allocation", _shape(_ENUM_WORD, design.normalize_allocation)),
        Slot("intervention_model", _shape(_ENUM_WORD, design.normalize_intervention_model)),
        Slot("primary_purpose", _shape(_ENUM_WORD, design.normalize_primary_purpose)),
        Slot("masking", _shape(_ENUM_WORD, design.normalize_masking)),
    )
    observational = (
        Slot("observational_model", _shape(_ENUM_WORD, design.normalize_observational_model)),
        Slot("time_perspective", _shape(_ENUM_WORD, design.normalize_time_perspective)),
    )
    if study_type == "OBSERVATIONAL":
        return observational
    if study_type is None:
        return interventional[:2] + observational + interventional[2:]
    return interventional


def read_design(record: SourceRecord, block: Block) -> list[str]:
    filled, unused = fill_slots(block.values, _design_slots(record.study_type))
    for name, (raw, value) in filled.items():
        record.raw[name] = raw
        setattr(record, name, value)
    return unused


# --- eligibility ------------------------------------------------------------------------------

def _age_slot(line: str):
    return age_to_years(line)


ELIGIBILITY_SLOTS = (
    Slot("min_age_years", _shape(re.compile(r"\d+(?:\.\d+)?\s+\w+|N/?A", re.IGNORECASE), _age_slot), accepts_none=True),
    Slot("max_age_years", _shape(re.compile(r"\d+(?:\.\d+)?\s+\w+|N/?A", re.IGNORECASE), _age_slot), accepts_none=True),
    Slot("sex", _shape(_ENUM_WORD, normalize_sex)),
    Slot("healthy_volunteers", _shape(re.compile(r"Yes|No", re.IGNORECASE), design.normalize_healthy_volunteers)),
)


def _is_positional(line: str) -> bool:
    return any(attempt(slot.accept, line) is not NOT_RECOGNISED for slot in ELIGIBILITY_SLOTS)


def read_eligibility(record: SourceRecord, block: Block) -> list[str]:
    """Criteria under "Inclusion Criteria"/"Exclusion Criteria" sub-headings, then the positional
    tail: min age, max age, sex, healthy volunteers (the tail = the trailing lines that have
    one of those shapes, so criteria text of any form stays criteria)."""
    lines = block.values
    items = [is_item(line) for line in lines]
    item_from = [False] * (len(lines) + 1)  # item_from[k]: a list item stands at k or below
    for k in range(len(lines) - 1, -1, -1):
        item_from[k] = items[k] or item_from[k + 1]
    # a section no rule names after the last criterion or the positional tail: set aside
    at = section_at_end(lines, [k for k in range(1, len(lines))
                                if not item_from[k] and (items[k - 1] or _is_positional(lines[k - 1]))])
    foreign = lines[at:] if at is not None else []
    if at is not None:
        record.warn("possible_heading", f"{lines[at]!r} in {block.heading!r}")
        lines = lines[:at]
    tail_start = len(lines)
    while tail_start > 0 and len(lines) - tail_start < len(ELIGIBILITY_SLOTS) \
            and not items[tail_start - 1] and _is_positional(lines[tail_start - 1]):
        tail_start -= 1
    kind: str | None = None
    current: list[str] = []
    unused: list[str] = []
    for line in lines[:tail_start]:
        sub = _CRITERIA_HEADING.fullmatch(line)
        if sub:
            if kind:
                add_criteria(record, kind, current)
            kind, current = sub.group(1).lower(), []
        elif kind:
            current.append(line)
        else:
            unused.append(line)
    if kind:
        add_criteria(record, kind, current)
    if unused and not any(c for c in record.criteria):
        record.warn("criteria_without_heading", f"n={len(unused)} read as inclusion")
        add_criteria(record, "inclusion", unused)
        unused = []

    tail = lines[tail_start:]
    filled, rest = fill_slots(tail, ELIGIBILITY_SLOTS)
    for name, (raw, value) in filled.items():
        record.raw[name] = raw
        setattr(record, name, value)
    ages = [raw for name, (raw, value) in filled.items() if name.endswith("age_years")]
    if len(ages) == 1 and "max_age_years" not in filled:
        record.warn("ambiguous_age", f"one age {ages[0]!r} shown, taken as the minimum")
    return unused + rest + foreign


# --- organisations and people ------------------------------------------------------------------

def read_sponsors(record: SourceRecord, block: Block) -> list[str]:
    """name / agency-class pairs; the first is the lead sponsor, the rest collaborators."""
    lines = block.values
    i = 0
    while i < len(lines):
        name = lines[i]
        class_raw = lines[i + 1] if i + 1 < len(lines) and lines[i + 1] in AGENCY_CLASSES else None
        role = "collaborator" if any(s.role == "lead" for s in record.sponsors) else "lead"
        record.sponsors.append(Sponsor(name, role, class_raw, class_raw))
        if role == "lead":
            record.lead_sponsor = record.raw["lead_sponsor"] = name
            record.lead_sponsor_class = class_raw
            if class_raw:
                record.raw["lead_sponsor_class"] = class_raw
        i += 2 if class_raw else 1
    return []


def read_responsible_party(record: SourceRecord, block: Block) -> list[str]:
    values = block.values
    if values:
        record.raw["responsible_party"] = "\n".join(values)
    return []


def _people(lines: list[str], default_role: str | None) -> tuple[list[Contact], list[str]]:
    """People blocks: a name line, then labelled lines ("Role: X", "Phone: ..."), then plain
    lines (the affiliation) until the next name (a line followed by a labelled line)."""
    people: list[Contact] = []
    unused: list[str] = []
    for i, line in enumerate(lines):
        label = _LABELLED.fullmatch(line)
        nxt = lines[i + 1] if i + 1 < len(lines) else ""
        if label and people:
            key, value = label.group(1).casefold(), label.group(2).strip()
            if key == "role":
                people[-1].role = value or default_role
            elif key == "phone":
                people[-1].phone = value
            elif key == "email":
                people[-1].email = value
            elif key == "affiliation":
                people[-1].affiliation = value
        elif _LABELLED.fullmatch(nxt) or not people:
            people.append(Contact(line, default_role))
        elif "@" in line and people[-1].email is None and " " not in line:
            people[-1].email = line
        elif people[-1].affiliation is None:
            people[-1].affiliation = line
        else:
            unused.append(line)
    return people, unused


def _people_reader(default_role: str | None):
    def read(record: SourceRecord, block: Block) -> list[str]:
        people, unused = _people(block.values, default_role)
        record.contacts.extend(people)
        return unused
    return read


def read_locations(record: SourceRecord, block: Block) -> list[str]:
    """Sites: a facility line then its "City, State, Country" line; either may be missing.

    A facility may contain commas, so a comma alone does not make a place: a line is a place
    when it follows a facility, or (with no facility pending) when its last part is a country
    this block repeats (sites listed without facility names)."""
    lines = block.values
    places, firsts = lines[1::2], lines[0::2]
    countries = {_tail(line) for line in places}
    if len(lines) % 2 == 0 and all("," in p for p in places) and not all(
            _looks_like_place(f, countries) for f in firsts):
        pairs: list[tuple[str | None, str | None]] = list(zip(firsts, places))
        return _add_locations(record, pairs)
    tails = [_tail(line) for line in lines if "," in line]
    repeated = {t for t in tails if tails.count(t) > 1}
    pairs = []
    pending: str | None = None
    for line in lines:
        if pending is None:
            if "," in line and _tail(line) in repeated:
                pairs.append((None, line))
            else:
                pending = line
        elif "," in line:
            pairs.append((pending, line))
            pending = None
        else:
            pairs.append((pending, None))
            pending = line
    if pending is not None:
        pairs.append((None, pending) if "," in pending else (pending, None))
    return _add_locations(record, pairs)


def _add_locations(record: SourceRecord, pairs: list[tuple[str | None, str | None]]) -> list[str]:
    for facility, place in pairs:
        city, state, country = split_place(place) if place else (None, None, None)
        record.locations.append(Location(facility, city, state, country, raw=f"{facility or ''} | {place or ''}"))
    return []


def _looks_like_place(line: str, countries: set[str]) -> bool:
    """"City, [State,] Country" with a country seen in the block (a facility rarely is that short)."""
    return "," in line and line.count(",") <= 2 and _tail(line) in countries


def _tail(line: str) -> str:
    return split_place(line)[2] or ""


def read_countries(record: SourceRecord, block: Block) -> None:
    record.countries = dedup(block.values)


def read_references(record: SourceRecord, block: Block) -> None:
    record.references.extend(block.values)


# v2 SecondaryIdType -> our id_type when the value's shape names no registry
_SECONDARY_TYPES = {"NIH": "GRANT", "FDA": "OTHER", "VA": "OTHER", "CDC": "OTHER", "AHRQ": "GRANT",
                    "SAMHSA": "GRANT", "OTHER_GRANT": "GRANT", "EUDRACT_NUMBER": "OTHER", "CTIS": "OTHER",
                    "REGISTRY": "OTHER", "OTHER": "OTHER"}


def read_other_identifiers(record: SourceRecord, block: Block) -> list[str]:
    """id line, "Identifier Type: X", "Identifier Source: org_study_id|secondary_id|nct_alias"."""
    entries: list[dict[str, str]] = []
    for line in block.values:
        label = _LABELLED.fullmatch(line)
        if label and entries:
            entries[-1][label.group(1).casefold()] = label.group(2).strip()
        else:
            entries.append({"value": line})
    for entry in entries:
        source = entry.get("identifier source", "").casefold()
        id_kind = entry.get("identifier type", "").upper()
        if source == "org_study_id":
            add_identifier(record, entry["value"], "org_study_id", force_type="ORG_STUDY_ID")
        else:
            add_identifier(record, entry["value"], "secondary_id",
                           default_type=_SECONDARY_TYPES.get(id_kind, "OTHER"))
    return []


def _finish(record: SourceRecord) -> None:
    if not record.countries:
        record.countries = dedup(loc.country for loc in record.locations if loc.country)


READERS = {
    TOP: read_top,
    "Study Results": read_study_results,
    "Basic Information": read_basic,
    "Brief Summary": text_reader("brief_summary"),
    "Detailed Description": text_reader("detailed_description"),
    "Conditions": lambda record, block: add_conditions(record, block.values),
    "Keywords": read_keywords,
    "Study Design": read_design,
    "Study Groups": read_groups,
    "Interventions": read_interventions,
    "Eligibility Criteria": read_eligibility,
    "Sponsors": read_sponsors,
    "Responsible Party": read_responsible_party,
    "Principal Investigators": _people_reader("principal_investigator"),
    "Locations": read_locations,
    "Countries": read_countries,
    "Central Contacts": _people_reader("central_contact"),
    "Facility Contacts": _people_reader("facility_contact"),
    "References": read_references,
    "Other Identifiers": read_other_identifiers,
}

SPEC = LayoutSpec(
    key=KEY,
    headings=tuple(Heading(h) for h in _HEADINGS),
    readers=READERS,
    signature=Signature(
        headings=frozenset({"Basic Information", "Study Design", "Study Groups", "Eligibility Criteria", "Sponsors",
                            "Responsible Party", "Other Identifiers", "Interventions", "Principal Investigators"}),
        marker=re.compile(r"NCT ID:\s*\S+", re.IGNORECASE),
        min_headings=2,
        strong_headings=6,  # a page whose header lines were lost
    ),
    explainer_after_heading=True,
    ordered_headings=True,
    blank_rhythm=False,
    # Study Groups repeats intervention blocks: know them first; the design values are read
    # by the study type (a reordered page may show Study Design first)
    read_first=("Interventions", "Basic Information"),
    finish=_finish,
    not_headings=frozenset({"Intervention:"}),
    prose_blocks=frozenset({"Brief Summary", "Detailed Description", "Eligibility Criteria"}),
    described_blocks=frozenset({"Study Groups", "Interventions"}),
)
