"""EU Clinical Trials Register text downloads -> one SourceRecord per trial (source "euctr").

Two downloads of clinicaltrialsregister.eu, told apart by their head:
- the search-results SUMMARY ("EudraCT Number: ..." first): one block per trial with EudraCT
  Number, Sponsor Protocol Number, Sponsor Name, Full Title (cut by the register at about 200
  characters), Start Date, Medical condition, MedDRA "Disease" lines, Population Age, Gender,
  "Trial protocol: GB(Completed) DE(Prematurely Ended)" / "Outside EU/EEA", Link;
- the FULL-TEXT download (a preamble, then "Summary" + sections A-P): one block per trial AND
  member state (parsers.sources.euctr_fulltext reads it).

One record per EudraCT number, not one per member state, because:
- the protocol (title, phase, design, ages, sponsor, conditions) is one per trial; each member
  state's block repeats it, so per-state records would only compete with themselves in
  field_provenance;
- a member state may appear twice (a resubmitted application: the real download has two SE
  blocks of 2022-002568-62 that disagree on the planned total), so "<eudract>-<CC>" is not
  even a unique key;
- the summary download is already one block per trial: both downloads give the same unit.
What differs by member state is kept: the status of each state in raw ("status_by_member_state")
and combined by eu_common.member_state_status (one v2 value only when every state agrees and
maps unambiguously; "Ongoing" straddles recruiting / not recruiting and stays raw with a
warning); a trial-level value the states disagree on is the one most state records give, with a
"member_states_disagree" warning.

Line ends may be mixed CRLF / LF (the summary download is): they are unified first. A block
whose EudraCT number is missing or malformed is quarantined ("no_identifier"), never guessed.
"""
from __future__ import annotations

import re

from parsers.layout import add_conditions, add_identifier, normalized
from parsers.normalize import Unmapped
from parsers.normalize.ages import age_groups_to_range
from parsers.normalize.dates import normalize_date
from parsers.normalize.sex import normalize_sex
from parsers.record import RecordOutcome, SourceRecord, Sponsor
from parsers.sources.eu_common import (
    EU_COUNTRY_NAMES, NO_IDENTIFIER, SNIFF_CHARS, file_outcomes, guarded, member_state_status, new_record, unify_newlines,
)

SOURCE = "euctr"

EUDRACT_LINE = re.compile(r"^EudraCT Number:[ \t]*(?P<value>.*?)[ \t]*$", re.MULTILINE)
_FULLTEXT_HEAD = re.compile(r"^This file contains full details on each clinical trial", re.IGNORECASE)
# The summary download's labels, in the register's order; other "Word:" lines are value text.
SUMMARY_LABELS = ("EudraCT Number", "Sponsor Protocol Number", "Sponsor Name", "Full Title", "Start Date",
                  "Medical condition", "Disease", "Population Age", "Gender", "Trial protocol", "Link")
_LABEL_LINE = re.compile(rf"^(?P<label>{'|'.join(re.escape(label) for label in SUMMARY_LABELS)}):[ \t]*(?P<value>.*)$")
_STATE_STATUS = re.compile(r"\b(?P<code>[A-Z]{2})\((?P<status>[^()]*)\)")
_MEDDRA_TERM = re.compile(r"\bTerm:\s*(?P<term>[^,]+?)\s*,\s*Level:")


# What the first non-blank line of an EU CTR download starts with (see sniff): a first test that
# cuts no head for the many pages that start otherwise.
_MAY_START = re.compile(r"[\ufeff\s]*(?:EudraCT Number:|Summary|(?i:This file contains full details))")


def sniff(text: str) -> bool:
    """A summary download starts with an "EudraCT Number:" line; a full-text download with the
    register's preamble or "Summary", then an "EudraCT Number:" line (checked in the head only)."""
    return _MAY_START.match(text) is not None and _sniff_head(text)


def _sniff_head(text: str) -> bool:
    first = _first_line(text)
    if first is not None and not (_FULLTEXT_HEAD.match(first) or first == "Summary"):
        return bool(EUDRACT_LINE.match(first))  # the first line decides: no need to cut the whole head
    lines: list[str] = []  # the first 12 non-blank lines: all the test below reads
    for line in unify_newlines(text[:SNIFF_CHARS]).split("\n"):
        if line := line.strip():
            lines.append(line)
            if len(lines) == 12:
                break
    if not lines:
        return False
    first = lines[0]
    if EUDRACT_LINE.match(first):
        return True
    if _FULLTEXT_HEAD.match(first) or first == "Summary":
        return any(EUDRACT_LINE.match(line) for line in lines[1:12])
    return False


def _first_line(text: str, chars: int = 512) -> str | None:
    """The first non-blank line (stripped) when it ends within the first `chars` characters, else None."""
    lines = unify_newlines(text[:chars]).split("\n")
    return next((line.strip() for line in lines[:-1] if line.strip()), None)  # lines[-1] may be cut


def split(text: str) -> list[RecordOutcome]:
    """One outcome per EudraCT number (full text: all member-state blocks of it together)."""
    text = unify_newlines(text)
    if is_fulltext(text):
        from parsers.sources.euctr_fulltext import split_fulltext

        return split_fulltext(text)
    return file_outcomes([guarded(key, lambda block=block, key=key: _summary_outcome(block, key))
                          for key, block in summary_blocks(text)], "trial block")


def is_fulltext(text: str) -> bool:
    head = [line.strip() for line in text[:SNIFF_CHARS].split("\n") if line.strip()]
    return bool(head) and not EUDRACT_LINE.match(head[0])


def eudract_number(raw: str | None) -> str | None:
    """The canonical EudraCT number of a value, or None when it is not one."""
    from parsers.identifiers import classify_identifier

    found = classify_identifier(raw) if raw else None
    return found[0] if found and found[1] == "EUDRACT" else None


