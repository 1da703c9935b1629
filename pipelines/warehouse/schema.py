"""Explicit Arrow schemas of every warehouse table, with a description per column.

These schemas are the warehouse contract in code: types are fixed even for empty tables, and
warehouse/README.md is generated from them (pipelines.warehouse.dictionary).
"""
from __future__ import annotations

import pyarrow as pa

from parsers.doses import FREQUENCY_MEANINGS, ROUTES
from parsers.intake import REASONS
from parsers.record import SCALAR_FIELDS


def col(name: str, type_: pa.DataType, description: str) -> pa.Field:
    return pa.field(name, type_, nullable=True, metadata={"description": description})


STR, INT, FLOAT, BOOL = pa.string(), pa.int64(), pa.float64(), pa.bool_()

# Dose vocabularies come from the extractor, so the dictionary cannot drift from the code.
_FREQUENCY_VOCABULARY = ", ".join(f"{code} ({meaning})" for code, meaning in FREQUENCY_MEANINGS.items())
STR_LIST = pa.list_(pa.string())

# The per-record normalized fields shared by trials and source_records (parsers.record.SCALAR_FIELDS).
SCALAR_COLUMNS: dict[str, tuple[pa.DataType, str]] = {
    "title": (STR, "brief (public) title"),
    "official_title": (STR, "official (scientific) title"),
    "acronym": (STR, "study acronym"),
    "status": (STR, "overall status, CT.gov v2 OverallStatus enum (RECRUITING, COMPLETED, ...)"),
    "phase": (STR, "phase: v2 Phase enums ascending joined by '/' (PHASE1/PHASE2); EARLY_PHASE1 kept; NA = not applicable; null = unknown"),
    "study_type": (STR, "v2 StudyType: INTERVENTIONAL, OBSERVATIONAL, EXPANDED_ACCESS"),
    "enrollment": (INT, "enrollment count (participants)"),
    "enrollment_type": (STR, "ACTUAL or ESTIMATED; null when no source says (never guessed)"),
    "sex": (STR, "v2 Sex: ALL, FEMALE, MALE"),
    "min_age_years": (FLOAT, "minimum age in years (months/weeks/days converted)"),
    "max_age_years": (FLOAT, "maximum age in years"),
    "healthy_volunteers": (BOOL, "accepts healthy volunteers"),
    "start_date": (STR, "study start date, ISO with the precision shown (yyyy, yyyy-MM, yyyy-MM-dd)"),
    "primary_completion_date": (STR, "primary completion date, ISO with the precision shown"),
    "completion_date": (STR, "study completion date, ISO with the precision shown"),
    "last_update_date": (STR, "last update date the source shows, ISO with the precision shown"),
    "allocation": (STR, "v2 DesignAllocation: RANDOMIZED, NON_RANDOMIZED, NA"),
    "intervention_model": (STR, "v2 InterventionalAssignment: SINGLE_GROUP, PARALLEL, CROSSOVER, FACTORIAL, SEQUENTIAL"),
    "masking": (STR, "v2 DesignMasking: NONE, SINGLE, DOUBLE, TRIPLE, QUADRUPLE"),
    "primary_purpose": (STR, "v2 PrimaryPurpose: TREATMENT, PREVENTION, ..."),
    "observational_model": (STR, "v2 ObservationalModel: COHORT, CASE_CONTROL, CASE_ONLY, ... (observational studies)"),
    "time_perspective": (STR, "v2 DesignTimePerspective: RETROSPECTIVE, PROSPECTIVE, CROSS_SECTIONAL, OTHER"),
    "lead_sponsor": (STR, "lead sponsor name as shown"),
    "lead_sponsor_class": (STR, "lead sponsor v2 AgencyClass: NIH, FED, OTHER_GOV, INDIV, INDUSTRY, NETWORK, AMBIG, OTHER, UNKNOWN"),
    "brief_summary": (STR, "brief summary text"),
    "detailed_description": (STR, "detailed description text"),
}
assert tuple(SCALAR_COLUMNS) == SCALAR_FIELDS, "SCALAR_COLUMNS must follow parsers.record.SCALAR_FIELDS"


