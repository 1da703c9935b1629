"""ClinicalTrials.Veeva trial pages (layout of seeds 000, 003, 004).

Page: brand chrome ("ClinicalTrials.Veeva", "Menu"), the title, the sponsor's avatar initial,
the lead sponsor, then headed blocks; values stand one per line under their heading. Veeva
shows no dates. The arm list follows a "N participants in M patient groups" line: an arm is a
label line FOLLOWED by "<arm type> group", then "Description:" and "Treatment:" runs.
"""
from __future__ import annotations

import re

from parsers.chrome import looks_like_chrome
from parsers.criteria import add_criteria
from parsers.identifiers import classify_identifier, is_registry_type
from parsers.layout import (
    NOT_RECOGNISED, TOP, Block, Heading, LayoutSpec, Signature, add_conditions, add_identifier,
    attempt, normalized, pair_reader, read_title, text_reader, typed_name,
)
from parsers.normalize import design, types
from parsers.normalize.ages import parse_age_range
from parsers.normalize.enrollment import parse_enrollment
from parsers.normalize.phase import normalize_phase
from parsers.normalize.sex import normalize_sex
from parsers.normalize.status import normalize_status
from parsers.record import Arm, Contact, Intervention, SourceRecord, Sponsor

KEY = "veeva"

ARMS = "arms"
_ARMS_HEADER = re.compile(r"(?:\d[\d,]* participants? in )?(\d+) patient groups?", re.IGNORECASE)

_HEADINGS = (
    "Status and phase", "Conditions", "Treatments", "Study type", "Funder types", "Identifiers",
    "Details and patient eligibility", "About", "Full description", "Enrollment", "Sex", "Ages",
    "Volunteers", "Inclusion criteria", "Exclusion criteria", "Trial design", "Primary purpose",
    "Allocation", "Interventional model", "Observational model", "Time perspective", "Masking",
    "Trial contacts and locations", "Central trial contact",
)


# --- readers --------------------------------------------------------------------------------

def read_top(record: SourceRecord, block: Block) -> list[str]:
    """Title, then the avatar initial (one character), then the lead sponsor.

    The initial anchors the block: the lines before it are the title (wrapped or not), the
    line after it is the sponsor only when its first letter IS the initial."""
    values = block.values
    if not values:
        return []  # the engine warns about the missing title
    initial = next((i for i, v in enumerate(values[:5]) if len(v) == 1), None)
    if initial is None:  # no avatar: title, sponsor by position
        read_title(record, values[:1])
        return _read_sponsor(record, values[1:], None)
    read_title(record, values[:initial])  # none before the avatar: the title is missing (warned)
    return _read_sponsor(record, values[initial + 1:], values[initial])


def _read_sponsor(record: SourceRecord, rest: list[str], initial: str | None) -> list[str]:
    if not rest:
        return []
    sponsor = rest[0]
    first = next((ch.upper() for ch in sponsor if ch.isalnum()), "")
    if (initial is not None and first != initial.upper()) or looks_like_chrome(sponsor, KEY):
        record.warn("suspect_value", f"lead_sponsor={sponsor!r} does not match the avatar {initial!r}")
        return rest
    record.lead_sponsor = record.raw["lead_sponsor"] = sponsor
    record.sponsors.insert(0, Sponsor(sponsor, "lead", record.lead_sponsor_class))
    return rest[1:]


def read_status_phase(record: SourceRecord, block: Block) -> list[str]:
    """The status line (recognised by what it normalizes as, normally first), then one line
    per phase in any order; they are combined into one phase value."""
    phases: list[str] = []
    status_line = next((line for line in block.values
                        if attempt(normalize_status, line) not in (NOT_RECOGNISED, None)), None)
    if status_line is None and block.values and attempt(normalize_phase, block.values[0]) is NOT_RECOGNISED:
        status_line = block.values[0]  # an unmapped status: kept raw with a warning
    for line in block.values:
        if line is status_line:
            normalized(record, "status", normalize_status, line)
        else:
            phases.append(line)
    if phases:
        normalized(record, "phase", normalize_phase, phases)
    return []


def read_conditions(record: SourceRecord, block: Block) -> None:
    add_conditions(record, block.values)


