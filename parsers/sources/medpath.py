"""MedPath trial pages (layout of seed 002).

Page: "MedPath" brand line, the title (a trailing "(ACRONYM)"), a phase line and a status
line recognised by shape (either may be missing), then label/value blocks: the label on one
line, its value(s) on the next. Criteria are "• " bullets; outcome tables follow a
"NameTimeMethod" column-header line; location cards are facility / flag / "City, Country",
optionally repeated as an expanded card with the site contact. The footer starts at the
last "MedPath" line. MedPath shows no ages, no dates and no interventions.
"""
from __future__ import annotations

import re

from parsers.chrome import looks_like_chrome
from parsers.criteria import add_criteria
from parsers.headings import heading_like
from parsers.layout import (
    NOT_RECOGNISED, TOP, Block, Heading, LayoutSpec, Signature, add_conditions,
    add_identifier, attempt, dedup, is_flag, normalized, read_title, split_place, strip_flag, text_reader,
)
from parsers.normalize import design
from parsers.normalize.enrollment import parse_enrollment
from parsers.normalize.phase import normalize_phase
from parsers.normalize.sex import normalize_sex
from parsers.normalize.status import normalize_status
from parsers.normalize.text import NOT_GIVEN, lookup_key
from parsers.record import Contact, Location, Outcome, SourceRecord, Sponsor

KEY = "medpath"

LOCATIONS = "Locations (N)"
_LOCATIONS_HEADER = re.compile(r"Locations \((\d+)\)", re.IGNORECASE)

# The recruitment label says what kind of number it is: a target is a plan.
_RECRUITMENT_LABELS = {
    "Target Recruitment": "ESTIMATED",
    "Actual Recruitment": "ACTUAL",
    "Recruitment": None,
    "Enrollment": None,
}
_HEADINGS = (
    "Conditions", "Registration Number", "Lead Sponsor", "Brief Summary", "Detailed Description",
    "Recruitment & Eligibility", "Status", "Sex", *_RECRUITMENT_LABELS, "Inclusion Criteria",
    "Exclusion Criteria", "Study & Design", "Study Type", "Study Design", "Primary Outcome Measures",
    "Secondary Outcome Measures", "Other Outcome Measures", "Trial Locations",
)
_COLUMN_HEADER = "NameTimeMethod"


def read_top(record: SourceRecord, block: Block) -> list[str]:
    """Title (the lines before the first badge, joined when wrapped), then the phase and
    status badges, recognised by what they normalize as."""
    values = block.values
    if not values:
        return []  # the engine warns about the missing title
    first_badge = _trailing_badges(values)
    if first_badge is None:
        first_badge = next((i for i, line in enumerate(values) if i > 0 and _is_badge(line)), None)
    read_title(record, values[:first_badge] if first_badge is not None else values[:1])
    unused = []
    for line in values[first_badge if first_badge is not None else 1:]:
        if record.phase is None and attempt(normalize_phase, line) not in (NOT_RECOGNISED, None):
            normalized(record, "phase", normalize_phase, line)
        elif record.status is None and attempt(normalize_status, line) not in (NOT_RECOGNISED, None):
            normalized(record, "status", normalize_status, line)
        elif record.raw.get("phase") is None and _PHASE_WORDING.match(line):
            normalized(record, "phase", normalize_phase, line)  # a phase badge we cannot map: keep + warn
        else:
            unused.append(line)
    return unused


def _trailing_badges(values: list[str]) -> int | None:
    """Where the badges start when the block ends with them: at most one phase and one status
    line, after the title. A wrapped title whose second line reads like a phase ("Phase 2
    RCT") stays title: the badge run stops at a second phase line."""
    seen: set[str] = set()
    i = len(values)
    while i > 1:
        kind = _badge_kind(values[i - 1])
        if kind is None or kind in seen:
            break
        seen.add(kind)
        i -= 1
    return i if i < len(values) else None


def _badge_kind(line: str) -> str | None:
    if attempt(normalize_status, line) not in (NOT_RECOGNISED, None):
        return "status"
    if attempt(normalize_phase, line) not in (NOT_RECOGNISED, None) or _PHASE_WORDING.match(line):
        return "phase"
    return None


def _is_badge(line: str) -> bool:
    return _badge_kind(line) is not None


_PHASE_WORDING = re.compile(r"(?:early\s+)?phase\b", re.IGNORECASE)


def read_registration(record: SourceRecord, block: Block) -> None:
    for line in block.values:
        add_identifier(record, line, "registration_number")


def read_lead_sponsor(record: SourceRecord, block: Block) -> list[str]:
    values = block.values
    if values and looks_like_chrome(values[0], KEY):
        record.warn("suspect_value", f"lead_sponsor={values[0]!r} reads like site chrome")
        return values
    if values:
        record.lead_sponsor = record.raw["lead_sponsor"] = values[0]
        record.sponsors.append(Sponsor(values[0], "lead"))
    return values[1:]


_NOT_GIVEN_KEYS = frozenset(lookup_key(s) for s in NOT_GIVEN)