def _scalar_fields(scope: str) -> list[pa.Field]:
    return [col(name, type_, f"{desc} ({scope})") for name, (type_, desc) in SCALAR_COLUMNS.items()]


TRIAL_ID = col("trial_id", STR, "the trial: best registry id (NCT > EU CT > EudraCT > other WHO registry), else 'TB-' + stable hash")
RECORD_ID = col("record_id", STR, "the source record: 'R' + 16 hex of sha256 of its raw file's path under raw/ "
                "(of '<path>#<record_key>' for a record inside a multi-record file)")


def _trial_list(*columns: pa.Field) -> pa.Schema:
    """A trial-grain table (pipelines.reconcile.trial_lists): one row per item of the trial's list."""
    return pa.schema([
        TRIAL_ID, *columns,
        col("position", INT, "1-based order in the list record's list"),
        col("record_ids", STR_LIST, "every record of the trial showing this item (same normalized name), the list "
                                    "record first, then by field precedence; empty attributes are filled from them in that order"),
        col("list_record_id", STR, "the record that supplied the list: the best-ranked record (field precedence) with a "
                                   "non-empty list its parser did not flag as mis-split (ambiguous_groups); an item "
                                   "listed twice there is listed twice here (conditions and sponsors: once)"),
    ])


# The columns of a dose, shared by the per-record `doses` and the trial-grain `trial_doses`.
_DOSE_COLUMNS: dict[str, pa.Field] = {f.name: f for f in [
    col("agent", STR, "normalized agent the dose belongs to (parsers.doses.normalize_agent)"),
    col("source_text", STR, "exact text span the dose was read from"),
    col("dose_low", FLOAT, "dose value, or the low end of a range"),
    col("dose_high", FLOAT, "high end of a range (equals dose_low for a single value)"),
    col("unit", STR, "unit (cells, mg, g, mcg, mL, IU, vg, ...)"),
    col("scaling", STR, "body-size scaling of the amount: per_kg ('/kg'), per_m2 ('/m2', '/BSA') or flat"),
    col("amount_per", STR, "what the amount is per, only when the text says so: administration ('/dose', "
                           "'each time', a stated frequency, 'on day 1'), day ('/day', 'daily dose of', "
                           "'in two divided doses') or course ('a total dose of', 'in 20 fractions'); null otherwise"),
    col("basis", STR, "DERIVED, kept for older queries: scaling when not flat, else per_day / per_dose / total "
                      "from amount_per (total = a course, or not said)"),
    col("frequency", STR, "how often, normalized: " + _FREQUENCY_VOCABULARY + "; null when not stated "
                          "('/day' says what the amount is per, not how often)"),
    col("doses_per_day", FLOAT, "doses a day of the frequency while dosing (QW = 1/7, QM = 1/30); "
                                "null for ONCE, PRN, CONTINUOUS or no frequency"),
    col("daily_low", FLOAT, "amount per day, in `unit` and `scaling`: the amount when stated per day, else "
                            "amount x doses_per_day when per administration; null when not computable (never guessed)"),
    col("daily_high", FLOAT, "high end of the daily amount (equals daily_low for a single value)"),
    col("route", STR, "route, normalized: " + ", ".join(ROUTES) + "; from a stated route ('IV', 'p.o.', "
                      "'s.c.', 'orally') or a one-route form (tablets: oral; infusion: intravenous); null otherwise"),
    col("cycle_days", INT, "treatment cycle length in days, when stated ('21-day cycle', 'D1 Q3W')"),
    col("days_on", INT, "dosing days in that cycle ('days 1-14' = 14, 'days 1, 8, 15' = 3); null without a cycle"),
    col("flags", STR_LIST, "ambiguity flags (e.g. a lost superscript in '106 cells/kg')"),
    col("schedule", STR, "the frequency words as written ('twice a day', 'Q3W', 'repeated after three months')"),
]}


