"""CTIS public-search CSV export -> one SourceRecord per trial (source "ctis").

The export of euclinicaltrials.eu "search for clinical trials" (UTF-8 with a BOM, one row per
trial, 24 columns). Detected by its header (the column names, in any order), read by column
name, so a reordered or extended export still reads. The export writes "N/A" for an empty cell.

Field choices (the export is silent on them):
- status: "Overall trial status" through the shared status table ("Ongoing, recruitment ended"
  -> ACTIVE_NOT_RECRUITING, "Ended" -> COMPLETED, ...); an unmapped value is kept raw with a
  warning. The per-country statuses ("France:Ongoing, recruiting, Spain:...") give `countries`
  and stay in raw.
- phase: "Trial phase" through normalize_phase ("Phase I and Phase II (Integrated)- Other" ->
  PHASE1/PHASE2, "Therapeutic confirmatory  (Phase III)" -> PHASE3).
- ages: the age groups ("18-64 years, 65+ years"), narrowed by the "Age range secondary
  identifier" groups inside them ("65-84 years") -> min/max years.
- enrollment: "Number of participants enrolled" is a count; the export does not say whether it
  is the planned or the actual number, so enrollment_type stays None (never guessed).
- dates: dd/mm/yyyy. start_date = "Start date", completion_date = "Global end of the trial",
  last_update_date = "Last updated"; "Decision date" and "End date" stay in raw.
- sponsors: "Sponsor/Co-Sponsors" is a list: the first is the lead, the others collaborators;
  "Sponsor type" of the lead -> lead_sponsor_class where the mapping is unambiguous.
- study_type: INTERVENTIONAL: CTIS holds clinical trials under Regulation 536/2014 only.
- list cells (conditions, products, sponsors) are split by eu_common.split_capitalised_list.
"""
from __future__ import annotations

import json

from parsers.layout import add_conditions, add_identifier, normalized
from parsers.normalize import Unmapped
from parsers.normalize.ages import age_groups_to_range
from parsers.normalize.dates import normalize_date
from parsers.normalize.phase import normalize_phase
from parsers.normalize.sex import normalize_sex
from parsers.normalize.status import normalize_status
from parsers.normalize.types import normalize_agency_class
from parsers.record import Intervention, Outcome, RecordOutcome, SourceRecord, Sponsor
from parsers.sources.eu_common import cell, csv_header, has_columns, new_record, split_capitalised_list, split_csv

SOURCE = "ctis"

TRIAL_NUMBER = "Trial number"
# Columns that together say "CTIS public-search export" (EU CTR and ICTRP have none of them).
SIGNATURE_COLUMNS = (TRIAL_NUMBER, "Title of the trial", "Overall trial status", "Trial phase")
_PLACEHOLDERS = frozenset({"N/A"})


def sniff(text: str) -> bool:
    """True when the first row is a CTIS search-export header."""
    return has_columns(csv_header(text), SIGNATURE_COLUMNS)


def split(text: str) -> list[RecordOutcome]:
    """One outcome per data row, keyed by its EU CT number ("line<N>" when the row is quarantined)."""
    return split_csv(text, TRIAL_NUMBER, parse_row, _identified, "an EU CT number")


def _identified(record: SourceRecord) -> bool:
    return any(i.id_type == "EU_CT" for i in record.identifiers)