# --- summary download ----------------------------------------------------------------------

def summary_blocks(text: str) -> list[tuple[str, list[str]]]:
    """(key, lines) per trial: a block runs from one "EudraCT Number:" line to the next."""
    starts = [m.start() for m in EUDRACT_LINE.finditer(text)]
    blocks = []
    for n, start in enumerate(starts, 1):
        end = starts[n] if n < len(starts) else len(text)
        lines = text[start:end].split("\n")
        value = EUDRACT_LINE.match(lines[0]).group("value")
        blocks.append((eudract_number(value) or f"block{n}", lines))
    return blocks


def summary_fields(lines: list[str]) -> dict[str, list[str]]:
    """label -> values (one per labelled line); an unlabelled line continues the value before it."""
    fields: dict[str, list[str]] = {}
    last: tuple[str, int] | None = None
    for line in lines:
        match = _LABEL_LINE.match(line)
        if match:
            values = fields.setdefault(match.group("label"), [])
            values.append(match.group("value").strip())
            last = (match.group("label"), len(values) - 1)
        elif line.strip() and last:
            label, index = last
            joined = fields[label][index]
            fields[label][index] = f"{joined}\n{line.strip()}" if joined else line.strip()
    return fields


def _summary_outcome(lines: list[str], key: str) -> RecordOutcome:
    fields = summary_fields(lines)
    number = eudract_number((fields.get("EudraCT Number") or [""])[0])
    if number is None:
        return RecordOutcome(key, reason=NO_IDENTIFIER,
                             detail=f"EudraCT Number={(fields.get('EudraCT Number') or [''])[0]!r} is not a EudraCT number")
    return RecordOutcome(number, record=parse_summary(fields))


def first(fields: dict[str, list[str]], label: str) -> str | None:
    values = [v for v in fields.get(label, []) if v]
    return values[0] if values else None


def parse_summary(fields: dict[str, list[str]]) -> SourceRecord:
    """The labelled values of one summary block -> SourceRecord."""
    record = new_record(SOURCE)
    add_identifier(record, first(fields, "EudraCT Number"), "eudract_number")
    protocol = first(fields, "Sponsor Protocol Number")
    if protocol:
        add_identifier(record, protocol, "org_study_id", default_type="ORG_STUDY_ID")
    title = first(fields, "Full Title")
    if title:
        record.title = record.official_title = title
        record.raw["title"] = title
        if title.endswith("..."):
            record.warn("truncated_value", "title: the summary download cuts titles at about 200 characters")
    record.study_type = "INTERVENTIONAL"  # the register holds clinical trials of medicinal products only
    set_sponsor(record, first(fields, "Sponsor Name"), None)
    normalized(record, "start_date", normalize_date, first(fields, "Start Date"))
    condition = first(fields, "Medical condition")
    if condition:
        record.raw["conditions"] = condition
        add_conditions(record, condition.split("\n"))
    for disease in fields.get("Disease", []):
        term = _MEDDRA_TERM.search(disease)
        if term and term.group("term") not in record.keywords:
            record.keywords.append(term.group("term"))
    set_age_groups(record, first(fields, "Population Age"))
    normalized(record, "sex", normalize_sex, first(fields, "Gender"))
    _trial_protocol(record, first(fields, "Trial protocol"))
    return record


def _trial_protocol(record: SourceRecord, text: str | None) -> None:
    """"GB(Completed) DE(Prematurely Ended) Outside EU/EEA" -> countries + one combined status."""
    if not text:
        return
    record.raw["trial_protocol"] = text
    states: list[tuple[str, str]] = []
    for match in _STATE_STATUS.finditer(text):
        code, status = match.group("code"), match.group("status").strip()
        add_country(record, EU_COUNTRY_NAMES.get(code, code))
        if "no longer in EU/EEA" in status:  # GB after Brexit: a note, not a status
            record.warn("member_state_note", f"{code}: {status}")
            continue
        states.append((code, status))
    if "Outside EU/EEA" in _STATE_STATUS.sub(" ", text):
        record.raw["outside_eu_eea"] = "Outside EU/EEA"
    set_member_state_status(record, states)


# --- shared with the full-text reader ---------------------------------------------------------

def add_country(record: SourceRecord, name: str | None) -> None:
    if name and name not in record.countries:
        record.countries.append(name)


def set_member_state_status(record: SourceRecord, states: list[tuple[str, str]]) -> None:
    if not states:
        return
    record.raw["status_by_member_state"] = "; ".join(f"{state}: {status}" for state, status in states)
    record.status = member_state_status(record, states)


def set_age_groups(record: SourceRecord, groups: str | list[str] | None) -> None:
    """"Adults, Elderly" (or the F.1 groups answered "Yes") -> min/max years."""
    if not groups:
        return
    names = [g.strip() for g in groups.split(",")] if isinstance(groups, str) else groups
    record.raw["age_groups"] = ", ".join(names)
    try:
        record.min_age_years, record.max_age_years = age_groups_to_range(names)
    except Unmapped:
        record.warn("unmapped_value", f"age_groups={record.raw['age_groups']!r}")


def set_sponsor(record: SourceRecord, name: str | None, status: str | None) -> None:
    """The lead sponsor; its EU CTR status ("Commercial") -> lead_sponsor_class where unambiguous."""
    if not name:
        return
    from parsers.normalize.types import normalize_agency_class

    record.lead_sponsor = name
    record.raw["lead_sponsor"] = name
    agency = normalized(record, "lead_sponsor_class", normalize_agency_class, status)
    record.sponsors.append(Sponsor(name=name, role="lead", agency_class=agency, class_raw=status))
