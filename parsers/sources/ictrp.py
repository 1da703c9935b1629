"""WHO ICTRP CSV export -> one SourceRecord per row (source "ictrp").

The ICTRP search portal's CSV (40 standard columns: TrialID, Last Refreshed on, Public title,
...). Detected by its header, read by column name. Each row is a trial as its primary registry
sent it to WHO; TrialID is the record key and the record's primary identifier, typed by its
shape (parsers.identifiers: NCT, EUCTR member-state records -> EudraCT, ChiCTR, ISRCTN, ACTRN,
NTR/NL, IRCT, JPRN-jRCT/UMIN, TCTR, DRKS ...). Secondary ids come from a "Secondary IDs" column
and from bridging columns ("Childs", ...) when the export has them; the 40-column COVID exports
carry only flags ("other records", "Bridging flag", "Bridged type"), kept in raw.

The same trial in two exports (or under two member-state TrialIDs) is two records with one
registry id: reconciliation joins them by union-find on that id, and field precedence prefers
the later "Last Refreshed on" (it is this record's last_update_date) at equal authority.

Field choices (ICTRP mixes the wording of every primary registry):
- status: "Recruiting" -> RECRUITING; "Not recruiting" (not yet, or no longer?) and EU CTR's
  "Authorised" straddle several v2 values: None, raw kept, "unmapped_value" warning.
- phase: normalize_phase reads every registry's wording, the EUCTR multi-line yes/no matrix
  included. Values that do not say a phase (ChiCTR's default "0", "Retrospective study", an
  all-"no" matrix) are None with an "ambiguous_value" warning; unknown wording is None with
  "unmapped_value". Never a guess.
- enrollment: "Target size" is a plain count, or ChiCTR's per-group list "Group A:30;Group
  B:30;" whose total is the sum. The export does not say whether the home registry's count
  was planned or actual, so enrollment_type stays None.
- dates: "Date enrollement" (first enrolment) is start_date in any registry's format (ISO,
  "April 1, 2020", dd/mm/yyyy, yyyy/mm/dd); "Date registration" stays in raw.
- ages: "Inclusion agemin/agemax" ("18", "18 Years", ">= 20age old", "No limit"); a maximum
  below the minimum is dropped with a warning. Sex from "Inclusion gender" (also the EUCTR
  "<br>Female: yes<br>Male: yes" matrix).
- conditions: "Condition" split on ";", each part cut at its first "<br>" (EUCTR appends the
  MedDRA classification there); a "Therapeutic area: ..." part is a keyword, not a condition.
- countries: "Countries" split on ";" (and on a comma glued to the next name, as JPRN writes);
  "Korea, Republic of" stays one name.
"""
from __future__ import annotations

import re

from parsers.identifiers import find_registry_ids, is_registry_type
from parsers.layout import add_conditions, add_identifier, dedup, normalized, typed_name
from parsers.normalize import Unmapped
from parsers.normalize.ages import age_to_years
from parsers.normalize.dates import normalize_date
from parsers.normalize.design import (
    normalize_allocation, normalize_intervention_model, normalize_masking, normalize_primary_purpose, normalize_study_type,
)
from parsers.normalize.phase import normalize_phase
from parsers.normalize.sex import normalize_sex
from parsers.normalize.status import normalize_status
from parsers.record import Identifier, Intervention, Outcome, RecordOutcome, SourceRecord, Sponsor
from parsers.sources.ctgov_json import add_eligibility_criteria
from parsers.sources.eu_common import cell, csv_header, design_from_eu_flags, has_columns, new_record, split_csv

SOURCE = "ictrp"

TRIAL_ID = "TrialID"
SIGNATURE_COLUMNS = (TRIAL_ID, "Public title", "Recruitment Status", "Source Register")
# Columns that hold other registries' ids of the same trial, where an export has them.
SECONDARY_ID_COLUMNS = ("Secondary IDs", "SecondaryIDs", "Secondary ID", "Secondary_ID", "Childs", "Parent")
_RAW_ONLY = {
    "registration_date": "Date registration", "source_register": "Source Register", "url": "web address",
    "other_records": "other records", "bridging_flag": "Bridging flag truefalse", "bridged_type": "Bridged type",
    "retrospective_flag": "Retrospective flag", "export_date": "Export date",
}
# CT.gov rows: "Allocation: Randomized. Intervention model: Parallel Assignment. Masking: ...".
_DESIGN_PAIR = re.compile(r"\b(Allocation|Intervention model|Primary purpose|Masking):\s*([^.;]*?)\s*(?:[.;]|$)", re.IGNORECASE)
_DESIGN_FIELDS = {"allocation": ("allocation", normalize_allocation),
                  "intervention model": ("intervention_model", normalize_intervention_model),
                  "primary purpose": ("primary_purpose", normalize_primary_purpose),
                  "masking": ("masking", normalize_masking)}