def parse_row(row: dict[str, str]) -> SourceRecord:
    """One CTIS export row (column name -> cell) -> SourceRecord."""
    record = new_record(SOURCE)
    get = lambda column: cell(row, column, _PLACEHOLDERS)  # noqa: E731 - one-line accessor
    number = get(TRIAL_NUMBER)
    if number:
        add_identifier(record, number, "eu_ct_number")
    protocol = get("Protocol code")
    if protocol:
        add_identifier(record, protocol, "org_study_id", default_type="ORG_STUDY_ID")
    title = get("Title of the trial")
    if title:
        record.title = record.official_title = title
        record.raw["title"] = title
    record.study_type = "INTERVENTIONAL"
    normalized(record, "status", normalize_status, get("Overall trial status"))
    _locations(record, get("Location(s) and recruitment status"))
    normalized(record, "phase", normalize_phase, get("Trial phase"))
    normalized(record, "sex", normalize_sex, get("Gender"))
    _ages(record, get("Age group"), get("Age range secondary identifier"))
    _enrollment(record, get("Number of participants enrolled"))
    add_conditions(record, split_capitalised_list(get("Medical conditions")))
    if get("Medical conditions"):
        record.raw["conditions"] = get("Medical conditions")
    _therapeutic_areas(record, get("Therapeutic area"))
    for name in split_capitalised_list(get("Product")):
        record.interventions.append(Intervention(name=name))
    for kind, column in (("primary", "Primary endpoint"), ("secondary", "Secondary endpoints")):
        if get(column):
            record.outcomes.append(Outcome(kind=kind, measure=get(column)))
    for field, column in (("start_date", "Start date"), ("completion_date", "Global end of the trial"),
                          ("last_update_date", "Last updated")):
        normalized(record, field, lambda raw: normalize_date(raw, order="dmy"), get(column))
    for raw_key, column in (("decision_date", "Decision date"), ("end_date", "End date"),
                            ("trial_region", "Trial region"), ("trial_results", "Trial results")):
        if get(column):
            record.raw[raw_key] = get(column)
    _sponsors(record, get("Sponsor/Co-Sponsors"), get("Sponsor type"))
    return record


def _locations(record: SourceRecord, text: str | None) -> None:
    """"France:Ongoing, recruiting, Spain:Authorised, recruitment pending" -> countries."""
    if not text:
        return
    record.raw["locations_status"] = text
    for part in split_capitalised_list(text):
        country, sep, _status = part.partition(":")
        if sep and country.strip() and country.strip() not in record.countries:
            record.countries.append(country.strip())


def _ages(record: SourceRecord, groups: str | None, finer: str | None) -> None:
    if not groups:
        return
    record.raw["age_groups"] = groups
    if finer:
        record.raw["age_groups_secondary"] = finer
    try:
        record.min_age_years, record.max_age_years = age_groups_to_range(
            [g for g in groups.split(",")], [f for f in (finer or "").split(",")])
    except Unmapped:
        record.warn("unmapped_value", f"age_groups={groups!r}")


def _enrollment(record: SourceRecord, text: str | None) -> None:
    if not text:
        return
    record.raw["enrollment"] = text
    if text.isdigit():
        record.enrollment = int(text)
    else:
        record.warn("unmapped_value", f"enrollment={text!r}")


def _therapeutic_areas(record: SourceRecord, text: str | None) -> None:
    """The column holds a JSON list ('["Diseases [C] - Nervous System Diseases [C10]"]')."""
    if not text:
        return
    record.raw["therapeutic_area"] = text
    try:
        areas = json.loads(text)
    except ValueError:
        areas = None
    if isinstance(areas, list) and all(isinstance(a, str) for a in areas):
        record.keywords.extend(a for a in areas if a and a not in record.keywords)
    else:
        record.warn("unmapped_value", f"therapeutic_area={text!r}")


def _sponsors(record: SourceRecord, names: str | None, kinds: str | None) -> None:
    sponsors = split_capitalised_list(names)
    if not sponsors:
        return
    record.raw["lead_sponsor"] = names
    if kinds:
        record.raw["sponsor_types"] = kinds
    kind = (kinds or "").split(",")[0].strip() or None  # the lead's type comes first
    agency = normalized(record, "lead_sponsor_class", normalize_agency_class, kind)
    record.lead_sponsor = sponsors[0]
    record.sponsors.append(Sponsor(name=sponsors[0], role="lead", agency_class=agency, class_raw=kind))
    for name in sponsors[1:]:
        record.sponsors.append(Sponsor(name=name, role="collaborator"))
