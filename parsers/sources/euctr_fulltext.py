"""EU CTR FULL-TEXT download -> one SourceRecord per EudraCT number (see parsers.sources.euctr).

The download is a preamble, then one block per trial and member state: "Summary" (EudraCT
Number, National Competent Authority, Trial Status, ...) and sections A-P of coded lines
"E.7.1 Human pharmacology (Phase I): Yes". A line without a code continues the value above
it (criteria, the E.8.6.3 country list); a coded line without a colon is a sub-heading; a
label ending in a language code ("(es)") is a translation and is skipped.

Each block becomes a record; the blocks of one EudraCT number are then merged: a scalar the
blocks disagree on takes the value most of them give (ties: the first block), with a
"member_states_disagree" warning naming the values; lists are united; the statuses of all
member states are combined by eu_common.member_state_status.

Fields: A.3 full title (official_title), A.3.1 lay title (title), A.4.1 sponsor's protocol code
and A.5.x other ids; B.1.1 sponsors with B.3.1 status; E.1.1 conditions; E.2.1 objective
(brief_summary); E.3/E.4 criteria; E.5 end points; E.7.1-E.7.4 phase flags (read by
normalize_phase as a yes/no matrix); E.8.1 design (allocation, masking, model); E.8.6.3 and A.1
countries; F.1 age groups answered "Yes"; F.2 sex; F.3.1 healthy volunteers; F.4 planned
number (ESTIMATED): the whole trial (F.4.2.2), else the member state's (F.4.1) when the trial
runs in one member state only.
"""
from __future__ import annotations

import re

from parsers.criteria import add_criteria
from parsers.layout import add_conditions, add_identifier, normalized
from parsers.normalize.design import normalize_healthy_volunteers
from parsers.normalize.phase import normalize_phase
from parsers.normalize.sex import normalize_sex
from parsers.record import SCALAR_FIELDS, Outcome, RecordOutcome, SourceRecord
from parsers.sources.eu_common import NO_IDENTIFIER, design_from_eu_flags, file_outcomes, guarded, most_common, new_record
from parsers.sources.euctr import (
    EUDRACT_LINE, SOURCE, add_country, eudract_number, set_age_groups, set_member_state_status, set_sponsor,
)

# "E.7.1 Label: value", "B.1.3.4\tCountry: value", "N. Competent Authority Decision: value"
_CODED = re.compile(r"^(?P<code>[A-P](?:\.\d+)+|[NP]\.)[ \t]+(?P<label>[^:\n]*?)[ \t]*(?::[ \t]*(?P<value>.*))?$")
_HEAD = re.compile(r"^(?P<label>EudraCT Number|Sponsor's Protocol Code Number|National Competent Authority|"
                   r"Clinical Trial Type|Trial Status|Date on which this record was first entered in the EudraCT "
                   r"database|Link):[ \t]*(?P<value>.*)$")
_STRUCTURE = re.compile(r"^(?:Summary|Sponsor \d+|MedDRA Classification|D\.IMP: \d+|[A-P]\. .*)$")
_TRANSLATION = re.compile(r"\([a-z]{2}\)$")
_F1_GROUPS = ("F.1.1.1", "F.1.1.2", "F.1.1.3", "F.1.1.4", "F.1.1.5", "F.1.1.6", "F.1.2", "F.1.3")
_PAREN = re.compile(r"\s*\([^()]*\)\s*$")

Fields = list[tuple[str, str, str]]  # (code, label, value); head lines have code ""


def fulltext_blocks(text: str) -> list[list[str]]:
    """Lines of each member-state block: from a "Summary" line whose next line is "EudraCT Number:"."""
    lines = text.split("\n")
    starts = [i for i, line in enumerate(lines) if line.strip() == "Summary"
              and i + 1 < len(lines) and EUDRACT_LINE.match(lines[i + 1].strip())]
    return [lines[s:(starts[n + 1] if n + 1 < len(starts) else len(lines))] for n, s in enumerate(starts)]