def _trial_dose_columns() -> list[pa.Field]:
    """trial_doses (pipelines.reconcile.trial_doses): one row per dose of a trial."""
    values = ("amount_per", "frequency", "doses_per_day", "daily_low", "daily_high", "route", "cycle_days", "days_on",
              "schedule")
    return [
        TRIAL_ID,
        _DOSE_COLUMNS["agent"],
        col("described_in", STR, "arm | intervention: the kind of description that states the dose (a dose stated "
                                 "in both is a row for each)"),
        col("label", STR, "the arm label or intervention name, as the best-ranked record showing it spells it"),
        *(_DOSE_COLUMNS[name] for name in ("dose_low", "dose_high", "unit", "scaling")),
        *(_DOSE_COLUMNS[name] for name in values),
        col("source_text", STR, "exact text span the dose was read from, in `record_id`"),
        col("flags", STR_LIST, "ambiguity flags of any record's mention (exponent_restored: a lost superscript "
                               "'106 cells/kg' agreed with a written '1 x 10^6 cells/kg')"),
        col("record_id", STR, "the best-ranked record showing this dose (its candidate, when records disagree)"),
        col("record_ids", STR_LIST, "every record showing this dose (same agent, arm or intervention, amount range, "
                                    "unit and scaling; no contradiction in amount_per, frequency, route or cycle), "
                                    "best-ranked first; a value the first leaves unsaid comes from the next that says it"),
        col("chosen", BOOL, "true when the best-ranked record showing this agent in this arm or intervention shows "
                            "this dose; false for a candidate of a record that disagrees with it"),
        col("rule", STR, "only_candidate (one record shows this agent here), unanimous (every record showing it "
                         "gives the same doses), else the precedence step that chose between the records that "
                         "disagree (see the rules table); then the trial's `conflicts` lists 'doses'"),
    ]


