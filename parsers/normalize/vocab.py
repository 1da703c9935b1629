"""ClinicalTrials.gov API v2 vocabularies (verbatim from ctg-oas-v2.yaml, see docs/anchors.md).

Each vocabulary is an ordered tuple (the spec's order, or a meaningful order where one exists)
plus a frozenset for membership checks. Normalizers, parsers and the warehouse vocabulary
check all read these, so a new enum value is added in one place.
"""
from __future__ import annotations

# Phase: ascending clinical order. NA ("not applicable") is standalone, never combined.
PHASE_ORDER: tuple[str, ...] = ("EARLY_PHASE1", "PHASE1", "PHASE2", "PHASE3", "PHASE4")
PHASE_NA = "NA"
PHASES = frozenset(PHASE_ORDER + (PHASE_NA,))

STATUS_ORDER: tuple[str, ...] = (
    "ACTIVE_NOT_RECRUITING", "COMPLETED", "ENROLLING_BY_INVITATION", "NOT_YET_RECRUITING",
    "RECRUITING", "SUSPENDED", "TERMINATED", "WITHDRAWN", "AVAILABLE", "NO_LONGER_AVAILABLE",
    "TEMPORARILY_NOT_AVAILABLE", "APPROVED_FOR_MARKETING", "WITHHELD", "UNKNOWN",
)
STATUSES = frozenset(STATUS_ORDER)

STUDY_TYPE_ORDER: tuple[str, ...] = ("EXPANDED_ACCESS", "INTERVENTIONAL", "OBSERVATIONAL")
STUDY_TYPES = frozenset(STUDY_TYPE_ORDER)

ENROLLMENT_TYPE_ORDER: tuple[str, ...] = ("ACTUAL", "ESTIMATED")
ENROLLMENT_TYPES = frozenset(ENROLLMENT_TYPE_ORDER)
DATE_TYPES = ENROLLMENT_TYPES

SEX_ORDER: tuple[str, ...] = ("FEMALE", "MALE", "ALL")
SEXES = frozenset(SEX_ORDER)

STANDARD_AGE_ORDER: tuple[str, ...] = ("CHILD", "ADULT", "OLDER_ADULT")
STANDARD_AGES = frozenset(STANDARD_AGE_ORDER)

ALLOCATION_ORDER: tuple[str, ...] = ("RANDOMIZED", "NON_RANDOMIZED", "NA")
ALLOCATIONS = frozenset(ALLOCATION_ORDER)

INTERVENTION_MODEL_ORDER: tuple[str, ...] = ("SINGLE_GROUP", "PARALLEL", "CROSSOVER", "FACTORIAL", "SEQUENTIAL")
INTERVENTION_MODELS = frozenset(INTERVENTION_MODEL_ORDER)

PRIMARY_PURPOSE_ORDER: tuple[str, ...] = (
    "TREATMENT", "PREVENTION", "DIAGNOSTIC", "ECT", "SUPPORTIVE_CARE", "SCREENING",
    "HEALTH_SERVICES_RESEARCH", "BASIC_SCIENCE", "DEVICE_FEASIBILITY", "OTHER",
)
PRIMARY_PURPOSES = frozenset(PRIMARY_PURPOSE_ORDER)

# Masking: ascending number of masked roles.
MASKING_ORDER: tuple[str, ...] = ("NONE", "SINGLE", "DOUBLE", "TRIPLE", "QUADRUPLE")
MASKINGS = frozenset(MASKING_ORDER)

WHO_MASKED_ORDER: tuple[str, ...] = ("PARTICIPANT", "CARE_PROVIDER", "INVESTIGATOR", "OUTCOMES_ASSESSOR")
WHO_MASKED = frozenset(WHO_MASKED_ORDER)

OBSERVATIONAL_MODEL_ORDER: tuple[str, ...] = (
    "COHORT", "CASE_CONTROL", "CASE_ONLY", "CASE_CROSSOVER", "ECOLOGIC_OR_COMMUNITY",
    "FAMILY_BASED", "DEFINED_POPULATION", "NATURAL_HISTORY", "OTHER",
)
OBSERVATIONAL_MODELS = frozenset(OBSERVATIONAL_MODEL_ORDER)

TIME_PERSPECTIVE_ORDER: tuple[str, ...] = ("RETROSPECTIVE", "PROSPECTIVE", "CROSS_SECTIONAL", "OTHER")
TIME_PERSPECTIVES = frozenset(TIME_PERSPECTIVE_ORDER)

ARM_TYPE_ORDER: tuple[str, ...] = (
    "EXPERIMENTAL", "ACTIVE_COMPARATOR", "PLACEBO_COMPARATOR", "SHAM_COMPARATOR", "NO_INTERVENTION", "OTHER",
)
ARM_TYPES = frozenset(ARM_TYPE_ORDER)

INTERVENTION_TYPE_ORDER: tuple[str, ...] = (
    "BEHAVIORAL", "BIOLOGICAL", "COMBINATION_PRODUCT", "DEVICE", "DIAGNOSTIC_TEST",
    "DIETARY_SUPPLEMENT", "DRUG", "GENETIC", "PROCEDURE", "RADIATION", "OTHER",
)
INTERVENTION_TYPES = frozenset(INTERVENTION_TYPE_ORDER)

AGENCY_CLASS_ORDER: tuple[str, ...] = ("NIH", "FED", "OTHER_GOV", "INDIV", "INDUSTRY", "NETWORK", "AMBIG", "OTHER", "UNKNOWN")
AGENCY_CLASSES = frozenset(AGENCY_CLASS_ORDER)

ORG_STUDY_ID_TYPES = frozenset(("NIH", "FDA", "VA", "CDC", "AHRQ", "SAMHSA"))
# CTIS appears in the newer spec only (anchors.md §4).
SECONDARY_ID_TYPES = frozenset(
    ("NIH", "FDA", "VA", "CDC", "AHRQ", "SAMHSA", "OTHER_GRANT", "EUDRACT_NUMBER", "CTIS", "REGISTRY", "OTHER")
)
RESPONSIBLE_PARTY_TYPES = frozenset(("SPONSOR", "PRINCIPAL_INVESTIGATOR", "SPONSOR_INVESTIGATOR"))
SAMPLING_METHODS = frozenset(("PROBABILITY_SAMPLE", "NON_PROBABILITY_SAMPLE"))
IPD_SHARING = frozenset(("YES", "NO", "UNDECIDED"))
OUTCOME_MEASURE_TYPES = frozenset(("PRIMARY", "SECONDARY", "OTHER_PRE_SPECIFIED", "POST_HOC"))


def is_phase_label(value: str) -> bool:
    """True for a normalized phase value: "NA" or ascending enums joined by "/" (e.g. "PHASE1/PHASE2")."""
    if value == PHASE_NA:
        return True
    parts = value.split("/")
    if not parts or any(p not in PHASE_ORDER for p in parts):
        return False
    positions = [PHASE_ORDER.index(p) for p in parts]
    return positions == sorted(set(positions))