def block_fields(lines: list[str]) -> Fields:
    """The (code, label, value) lines of a block, continuation lines joined to their value."""
    out: Fields = []
    current: int | None = None
    for line in lines:
        stripped = line.strip()
        head = _HEAD.match(stripped)
        coded = None if head else _CODED.match(stripped)
        if head:
            out.append(("", head.group("label"), head.group("value").strip()))
            current = len(out) - 1
        elif coded and coded.group("value") is not None:
            label = " ".join(coded.group("label").split())
            out.append((coded.group("code"), label, coded.group("value").strip()))
            current = None if _TRANSLATION.search(label) else len(out) - 1
        elif coded or _STRUCTURE.match(stripped):
            current = None  # a sub-heading: what follows is not this value's text
        elif stripped and current is not None:
            code, label, value = out[current]
            out[current] = (code, label, f"{value}\n{stripped}" if value else stripped)
    return [f for f in out if not _TRANSLATION.search(f[1])]


def value(fields: Fields, code: str, label_part: str = "") -> str | None:
    for c, label, text in fields:
        if c == code and label_part.casefold() in label.casefold() and text:
            return text
    return None


def split_fulltext(text: str) -> list[RecordOutcome]:
    """One outcome per EudraCT number (at its first block) or per unidentified block, in file order."""
    groups: dict[str, list[Fields]] = {}
    order: list[str | RecordOutcome] = []
    for n, lines in enumerate(fulltext_blocks(text), 1):
        fields = block_fields(lines)
        raw_number = value(fields, "", "EudraCT Number") or value(fields, "A.2")
        number = eudract_number(raw_number)
        if number is None:
            order.append(RecordOutcome(f"block{n}", reason=NO_IDENTIFIER,
                                       detail=f"member-state block {n}: EudraCT Number={raw_number!r}"))
        else:
            if number not in groups:
                order.append(number)
            groups.setdefault(number, []).append(fields)
    outcomes = [entry if isinstance(entry, RecordOutcome)
                else guarded(entry, lambda number=entry: RecordOutcome(number, record=parse_trial(groups[number])))
                for entry in order]
    return file_outcomes(outcomes, "member-state block")


def parse_trial(blocks: list[Fields]) -> SourceRecord:
    """The member-state blocks of one EudraCT number -> one record."""
    records = [parse_block(fields) for fields in blocks]
    record = merge_records(records)
    states = [(_state(fields) or "?", value(fields, "", "Trial Status") or "") for fields in blocks]
    set_member_state_status(record, [(s, status) for s, status in states if status])
    record.raw["member_state_records"] = str(len(blocks))
    return record


def _state(fields: Fields) -> str | None:
    concerned = value(fields, "A.1") or value(fields, "", "National Competent Authority")
    return concerned.split(" - ")[0].strip() if concerned else None


