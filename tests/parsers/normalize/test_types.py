from __future__ import annotations

import pytest

from parsers.normalize import Unmapped
from parsers.normalize.types import normalize_agency_class, normalize_arm_type, normalize_intervention_type
from parsers.normalize.vocab import INTERVENTION_TYPE_ORDER


@pytest.mark.parametrize(("raw", "expected"), [
    ("Biological", "BIOLOGICAL"), ("Drug", "DRUG"), ("Dietary Supplement", "DIETARY_SUPPLEMENT"),
    ("Diagnostic Test", "DIAGNOSTIC_TEST"), ("Combination Product", "COMBINATION_PRODUCT"),
    ("Genetic", "GENETIC"), ("Radiation", "RADIATION"), ("Procedure", "PROCEDURE"), ("Device", "DEVICE"),
    ("Behavioral", "BEHAVIORAL"), ("Other", "OTHER"), ("DIETARY_SUPPLEMENT", "DIETARY_SUPPLEMENT"),
    ("Procedure/Surgery", "PROCEDURE"), ("", None), (None, None),
])
def test_normalize_intervention_type(raw, expected):
    assert normalize_intervention_type(raw) == expected


@pytest.mark.parametrize("enum", INTERVENTION_TYPE_ORDER)
def test_every_v2_intervention_type_maps_to_itself(enum):
    assert normalize_intervention_type(enum) == enum


@pytest.mark.parametrize(("raw", "expected"), [
    ("Experimental", "EXPERIMENTAL"), ("Experimental group", "EXPERIMENTAL"),
    ("Active Comparator group", "ACTIVE_COMPARATOR"), ("Placebo Comparator", "PLACEBO_COMPARATOR"),
    ("Sham Comparator", "SHAM_COMPARATOR"), ("No Intervention group", "NO_INTERVENTION"),
    ("Other group", "OTHER"), ("NO_INTERVENTION", "NO_INTERVENTION"), ("", None), (None, None),
])
def test_normalize_arm_type(raw, expected):
    assert normalize_arm_type(raw) == expected


@pytest.mark.parametrize(("raw", "expected"), [
    ("Other", "OTHER"), ("Industry", "INDUSTRY"), ("NIH", "NIH"), ("U.S. Fed", "FED"),
    ("Other U.S. Federal agency", "FED"), ("FED", "FED"), ("OTHER_GOV", "OTHER_GOV"), ("Individual", "INDIV"),
    ("Network", "NETWORK"), ("Ambiguous", "AMBIG"), ("UNKNOWN", "UNKNOWN"), ("", None), (None, None),
])
def test_normalize_agency_class(raw, expected):
    assert normalize_agency_class(raw) == expected


@pytest.mark.parametrize(("func", "raw"), [
    (normalize_intervention_type, "Herbal tea"),
    (normalize_arm_type, "Control group"),  # "control" does not say active, placebo or none
    (normalize_arm_type, "group"),
    (normalize_agency_class, "Pharmaceutical company X"),
])
def test_unknown_types_are_unmapped(func, raw):
    with pytest.raises(Unmapped):
        func(raw)


@pytest.mark.parametrize(("raw", "expected"), [
    ("Commercial", "INDUSTRY"), ("Pharmaceutical company", "INDUSTRY"),  # EU CTR B.3.1 / CTIS sponsor type
    ("Hospital/Clinic/Other health care facility", "OTHER"), ("Educational Institution", "OTHER"),
    ("Patient organisation/association", "OTHER"),
])
def test_eu_sponsor_types(raw, expected):
    assert normalize_agency_class(raw) == expected


@pytest.mark.parametrize("raw", ["Non-Commercial", "Laboratory/Research/Testing facility"])
def test_eu_sponsor_types_with_several_classes_are_unmapped(raw):
    with pytest.raises(Unmapped):
        normalize_agency_class(raw)