def read_treatments(record: SourceRecord, block: Block) -> None:
    for line in block.values:
        kind, kind_raw, name = typed_name(line)
        record.interventions.append(Intervention(name, kind, kind_raw))


def _single(reader_field: str, fn):
    """Reader of a block holding one value; later lines are returned unused."""
    def read(record: SourceRecord, block: Block) -> list[str]:
        values = block.values
        if values:
            normalized(record, reader_field, fn, values[0])
        return values[1:]
    return read


def read_funder_types(record: SourceRecord, block: Block) -> list[str]:
    """The agency classes of the lead and the collaborators, lead first."""
    values = block.values
    if values:
        value = normalized(record, "lead_sponsor_class", types.normalize_agency_class, values[0])
        for sponsor in record.sponsors:
            if sponsor.role == "lead":
                sponsor.agency_class, sponsor.class_raw = value, values[0]
        record.raw["funder_types"] = "\n".join(values)
    return []


def read_identifiers(record: SourceRecord, block: Block) -> None:
    """Typed by shape; Veeva lists the org study id first among the non-registry ids."""
    org_seen = False
    for line in block.values:
        found = classify_identifier(line)
        registry = found is not None and is_registry_type(found[1])
        if registry or found is None:
            add_identifier(record, line, "identifiers")
        elif not org_seen:
            add_identifier(record, line, "org_study_id", force_type="ORG_STUDY_ID")
            org_seen = True
        else:
            add_identifier(record, line, "secondary_id")


def read_inclusion(record: SourceRecord, block: Block) -> None:
    add_criteria(record, "inclusion", block.lines)


def read_exclusion(record: SourceRecord, block: Block) -> None:
    add_criteria(record, "exclusion", block.lines)


def is_arm_type_line(line: str) -> bool:
    """"Experimental group", "No Intervention group": "<words> group" naming an arm type."""
    text = line.strip()
    if not re.search(r"\s(group|arm)$", text, re.IGNORECASE):
        return False
    value = attempt(types.normalize_arm_type, text)
    return value is not NOT_RECOGNISED and value is not None


def _type_run(lines: list[str], start: int) -> int:
    """How many consecutive arm-type-shaped lines stand from `start` on."""
    n = 0
    while start + n < len(lines) and is_arm_type_line(lines[start + n]):
        n += 1
    return n


_MARKERS = {"description:": "description", "treatment:": "treatment", "treatments:": "treatment"}


def read_arms(record: SourceRecord, block: Block) -> list[str]:
    """Arms after "N participants in M patient groups".

    An arm starts at a line FOLLOWED by its arm-type line ("Experimental group"), or, for an
    untyped arm, by a "Description:" / "Treatment:" marker. This lookahead is what separates
    the last treatment of one arm from the label of the next (a treatment may be a bare name,
    like a label). A label may itself read like an arm type, so a run of type-shaped lines is
    paired from its end (odd run length = the line before it is a label). Right after a label
    only a marker can follow; any other line is the next arm (bare labels, one per line)."""
    lines = block.values
    arms: list[Arm] = []
    unused: list[str] = []
    mode = None  # None | "description" | "treatment"
    descriptions: dict[int, list[str]] = {}
    i = 0
    while i < len(lines):
        line = lines[i]
        nxt = lines[i + 1] if i + 1 < len(lines) else None
        marker = _MARKERS.get(line.casefold())
        starts_arm = marker is None and nxt is not None and (
            _type_run(lines, i + 1) % 2 == 1  # label + type pairs follow (a label may read "Experimental group")
            or _MARKERS.get(nxt.casefold()) == "description"  # an arm has one description
            or (_MARKERS.get(nxt.casefold()) == "treatment" and mode != "description"))
        if starts_arm or (marker is None and mode is None and not is_arm_type_line(line)):
            arm = Arm(label=line)
            if nxt is not None and is_arm_type_line(nxt):
                arm.arm_type = types.normalize_arm_type(nxt)
                arm.type_raw = nxt
                i += 1
            arms.append(arm)
            mode = None
        elif marker is not None:
            mode = marker
        elif arms and mode == "description":
            descriptions.setdefault(len(arms) - 1, []).append(line)
        elif arms and mode == "treatment":
            kind, kind_raw, name = typed_name(line)
            arms[-1].interventions.append(name)
            if not any(iv.name == name for iv in record.interventions):
                # the Treatments block may be missing or shorter: keep what the arm names
                record.interventions.append(Intervention(name, kind, kind_raw))
        else:
            unused.append(line)
        i += 1
    for index, lines_ in descriptions.items():
        arms[index].description = "\n".join(lines_)
    record.arms.extend(arms)
    match = _ARMS_HEADER.fullmatch(block.heading or "")
    if match and int(match.group(1)) != len(arms):
        record.warn("arm_count_mismatch", f"page says {match.group(1)}, parsed {len(arms)}")
    return unused