TABLES: dict[str, pa.Schema] = {
    "trials": pa.schema([
        TRIAL_ID,
        *_scalar_fields("resolved by precedence; see field_provenance"),
        col("conditions", STR_LIST, "conditions from all records, deduplicated by spelling-insensitive key; first spelling from the best-ranked record"),
        col("countries", STR_LIST, "countries from all records (list and site locations), deduplicated ignoring case"),
        col("sources", STR_LIST, "distinct source keys of the trial's records, sorted"),
        col("conflicts", STR_LIST, "fields whose sources disagree (incompatible non-null values); the values are in field_provenance; 'doses' when records disagree on a dose (the candidates are in trial_doses)"),
        col("registry_ids", STR_LIST, "every registry id of every record of the trial (union), sorted by type then value"),
        col("record_count", INT, "number of source records joined into this trial"),
    ]),
    "source_records": pa.schema([
        RECORD_ID,
        TRIAL_ID,
        col("source", STR, "source key: veeva, medpath, ctgov_text (pages); ctgov_json, ctgov_xml, euctr, ctis, ictrp (registry exports)"),
        col("raw_path", STR, "path of the raw file relative to raw/"),
        col("record_key", STR, "the record inside a multi-record raw file (export): its NCT id or other registry key, else its position; null when the file is one record"),
        col("sha256", STR, "sha256 of the raw file bytes"),
        col("parser_version", STR, "version of the parser that produced the record"),
        col("warnings", STR_LIST, "parser warnings 'code: detail' (unmapped values, unused lines, ...)"),
        *_scalar_fields("as this record shows it, normalized"),
    ]),
    "trial_identifiers": pa.schema([
        TRIAL_ID,
        col("identifier", STR, "canonical identifier value (NCT00953485, 2024-516715-25-00, org study id, grant, ...)"),
        col("id_type", STR, "NCT, EU_CT, EUDRACT, ISRCTN, ... (registries); ORG_STUDY_ID, GRANT, OTHER (never link alone)"),
        RECORD_ID,
        col("field", STR, "record field it came from: nct_id, identifiers, registration_number, secondary_id, org_study_id, free_text"),
        col("raw", STR, "the identifier as the page showed it (or the matched text)"),
        col("link_key", STR, "key records join on (EU CT resubmissions share one); null for non-registry ids"),
        col("found_in_text", BOOL, "true when the registry id was found inside the text of another identifier or free text"),
    ]),
    "trial_links": pa.schema([
        TRIAL_ID,
        col("record_id_a", STR, "one record of the edge (record_id_a < record_id_b)"),
        col("record_id_b", STR, "the other record of the edge"),
        col("method", STR, "shared_registry_id | registry_id_in_text | org_study_id+sponsor"),
        col("evidence", STR, "the shared value and the field each side had it in"),
        col("shared_value", STR, "the shared link key (registry id) or normalized org study id"),
        col("id_type", STR, "type of the shared identifier"),
        col("field_a", STR, "field of record_id_a holding it"),
        col("field_b", STR, "field of record_id_b holding it"),
    ]),
    "field_provenance": pa.schema([
        TRIAL_ID,
        col("field", STR, "trials column being resolved"),
        col("value", STR, "the candidate value as text (booleans true/false)"),
        RECORD_ID,
        col("source", STR, "source key of the candidate's record"),
        col("chosen", BOOL, "true for the candidate whose value the trial row holds"),
        col("rule", STR, "precedence step that decided the field (see the rules table); count_differs for unusable enrollment types"),
    ]),
    "conditions": pa.schema([
        TRIAL_ID, RECORD_ID,
        col("condition", STR, "condition as the record shows it"),
        col("condition_normalized", STR, "spelling-insensitive key (parsers.normalize.conditions.condition_key)"),
    ]),
    "interventions": pa.schema([
        TRIAL_ID, RECORD_ID,
        col("intervention_type", STR, "v2 InterventionType (DRUG, BIOLOGICAL, ...)"),
        col("name", STR, "intervention name"),
        col("description", STR, "intervention description"),
        col("position", INT, "1-based order in the record"),
        col("type_raw", STR, "type as the page showed it"),
    ]),
    "arms": pa.schema([
        TRIAL_ID, RECORD_ID,
        col("label", STR, "arm / group label"),
        col("arm_type", STR, "v2 ArmGroupType (EXPERIMENTAL, PLACEBO_COMPARATOR, ...)"),
        col("description", STR, "arm description"),
        col("position", INT, "1-based order in the record"),
        col("interventions", STR_LIST, "intervention names listed under the arm"),
    ]),
    "doses": pa.schema([
        TRIAL_ID, RECORD_ID,
        *_DOSE_COLUMNS.values(),
        col("position", INT, "1-based order among the record's dose mentions"),
    ]),
    "eligibility_criteria": pa.schema([
        TRIAL_ID, RECORD_ID,
        col("kind", STR, "inclusion | exclusion"),
        col("position", INT, "1-based position within its kind"),
        col("text", STR, "criterion text"),
    ]),
    "locations": pa.schema([
        TRIAL_ID, RECORD_ID,
        col("facility", STR, "site / facility name"),
        col("city", STR, "city"),
        col("state", STR, "state or region"),
        col("country", STR, "country"),
        col("position", INT, "1-based order in the record"),
    ]),
    "sponsors": pa.schema([
        TRIAL_ID, RECORD_ID,
        col("name", STR, "sponsor / collaborator name as shown"),
        col("role", STR, "lead | collaborator | responsible_party"),
        col("agency_class", STR, "v2 AgencyClass"),
        col("position", INT, "1-based order in the record"),
    ]),
    "trial_conditions": _trial_list(
        col("condition", STR, "condition as the list record shows it"),
        col("condition_normalized", STR, "spelling-insensitive key (parsers.normalize.conditions.condition_key)"),
    ),
    "trial_interventions": _trial_list(
        col("name", STR, "intervention name as the list record shows it"),
        col("intervention_type", STR, "v2 InterventionType; from another record of the trial with the same name when the list record shows none"),
        col("description", STR, "intervention description (filled the same way)"),
    ),
    "trial_arms": _trial_list(
        col("label", STR, "arm / group label as the list record shows it"),
        col("arm_type", STR, "v2 ArmGroupType; from another record of the trial with the same label when the list record shows none"),
        col("description", STR, "arm description (filled the same way)"),
        col("interventions", STR_LIST, "intervention names listed under the arm (filled the same way)"),
    ),
    "trial_locations": _trial_list(
        col("facility", STR, "site / facility name"),
        col("city", STR, "city"),
        col("state", STR, "state or region (filled from a record showing the same facility and city)"),
        col("country", STR, "country (filled the same way)"),
    ),
    "trial_sponsors": _trial_list(
        col("name", STR, "sponsor / collaborator name as the list record shows it"),
        col("role", STR, "lead | collaborator | responsible_party"),
        col("agency_class", STR, "v2 AgencyClass (filled from a record showing the same normalized name and role)"),
    ),
    "trial_doses": pa.schema(_trial_dose_columns()),
    "quarantine": pa.schema([
        col("raw_path", STR, "path of the raw file relative to raw/"),
        col("record_key", STR, "the record inside a multi-record raw file that could not be used; null when the whole file is quarantined"),
        col("sha256", STR, "sha256 of the raw file bytes (null when unreadable)"),
        col("reason", STR, "why the file could not be used, one of: " + ", ".join(sorted(REASONS)) + " (see parsers.intake.Reason)"),
        col("detail", STR, "details for a human"),
    ]),
    "link_candidates": pa.schema([
        col("record_id_a", STR, "one record (record_id_a < record_id_b)"),
        col("record_id_b", STR, "the other record"),
        col("trial_id_a", STR, "trial of record_id_a"),
        col("trial_id_b", STR, "trial of record_id_b (a different trial: candidates are never joined)"),
        col("method", STR, "same_title | similar_title (token Jaccard >= 0.8) | org_study_id+sponsor_blocked"),
        col("score", FLOAT, "similarity 0..1 (1.0 for same_title and blocked org ids)"),
        col("evidence", STR, "the two titles, or the org id and the conflicting registry ids"),
    ]),
}