# EUCTR rows: "Controlled: yes<br>Randomised: yes<br>Open: yes<br>Single blind: no ..."
_EU_FLAG = re.compile(r"\b(Randomised|Open|Single blind|Double blind|Parallel group|Cross over)\s*:\s*(yes|no)\b", re.IGNORECASE)
_EU_ARMS = re.compile(r"Number of treatment arms in the trial:\s*(\d+)", re.IGNORECASE)
_GROUP_COUNT = re.compile(r":\s*(\d+)\s*;")
_COUNTRY_SPLIT = re.compile(r";|,(?=\S)")
_BR = re.compile(r"<br\s*/?>", re.IGNORECASE)


def sniff(text: str) -> bool:
    """True when the first row is an ICTRP export header."""
    return has_columns(csv_header(text), SIGNATURE_COLUMNS)


def split(text: str) -> list[RecordOutcome]:
    """One outcome per data row, keyed by its TrialID ("line<N>" when the row is quarantined)."""
    return split_csv(text, TRIAL_ID, parse_row, _identified, "a registry id")


def _identified(record: SourceRecord) -> bool:
    return any(i.field == "trial_id" and is_registry_type(i.id_type) for i in record.identifiers)


def parse_row(row: dict[str, str]) -> SourceRecord:
    """One ICTRP export row (column name -> cell) -> SourceRecord."""
    record = new_record(SOURCE)
    get = lambda column: cell(row, column)  # noqa: E731 - one-line accessor
    _identifiers(record, row)
    for field, column in (("title", "Public title"), ("official_title", "Scientific title"), ("acronym", "Acronym")):
        if get(column):
            setattr(record, field, get(column))
            record.raw[field] = get(column)
    normalized(record, "last_update_date", normalize_date, get("Last Refreshed on"))
    normalized(record, "start_date", lambda raw: normalize_date(raw, order="dmy"), get("Date enrollement"))
    normalized(record, "status", normalize_status, get("Recruitment Status"))
    normalized(record, "study_type", normalize_study_type, get("Study type"))
    _design(record, get("Study design"))
    _phase(record, get("Phase"))
    _enrollment(record, get("Target size"))
    _ages(record, get("Inclusion agemin"), get("Inclusion agemax"))
    normalized(record, "sex", normalize_sex, get("Inclusion gender"))
    _sponsor(record, get("Primary sponsor"))
    _conditions(record, get("Condition"))
    _countries(record, get("Countries"))
    _interventions(record, get("Intervention"))
    _criteria(record, get("Inclusion Criteria"), get("Exclusion Criteria"))
    if get("Primary outcome"):
        record.outcomes.append(Outcome(kind="primary", measure=get("Primary outcome")))
    for raw_key, column in _RAW_ONLY.items():
        if get(column):
            record.raw[raw_key] = get(column)
    return record


def _identifiers(record: SourceRecord, row: dict[str, str]) -> None:
    trial_id = cell(row, TRIAL_ID)
    if trial_id:
        add_identifier(record, trial_id, "trial_id")
    for column in SECONDARY_ID_COLUMNS:
        text = cell(row, column)
        if not text:
            continue
        record.raw[f"secondary_ids:{column}"] = text
        for part in filter(None, (p.strip() for p in re.split(r"[;\n]", text))):
            add_identifier(record, part, "secondary_id")
            # a free-form part can hold several registry ids ("NL4187/NTR4337")
            for canonical, id_type, matched in find_registry_ids(part):
                if not any(i.value == canonical and i.id_type == id_type for i in record.identifiers):
                    record.identifiers.append(Identifier(canonical, id_type, matched, "secondary_id"))