def parse_block(fields: Fields) -> SourceRecord:
    """One member-state block -> a record (status is set on the merged record)."""
    record = new_record(SOURCE)
    get = lambda code, label="": value(fields, code, label)  # noqa: E731 - one-line accessor
    add_identifier(record, get("", "EudraCT Number") or get("A.2"), "eudract_number")
    if get("A.4.1"):
        add_identifier(record, get("A.4.1"), "org_study_id", default_type="ORG_STUDY_ID")
    for code, label, text in fields:
        if code.startswith("A.5.") and text:
            add_identifier(record, text, "secondary_id")
    record.official_title = get("A.3")
    record.title = get("A.3.1") or record.official_title
    for field, code in (("official_title", "A.3"), ("title", "A.3.1"), ("short_title", "A.3.2")):
        if get(code):
            record.raw[field] = get(code)
    record.study_type = "INTERVENTIONAL"
    sponsors = [text for code, _, text in fields if code == "B.1.1" and text]
    if sponsors:
        set_sponsor(record, sponsors[0], get("B.3.1"))
    if get("E.1.1"):
        record.raw["conditions"] = get("E.1.1")
        add_conditions(record, get("E.1.1").split("\n"))
    if get("E.2.1"):
        record.brief_summary = record.raw["brief_summary"] = get("E.2.1")
    for kind, code in (("inclusion", "E.3"), ("exclusion", "E.4")):
        if get(code):
            add_criteria(record, kind, get(code).split("\n"))
    for kind, code in (("primary", "E.5.1"), ("secondary", "E.5.2")):
        if get(code):
            record.outcomes.append(Outcome(kind=kind, measure=get(code), time_frame=get(f"{code}.1")))
    matrix = [f"{label}: {text}" for code, label, text in fields if code in ("E.7.1", "E.7.2", "E.7.3", "E.7.4")]
    if matrix:
        normalized(record, "phase", normalize_phase, "\n".join(matrix))
    _design(record, get)
    add_country(record, _state(fields))
    for country in (get("E.8.6.3") or "").split("\n"):
        add_country(record, country.strip())
    set_age_groups(record, [_PAREN.sub("", label) for code, label, text in fields
                            if code in _F1_GROUPS and text.casefold() == "yes"])
    sexes = [f"{label}: {text}" for code, label, text in fields if code in ("F.2.1", "F.2.2")]
    if sexes:
        normalized(record, "sex", normalize_sex, "\n".join(sexes))
    normalized(record, "healthy_volunteers", normalize_healthy_volunteers, get("F.3.1"))
    _enrollment(record, get)
    for field, code, label in (("first_entered_date", "", "first entered"), ("end_of_trial_status", "P.", "End of Trial Status")):
        if get(code, label):
            record.raw[field] = get(code, label)
    return record


def _design(record: SourceRecord, get) -> None:
    flags = {name: get(code) for name, code in (("randomised", "E.8.1.1"), ("open", "E.8.1.2"), ("single blind", "E.8.1.3"),
                                                ("double blind", "E.8.1.4"), ("parallel group", "E.8.1.5"),
                                                ("cross over", "E.8.1.6"))}
    design_from_eu_flags(record, flags, get("E.8.2.4"))


def _enrollment(record: SourceRecord, get) -> None:
    whole, here = get("F.4.2.2"), get("F.4.1")
    single_state = (get("E.8.5") or "").strip().casefold() == "no"
    count = whole if whole else (here if single_state else None)
    if count is None:
        return
    record.raw["enrollment"] = count
    if count.isdigit():
        record.enrollment, record.enrollment_type = int(count), "ESTIMATED"  # F.4 is the planned number
    else:
        record.warn("unmapped_value", f"enrollment={count!r}")


def merge_records(records: list[SourceRecord]) -> SourceRecord:
    """Member-state records of one trial -> one: majority scalars, united lists (see module doc)."""
    merged = new_record(SOURCE)
    for name in SCALAR_FIELDS:
        chosen, distinct = most_common(_key(getattr(r, name)) for r in records)
        if chosen is None:
            continue
        setattr(merged, name, next(getattr(r, name) for r in records if _key(getattr(r, name)) == chosen))
        if len(distinct) > 1:
            merged.warn("member_states_disagree", f"{name}: {' | '.join(distinct)}")
    if merged.enrollment is not None:  # the type goes with the count it describes
        merged.enrollment_type = next(r.enrollment_type for r in records if r.enrollment == merged.enrollment)
    lead_record = next((r for r in records if r.lead_sponsor == merged.lead_sponsor), records[0])
    merged.sponsors = list(lead_record.sponsors)  # one organisation, however each state spelled it
    for name in ("identifiers", "conditions", "keywords", "interventions", "countries"):
        target = getattr(merged, name)
        for item in (item for r in records for item in getattr(r, name)):
            if item not in target:
                target.append(item)
    donor = next((r for r in records if r.criteria or r.outcomes), records[0])
    merged.criteria, merged.outcomes = list(donor.criteria), list(donor.outcomes)
    for key in dict.fromkeys(k for r in records for k in r.raw):
        merged.raw[key] = most_common(r.raw.get(key) for r in records)[0] or ""
    merged.warnings.extend(w for w in dict.fromkeys(w for r in records for w in r.warnings) if w not in merged.warnings)
    return merged


def _key(value: object) -> str | None:
    return None if value is None else str(value)