def read_contacts_locations(record: SourceRecord, block: Block) -> list[str]:
    """A site-count line (the sites themselves load later and are not on the page)."""
    values = block.values
    if values and values[0].isdigit():
        record.raw["location_count"] = values[0]
        values = values[1:]
    return values


def read_central_contact(record: SourceRecord, block: Block) -> None:
    for name in block.values:
        record.contacts.append(Contact(name, "central_contact"))


READERS = {
    TOP: read_top,
    "Status and phase": read_status_phase,
    "Conditions": read_conditions,
    "Treatments": read_treatments,
    "Study type": _single("study_type", design.normalize_study_type),
    "Funder types": read_funder_types,
    "Identifiers": read_identifiers,
    "Details and patient eligibility": lambda record, block: block.values,
    "About": text_reader("brief_summary"),
    "Full description": text_reader("detailed_description"),
    "Enrollment": pair_reader("enrollment", parse_enrollment, ("enrollment", "enrollment_type")),
    "Sex": _single("sex", normalize_sex),
    "Ages": pair_reader("ages", parse_age_range, ("min_age_years", "max_age_years")),
    "Volunteers": _single("healthy_volunteers", design.normalize_healthy_volunteers),
    "Inclusion criteria": read_inclusion,
    "Exclusion criteria": read_exclusion,
    "Trial design": lambda record, block: block.values,
    "Primary purpose": _single("primary_purpose", design.normalize_primary_purpose),
    "Allocation": _single("allocation", design.normalize_allocation),
    "Interventional model": _single("intervention_model", design.normalize_intervention_model),
    "Observational model": _single("observational_model", design.normalize_observational_model),
    "Time perspective": _single("time_perspective", design.normalize_time_perspective),
    "Masking": _single("masking", design.normalize_masking),
    ARMS: read_arms,
    "Trial contacts and locations": read_contacts_locations,
    "Central trial contact": read_central_contact,
}


SPEC = LayoutSpec(
    key=KEY,
    headings=(*(Heading(h) for h in _HEADINGS), Heading(ARMS, pattern=_ARMS_HEADER)),
    readers=READERS,
    signature=Signature(
        headings=frozenset({"Status and phase", "Funder types", "Identifiers", "Details and patient eligibility",
                            "Trial design", "Trial contacts and locations", "Treatments", "Study type"}),
        brand=frozenset({"ClinicalTrials.Veeva"}),
        min_headings=2,
        strong_headings=5,
    ),
    brand=frozenset({"ClinicalTrials.Veeva"}),
    footer_markers=frozenset({"Data sourced from clinicaltrials.gov"}),
    read_first=("Treatments",),  # an arm's treatments are added to the list only when Treatments lacks them
    not_headings=frozenset(_MARKERS),
    markers_in=frozenset({ARMS}),
    list_blocks=frozenset({"Status and phase", "Conditions", "Treatments", "Study type", "Funder types", "Identifiers",
                           "Enrollment", "Sex", "Ages", "Volunteers", "Primary purpose", "Allocation",
                           "Interventional model", "Observational model", "Time perspective", "Masking", ARMS}),
    prose_blocks=frozenset({"About", "Full description", "Inclusion criteria", "Exclusion criteria"}),
    usual_order=(*_HEADINGS[: _HEADINGS.index("Trial contacts and locations")], ARMS,
                 *_HEADINGS[_HEADINGS.index("Trial contacts and locations"):]),
)