def _not_available(text: str | None) -> str | None:
    if text is None or (len(text) < 40 and lookup_key(text) in _NOT_GIVEN_KEYS):
        return None
    return text


def read_registry_status(record: SourceRecord, block: Block) -> list[str]:
    """The registry's own wording ("Authorised, recruiting"); the top badge wins when present."""
    values = block.values
    if values:
        record.raw["registry_status"] = values[0]
        value = attempt(normalize_status, values[0])
        if record.status is None:
            if value is NOT_RECOGNISED:
                normalized(record, "status", normalize_status, values[0])
            else:
                record.status = value
                record.raw.setdefault("status", values[0])
        elif value not in (NOT_RECOGNISED, None) and value != record.status:
            record.warn("status_disagrees", f"badge {record.status}, registry status {values[0]!r}")
    return values[1:]


def _recruitment_reader(kind: str | None):
    def read(record: SourceRecord, block: Block) -> list[str]:
        values = block.values
        if values:
            record.raw["enrollment"] = values[0]
            result = normalized(record, "enrollment", parse_enrollment, values[0], store=False)
            if result and result[0] is not None:
                record.enrollment = result[0]
                record.enrollment_type = result[1] or kind
        return values[1:]
    return read


def read_sex(record: SourceRecord, block: Block) -> list[str]:
    values = block.values
    if values:
        normalized(record, "sex", normalize_sex, values[0])
    return values[1:]


def read_study_type(record: SourceRecord, block: Block) -> list[str]:
    values = block.values
    if values:
        normalized(record, "study_type", design.normalize_study_type, values[0])
    return values[1:]


def read_study_design(record: SourceRecord, block: Block) -> list[str]:
    """One line naming the interventional or the observational model ("Not specified" = None)."""
    values = block.values
    if not values:
        return []
    line = values[0]
    record.raw["study_design"] = line
    model = attempt(design.normalize_intervention_model, line)
    if model not in (NOT_RECOGNISED, None):
        normalized(record, "intervention_model", design.normalize_intervention_model, line)
    elif model is NOT_RECOGNISED:
        observational = attempt(design.normalize_observational_model, line)
        if observational is NOT_RECOGNISED:
            record.warn("unmapped_value", f"study_design={line!r}")
        else:
            normalized(record, "observational_model", design.normalize_observational_model, line)
    return values[1:]


_TIME_WORDS = re.compile(r"\b(?:days?|weeks?|months?|years?|hours?|minutes?|baseline|visits?|day \d+|week \d+)\b",
                         re.IGNORECASE)


def _outcomes_reader(kind: str):
    def read(record: SourceRecord, block: Block) -> list[str]:
        """Entries under the "NameTimeMethod" header: a measure line, then (optionally) a
        short time-frame line; a line repeating the measure is its method column."""
        values = [v for v in block.values if v != _COLUMN_HEADER]
        for line in values:
            last = record.outcomes[-1] if record.outcomes and record.outcomes[-1].kind == kind else None
            if last is not None and line == last.measure:
                last.description = line
            elif last is not None and last.time_frame is None and len(line) <= 100 and _TIME_WORDS.search(line):
                last.time_frame = line
            else:
                record.outcomes.append(Outcome(kind, line))
        suspect = _section_after_table([o for o in record.outcomes if o.kind == kind], block.lines)
        if suspect is not None:
            record.warn("possible_heading", f"{suspect!r} in {block.heading!r}")
        return []
    return read


def _section_after_table(outcomes: list[Outcome], lines: list[str]) -> str | None:
    """A heading-like line among the table's last entries, when it reads as a section no rule names.

    In page text a real entry is a measure then its time frame, each line standing alone
    between blank lines; so are a heading and its value lines, so a section after the table
    reads as entries without a time frame. Flag a heading-like line standing alone, followed
    by one or two more lines to the table's end, none of them with a time frame. In HTML the
    entries stand on consecutive lines and only an h1-h6 heading stands alone, which the
    engine already opens as a section."""
    tail: list[str] = []
    for outcome in reversed(outcomes):
        if outcome.time_frame is not None:
            break
        tail.insert(0, outcome.measure)
    texts = ["", *(line.strip() for line in lines), ""]
    for candidate in tail[-3:-1]:
        at = max(i for i, text in enumerate(texts) if text == candidate)
        if heading_like(candidate) and not texts[at - 1] and not texts[at + 1]:
            return candidate
    return None