def _criteria(record: SourceRecord, inclusion: str | None, exclusion: str | None) -> None:
    """Registries put their whole eligibility text in "Inclusion Criteria" (CT.gov: with both
    headings) or split it over the two columns: read by the CT.gov criteria reader, which knows
    the headings; the exclusion column is read under an exclusion heading."""
    if inclusion:
        add_eligibility_criteria(record, _BR.sub("\n", inclusion))
    if exclusion:
        add_eligibility_criteria(record, "Exclusion Criteria:\n" + _BR.sub("\n", exclusion))


def _design(record: SourceRecord, text: str | None) -> None:
    """The labelled CT.gov and EUCTR forms of "Study design"; other registries' words (ChiCTR
    "Parallel", "Sequential" for observational studies too) stay in raw only."""
    if not text:
        return
    record.raw["study_design"] = text
    for label, words in _DESIGN_PAIR.findall(text):
        field, normalizer = _DESIGN_FIELDS[label.casefold()]
        words = _BR.split(words, 1)[0].strip(" ,")  # NTR: "None, <br> Control: Active, <br> ..."
        normalized(record, field, normalizer, words, raw_key=f"study_design:{field}")
    flags = {name.casefold(): answer for name, answer in _EU_FLAG.findall(text)}
    if flags:
        arms = _EU_ARMS.search(text)
        design_from_eu_flags(record, flags, arms.group(1) if arms else None)


def _phase(record: SourceRecord, text: str | None) -> None:
    if not text:
        return
    if normalized(record, "phase", normalize_phase, text) is None and not any(
            w.startswith("unmapped_value: phase=") for w in record.warnings):
        record.warn("ambiguous_value", f"phase={text!r}")


def target_size(text: str) -> int:
    """"200" -> 200; ChiCTR's per-group "Experimental group:30;Control group:30;" -> 60."""
    plain = text.strip().replace(",", "")
    if plain.isdigit():
        return int(plain)
    groups = _GROUP_COUNT.findall(text if text.rstrip().endswith(";") else text + ";")
    if not groups:
        raise Unmapped("enrollment", text)
    return sum(int(g) for g in groups)


def _enrollment(record: SourceRecord, text: str | None) -> None:
    normalized(record, "enrollment", target_size, text)


def _ages(record: SourceRecord, low: str | None, high: str | None) -> None:
    normalized(record, "min_age_years", age_to_years, low)
    normalized(record, "max_age_years", age_to_years, high)
    if record.min_age_years is not None and record.max_age_years is not None \
            and record.max_age_years < record.min_age_years:
        record.warn("age_range_inverted", f"min={low!r} max={high!r}: maximum dropped")
        record.max_age_years = None


def _sponsor(record: SourceRecord, name: str | None) -> None:
    if name:
        record.lead_sponsor = name
        record.raw["lead_sponsor"] = name
        record.sponsors.append(Sponsor(name=name, role="lead"))


def condition_parts(text: str) -> tuple[list[str], list[str]]:
    """(conditions, therapeutic areas) of an ICTRP Condition cell (see the module doc)."""
    conditions, areas = [], []
    for part in text.split(";"):
        head = _BR.split(part, 1)[0].strip()
        if not head:
            continue
        label, sep, rest = head.partition(":")
        if sep and label.strip().casefold() == "therapeutic area":
            areas.append(rest.strip())
        else:
            conditions.append(head)
    return dedup(conditions), dedup(areas)


def _conditions(record: SourceRecord, text: str | None) -> None:
    if not text:
        return
    record.raw["conditions"] = text
    conditions, areas = condition_parts(text)
    add_conditions(record, conditions)
    record.keywords.extend(a for a in areas if a not in record.keywords)


def _countries(record: SourceRecord, text: str | None) -> None:
    if text:
        record.raw["countries"] = text
        record.countries.extend(c for c in dedup(p.strip() for p in _COUNTRY_SPLIT.split(text))
                                if c not in record.countries)


def _interventions(record: SourceRecord, text: str | None) -> None:
    """"Drug: arbidol;Drug: placebo" -> typed interventions (type prefix as CT.gov writes it)."""
    if not text:
        return
    record.raw["interventions"] = text
    for part in dedup(p.strip() for p in _BR.sub(" ", text).split(";")):
        intervention_type, type_raw, name = typed_name(part)
        record.interventions.append(Intervention(name=name, intervention_type=intervention_type, type_raw=type_raw))