TABLE_DESCRIPTIONS: dict[str, str] = {
    "trials": "reconciled trial",
    "source_records": "parsed record (a raw file, or one record of a multi-record file)",
    "trial_identifiers": "identifier of a record (with the trial it belongs to)",
    "trial_links": "edge that joined two records (and per shared value)",
    "field_provenance": "candidate value of a trial field",
    "conditions": "condition of a record",
    "interventions": "intervention of a record",
    "arms": "arm / group of a record",
    "doses": "dose mention in arm and intervention descriptions",
    "eligibility_criteria": "eligibility criterion",
    "locations": "site",
    "sponsors": "sponsor or collaborator",
    "trial_conditions": "condition of a trial (from its best record that lists conditions)",
    "trial_interventions": "intervention of a trial (from its best record that lists interventions)",
    "trial_arms": "arm / group of a trial (from its best record that lists arms)",
    "trial_locations": "site of a trial (from its best record that lists sites)",
    "trial_sponsors": "sponsor or collaborator of a trial (from its best record that lists sponsors)",
    "trial_doses": "dose of a trial: an agent's amount in one arm or intervention, once whatever the number of records showing it",
    "quarantine": "raw file (or record inside a multi-record file) that could not be used",
    "link_candidates": "pair of records in different trials that look alike (review only)",
}

# Rows are sorted by these columns (a stable sort of a content-determined order: deterministic).
SORT_KEYS: dict[str, tuple[str, ...]] = {
    "trials": ("trial_id",),
    "source_records": ("trial_id", "record_id"),  # by trial: a run rewrites only the row groups of changed trials
    "trial_identifiers": ("trial_id", "id_type", "identifier", "record_id", "field"),
    "trial_links": ("trial_id", "record_id_a", "record_id_b", "method", "shared_value"),
    "field_provenance": ("trial_id", "field", "record_id"),
    "conditions": ("trial_id", "record_id", "condition_normalized", "condition"),
    "interventions": ("trial_id", "record_id", "position"),
    "arms": ("trial_id", "record_id", "position"),
    "doses": ("trial_id", "record_id", "position"),
    "eligibility_criteria": ("trial_id", "record_id", "kind", "position"),
    "locations": ("trial_id", "record_id", "position"),
    "sponsors": ("trial_id", "record_id", "position"),
    **{name: ("trial_id", "position") for name in
       ("trial_conditions", "trial_interventions", "trial_arms", "trial_locations", "trial_sponsors")},
    "trial_doses": ("trial_id", "described_in", "label", "agent", "dose_low", "dose_high", "unit", "record_id"),
    "quarantine": ("raw_path", "record_key"),
    "link_candidates": ("record_id_a", "record_id_b", "method"),
}
assert set(TABLES) == set(TABLE_DESCRIPTIONS) == set(SORT_KEYS)