def read_locations(record: SourceRecord, block: Block) -> list[str]:
    """Site cards, read in sequence: facility, [flag line], place ("City, Country"); then,
    when the next two lines repeat that facility and "[flag]place", the expanded card: the
    contact name, "Site contact", phone and e-mail lines. The flag is optional (MedPath omits
    it for some countries), so the sequence, not the flag, delimits a site."""
    lines = block.values
    unused: list[str] = []
    i, n = 0, len(lines)
    while i < n:
        facility = lines[i]
        i += 1
        if is_flag(facility) or facility.casefold() == "site contact":
            unused.append(facility)
            continue
        if i < n and is_flag(lines[i]):
            i += 1
        place = strip_flag(lines[i])[1] if i < n else None
        if place is not None and not _place_shaped(place):
            unused.append(facility)  # not a site card: a line of some other section (kept, warned)
            continue
        i += 1 if place is not None else 0
        city, state, country = split_place(place) if place else (None, None, None)
        location = Location(facility, city, state, country, raw=f"{facility} | {place or ''}")
        record.locations.append(location)
        if i + 1 < n and lines[i] == facility and strip_flag(lines[i + 1])[1] == place:
            i += 2
            i = _read_site_contact(record, lines, i, location)
    match = _LOCATIONS_HEADER.fullmatch(block.heading or "")
    if match and int(match.group(1)) != len(record.locations):
        record.warn("location_count_mismatch", f"page says {match.group(1)}, parsed {len(record.locations)}")
        if len(record.locations) > int(match.group(1)):
            # cards past the count the page gives are lines of something else (a section
            # after the list): set aside, not read as sites
            extra = record.locations[int(match.group(1)):]
            del record.locations[int(match.group(1)):]
            unused.extend(part for loc in extra for part in (loc.raw or "").split(" | ") if part)
    return unused


def _place_shaped(line: str) -> bool:
    """"City, Country" or "Country": short comma-separated names, not a sentence."""
    parts = [p.strip() for p in line.split(",") if p.strip()]
    return bool(parts) and not line.rstrip().endswith((".", "!", "?")) and all(len(p.split()) <= 6 for p in parts)


def _read_site_contact(record: SourceRecord, lines: list[str], i: int, location: Location) -> int:
    """[name] "Site contact" [phone] [email] from index i; returns the index after them."""
    n = len(lines)
    name = None
    if i < n and lines[i].casefold() == "site contact":
        i += 1
    elif i + 1 < n and lines[i + 1].casefold() == "site contact":
        name, i = lines[i], i + 2
    else:
        return i
    contact = Contact(name or "", "site_contact", affiliation=location.facility)
    while i < n and _is_phone_or_email(lines[i]):
        if "@" in lines[i]:
            contact.email = lines[i]
        else:
            contact.phone = lines[i]
        i += 1
    if contact.name or contact.phone or contact.email:
        record.contacts.append(contact)
    return i


def _is_phone_or_email(line: str) -> bool:
    return "@" in line or bool(re.fullmatch(r"[+()\d][\d\s()./-]{5,}", line))


def _finish(record: SourceRecord) -> None:
    record.countries = dedup(loc.country for loc in record.locations if loc.country)


READERS = {
    TOP: read_top,
    "Conditions": lambda record, block: add_conditions(record, block.values),
    "Registration Number": read_registration,
    "Lead Sponsor": read_lead_sponsor,
    "Brief Summary": text_reader("brief_summary", _not_available),
    "Detailed Description": text_reader("detailed_description", _not_available),
    "Recruitment & Eligibility": lambda record, block: block.values,
    "Status": read_registry_status,
    "Sex": read_sex,
    **{label: _recruitment_reader(kind) for label, kind in _RECRUITMENT_LABELS.items()},
    "Inclusion Criteria": lambda record, block: add_criteria(record, "inclusion", block.lines),
    "Exclusion Criteria": lambda record, block: add_criteria(record, "exclusion", block.lines),
    "Study & Design": lambda record, block: block.values,
    "Study Type": read_study_type,
    "Study Design": read_study_design,
    "Primary Outcome Measures": _outcomes_reader("primary"),
    "Secondary Outcome Measures": _outcomes_reader("secondary"),
    "Other Outcome Measures": _outcomes_reader("other"),
    "Trial Locations": lambda record, block: block.values,
    LOCATIONS: read_locations,
}

SPEC = LayoutSpec(
    key=KEY,
    headings=(*(Heading(h) for h in _HEADINGS), Heading(LOCATIONS, pattern=_LOCATIONS_HEADER)),
    readers=READERS,
    signature=Signature(
        headings=frozenset({"Registration Number", "Lead Sponsor", "Recruitment & Eligibility", "Study & Design",
                            "Target Recruitment", "Trial Locations", "Primary Outcome Measures"}),
        brand=frozenset({"MedPath"}),
        min_headings=2,
        strong_headings=4,
    ),
    brand=frozenset({"MedPath"}),
    footer_markers=frozenset({"MedPath"}),
    finish=_finish,
    described_blocks=frozenset({"Primary Outcome Measures", "Secondary Outcome Measures", "Other Outcome Measures"}),
    list_blocks=frozenset({"Conditions", "Registration Number", "Lead Sponsor", "Status", "Sex", *_RECRUITMENT_LABELS,
                           "Study Type", "Study Design"}),
    prose_blocks=frozenset({"Brief Summary", "Detailed Description", "Inclusion Criteria", "Exclusion Criteria",
                            "Primary Outcome Measures", "Secondary Outcome Measures", "Other Outcome Measures"}),
)
