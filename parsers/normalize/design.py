"""Study design fields -> v2 enums (study type, allocation, models, masking, purpose, ...).

Each is an exact (case/punctuation-folded) table: the v2 enum spellings, the legacy CT.gov
display strings (XML / website: "Single Group Assignment", "None (Open Label)") and the
page layouts' wording. Masking drops the "(Participant, Investigator)" who-masked list.
"""
from __future__ import annotations

import re

from parsers.normalize import Unmapped
from parsers.normalize.text import NOT_GIVEN, enum_table, lookup, lookup_key, not_given_keys, squash
from parsers.normalize.vocab import (
    ALLOCATION_ORDER, INTERVENTION_MODEL_ORDER, MASKING_ORDER, OBSERVATIONAL_MODEL_ORDER,
    PRIMARY_PURPOSE_ORDER, STUDY_TYPE_ORDER, TIME_PERSPECTIVE_ORDER,
)

# "N/A" means "unknown" for most design fields (legacy XML study_type "N/A").
_NOT_GIVEN_NA = NOT_GIVEN | {"N/A"}

_STUDY_TYPE = enum_table(STUDY_TYPE_ORDER, {
    "Interventional study": "INTERVENTIONAL",
    "Interventional clinical trial of medicinal product": "INTERVENTIONAL",  # EUCTR via ICTRP
    "Observational study": "OBSERVATIONAL",
    "Observational [Patient Registry]": "OBSERVATIONAL",  # legacy CT.gov; v2 keeps patientRegistry apart
    "Patient Registry": "OBSERVATIONAL",
    "Expanded access program": "EXPANDED_ACCESS",
})

_ALLOCATION = enum_table(ALLOCATION_ORDER, {
    "Randomised": "RANDOMIZED",
    "Randomized controlled trial": "RANDOMIZED",
    "Randomised controlled trial": "RANDOMIZED",  # ANZCTR via ICTRP
    "Non-randomised trial": "NON_RANDOMIZED",
    "Non-randomized controlled trial": "NON_RANDOMIZED",
    "Non-Randomised": "NON_RANDOMIZED",
    "Nonrandomized": "NON_RANDOMIZED",
    "Non randomized": "NON_RANDOMIZED",
    # single-arm studies: CT.gov displays allocation "N/A"; it is the v2 value NA, not "unknown"
    "N/A": "NA",
    "Not Applicable": "NA",
})

_INTERVENTION_MODEL = enum_table(INTERVENTION_MODEL_ORDER, {
    "Single Group Assignment": "SINGLE_GROUP",
    "Single Group": "SINGLE_GROUP",
    "Single arm": "SINGLE_GROUP",
    "Parallel Assignment": "PARALLEL",
    "Parallel group": "PARALLEL",
    "Crossover Assignment": "CROSSOVER",
    "Cross-over": "CROSSOVER",
    "Factorial Assignment": "FACTORIAL",
    "Sequential Assignment": "SEQUENTIAL",
})

_MASKING = enum_table(MASKING_ORDER, {
    "None (Open Label)": "NONE",
    "Open Label": "NONE",
    "Open": "NONE",
    "No masking": "NONE",
    "Single Blind": "SINGLE",
    "Double Blind": "DOUBLE",
    "Triple Blind": "TRIPLE",
    "Quadruple Blind": "QUADRUPLE",
})

_PRIMARY_PURPOSE = enum_table(PRIMARY_PURPOSE_ORDER, {
    "Supportive Care": "SUPPORTIVE_CARE",
    "Health Services Research": "HEALTH_SERVICES_RESEARCH",
    "Basic Science": "BASIC_SCIENCE",
    "Device Feasibility": "DEVICE_FEASIBILITY",
    "Educational/Counseling/Training": "ECT",  # the v2 enum ECT is this display string
})

