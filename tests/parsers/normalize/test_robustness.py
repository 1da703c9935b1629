"""Bad input never crashes: any text either normalizes into the vocabulary, is None, or raises Unmapped."""
from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from parsers.normalize import Unmapped, vocab
from parsers.normalize.ages import age_to_years, parse_age_range
from parsers.normalize.conditions import condition_key
from parsers.normalize.dates import normalize_date
from parsers.normalize.design import (
    normalize_allocation, normalize_healthy_volunteers, normalize_intervention_model, normalize_masking,
    normalize_observational_model, normalize_primary_purpose, normalize_study_type, normalize_time_perspective,
)
from parsers.normalize.enrollment import normalize_enrollment_type, parse_enrollment
from parsers.normalize.phase import normalize_phase
from parsers.normalize.sex import normalize_sex
from parsers.normalize.status import normalize_status
from parsers.normalize.text import acronym_from_title
from parsers.normalize.types import normalize_agency_class, normalize_arm_type, normalize_intervention_type

# Registry-ish text: words that the normalizers look for, digits, punctuation and any unicode.
_WORDS = st.sampled_from([
    "phase", "Phase", "I", "II", "iv", "1", "2", "0", "/", "-", ",", "(", ")", ":", "yes", "no", "N/A",
    "years", "months", "old", "to", "+", "up", "under", "recruiting", "not", "Authorised", "March", "2007",
    "31", "estimated", "patients", "group", "Single", "(Participant)", "'s", "\n", " ",
])
TEXT = st.one_of(st.text(max_size=40), st.lists(_WORDS, max_size=8).map(" ".join))

CHECKS = [
    (normalize_phase, lambda v: vocab.is_phase_label(v)),
    (normalize_status, lambda v: v in vocab.STATUSES),
    (normalize_sex, lambda v: v in vocab.SEXES),
    (normalize_study_type, lambda v: v in vocab.STUDY_TYPES),
    (normalize_allocation, lambda v: v in vocab.ALLOCATIONS),
    (normalize_intervention_model, lambda v: v in vocab.INTERVENTION_MODELS),
    (normalize_masking, lambda v: v in vocab.MASKINGS),
    (normalize_primary_purpose, lambda v: v in vocab.PRIMARY_PURPOSES),
    (normalize_observational_model, lambda v: v in vocab.OBSERVATIONAL_MODELS),
    (normalize_time_perspective, lambda v: v in vocab.TIME_PERSPECTIVES),
    (normalize_healthy_volunteers, lambda v: isinstance(v, bool)),
    (normalize_intervention_type, lambda v: v in vocab.INTERVENTION_TYPES),
    (normalize_arm_type, lambda v: v in vocab.ARM_TYPES),
    (normalize_agency_class, lambda v: v in vocab.AGENCY_CLASSES),
    (normalize_enrollment_type, lambda v: v in vocab.ENROLLMENT_TYPES),
    (age_to_years, lambda v: isinstance(v, float) and v >= 0),
    (normalize_date, lambda v: isinstance(v, str) and len(v) in (4, 7, 10)),
]


@pytest.mark.parametrize(("func", "valid"), CHECKS, ids=[f.__name__ for f, _ in CHECKS])
@settings(max_examples=80, deadline=None, database=None)
@given(raw=TEXT)
def test_normalizers_return_vocabulary_none_or_unmapped(func, valid, raw):
    try:
        value = func(raw)
    except Unmapped as err:
        assert err.raw == raw
        return
    assert value is None or valid(value)


@settings(max_examples=120, deadline=None, database=None)
@given(raw=TEXT)
def test_composite_parsers_never_crash(raw):
    try:
        count, enrollment_type = parse_enrollment(raw)
        assert count is None or (isinstance(count, int) and count >= 0)
        assert enrollment_type is None or enrollment_type in vocab.ENROLLMENT_TYPES
    except Unmapped:
        pass
    try:
        low, high = parse_age_range(raw)
        assert low is None or low >= 0
        assert high is None or high >= 0
    except Unmapped:
        pass
    assert isinstance(condition_key(raw), str)
    acronym = acronym_from_title(raw)
    assert acronym is None or (2 <= len(acronym) <= 20 and " " not in acronym)