_OBSERVATIONAL_MODEL = enum_table(OBSERVATIONAL_MODEL_ORDER, {
    "Case-Control": "CASE_CONTROL",
    "Case Control": "CASE_CONTROL",
    "Case-Only": "CASE_ONLY",
    "Case-Crossover": "CASE_CROSSOVER",
    "Ecologic or Community": "ECOLOGIC_OR_COMMUNITY",
    "Ecologic or Community Studies": "ECOLOGIC_OR_COMMUNITY",
    "Family-Based": "FAMILY_BASED",
    "Defined Population": "DEFINED_POPULATION",
    "Natural History": "NATURAL_HISTORY",
})

_TIME_PERSPECTIVE = enum_table(TIME_PERSPECTIVE_ORDER, {
    "Cross-Sectional": "CROSS_SECTIONAL",
})

_HEALTHY_VOLUNTEERS: dict[str, bool] = {
    lookup_key(k): v for k, v in {
        "Accepts Healthy Volunteers": True,
        "Healthy Volunteers": True,
        "Accepts healthy volunteers: Yes": True,
        "Yes": True,
        "True": True,
        "No Healthy Volunteers": False,
        "Does not accept healthy volunteers": False,
        "Accepts healthy volunteers: No": False,
        "No": False,
        "False": False,
    }.items()
}


def normalize_study_type(raw: str | None) -> str | None:
    """"Interventional" -> "INTERVENTIONAL"; "Observational [Patient Registry]" -> "OBSERVATIONAL"."""
    return lookup("study_type", raw, _STUDY_TYPE, _NOT_GIVEN_NA)


def normalize_allocation(raw: str | None) -> str | None:
    """"Randomized" -> "RANDOMIZED"; "Non-Randomized" -> "NON_RANDOMIZED"; "N/A" -> "NA" (single arm)."""
    return lookup("allocation", raw, _ALLOCATION)


def normalize_intervention_model(raw: str | None) -> str | None:
    """"Single Group Assignment" -> "SINGLE_GROUP"; "Parallel Assignment" -> "PARALLEL"."""
    return lookup("intervention_model", raw, _INTERVENTION_MODEL, _NOT_GIVEN_NA)


# "Double (Participant, Investigator)" / "Single Blind (Outcomes Assessor)": the roles are a
# separate v2 field (whoMasked); the level is what this normalizer returns.
_WHO_MASKED_SUFFIX = re.compile(r"\s*\((?!open)[^()]*\)\s*$", re.IGNORECASE)


def normalize_masking(raw: str | None) -> str | None:
    """"None (Open label)" -> "NONE"; "Single" / "Single Blind" -> "SINGLE"; "Quadruple (...)" -> "QUADRUPLE"."""
    if raw is None:
        return None
    text = _WHO_MASKED_SUFFIX.sub("", squash(raw))
    try:
        return lookup("masking", text, _MASKING, _NOT_GIVEN_NA)
    except Unmapped:
        raise Unmapped("masking", raw) from None


def normalize_primary_purpose(raw: str | None) -> str | None:
    """"Treatment" -> "TREATMENT"; "Supportive Care" -> "SUPPORTIVE_CARE"."""
    return lookup("primary_purpose", raw, _PRIMARY_PURPOSE, _NOT_GIVEN_NA)


def normalize_observational_model(raw: str | None) -> str | None:
    """"Cohort" -> "COHORT"; "Case-Control" -> "CASE_CONTROL"."""
    return lookup("observational_model", raw, _OBSERVATIONAL_MODEL, _NOT_GIVEN_NA)


def normalize_time_perspective(raw: str | None) -> str | None:
    """"Prospective" -> "PROSPECTIVE"; "Cross-Sectional" -> "CROSS_SECTIONAL"."""
    return lookup("time_perspective", raw, _TIME_PERSPECTIVE, _NOT_GIVEN_NA)


def normalize_healthy_volunteers(raw: str | bool | None) -> bool | None:
    """"Accepts Healthy Volunteers" / "Yes" / "true" -> True; "No Healthy Volunteers" / "No" -> False."""
    if raw is None or isinstance(raw, bool):
        return raw
    key = lookup_key(raw)
    if key in _HEALTHY_VOLUNTEERS:
        return _HEALTHY_VOLUNTEERS[key]
    if key in not_given_keys(_NOT_GIVEN_NA):
        return None
    raise Unmapped("healthy_volunteers", raw)
