from __future__ import annotations

import pytest

from parsers.normalize import Unmapped
from parsers.normalize.design import (
    normalize_allocation, normalize_healthy_volunteers, normalize_intervention_model, normalize_masking,
    normalize_observational_model, normalize_primary_purpose, normalize_study_type, normalize_time_perspective,
)

CASES = [
    (normalize_study_type, "Interventional", "INTERVENTIONAL"),
    (normalize_study_type, "INTERVENTIONAL", "INTERVENTIONAL"),
    (normalize_study_type, "Observational", "OBSERVATIONAL"),
    (normalize_study_type, "Observational [Patient Registry]", "OBSERVATIONAL"),
    (normalize_study_type, "Interventional clinical trial of medicinal product", "INTERVENTIONAL"),
    (normalize_study_type, "Expanded Access", "EXPANDED_ACCESS"),
    (normalize_study_type, "N/A", None),
    (normalize_allocation, "Randomized", "RANDOMIZED"),
    (normalize_allocation, "Non-Randomized", "NON_RANDOMIZED"),
    (normalize_allocation, "NON_RANDOMIZED", "NON_RANDOMIZED"),
    (normalize_allocation, "N/A", "NA"),  # not "unknown": single-arm studies
    (normalize_allocation, "NA", "NA"),
    (normalize_allocation, "Not specified", None),
    (normalize_intervention_model, "Single Group Assignment", "SINGLE_GROUP"),
    (normalize_intervention_model, "Parallel Assignment", "PARALLEL"),
    (normalize_intervention_model, "Crossover Assignment", "CROSSOVER"),
    (normalize_intervention_model, "Factorial Assignment", "FACTORIAL"),
    (normalize_intervention_model, "Sequential Assignment", "SEQUENTIAL"),
    (normalize_intervention_model, "SINGLE_GROUP", "SINGLE_GROUP"),
    (normalize_masking, "None (Open label)", "NONE"),
    (normalize_masking, "None (Open Label)", "NONE"),
    (normalize_masking, "No masking", "NONE"),
    (normalize_masking, "Single Blind", "SINGLE"),
    (normalize_masking, "Single", "SINGLE"),
    (normalize_masking, "Single (Outcomes Assessor)", "SINGLE"),
    (normalize_masking, "Double Blind", "DOUBLE"),
    (normalize_masking, "Double (Participant, Investigator)", "DOUBLE"),
    (normalize_masking, "Triple", "TRIPLE"),
    (normalize_masking, "Quadruple (Participant, Care Provider, Investigator, Outcomes Assessor)", "QUADRUPLE"),
    (normalize_masking, "QUADRUPLE", "QUADRUPLE"),
    (normalize_primary_purpose, "Treatment", "TREATMENT"),
    (normalize_primary_purpose, "Supportive Care", "SUPPORTIVE_CARE"),
    (normalize_primary_purpose, "Health Services Research", "HEALTH_SERVICES_RESEARCH"),
    (normalize_primary_purpose, "Educational/Counseling/Training", "ECT"),
    (normalize_primary_purpose, "Basic Science", "BASIC_SCIENCE"),
    (normalize_primary_purpose, "Device Feasibility", "DEVICE_FEASIBILITY"),
    (normalize_primary_purpose, "ECT", "ECT"),
    (normalize_observational_model, "Cohort", "COHORT"),
    (normalize_observational_model, "Case-Control", "CASE_CONTROL"),
    (normalize_observational_model, "Case Control", "CASE_CONTROL"),
    (normalize_observational_model, "Ecologic or Community", "ECOLOGIC_OR_COMMUNITY"),
    (normalize_time_perspective, "Prospective", "PROSPECTIVE"),
    (normalize_time_perspective, "Cross-Sectional", "CROSS_SECTIONAL"),
    (normalize_healthy_volunteers, "No Healthy Volunteers", False),
    (normalize_healthy_volunteers, "Accepts Healthy Volunteers", True),
    (normalize_healthy_volunteers, "Yes", True),
    (normalize_healthy_volunteers, "No", False),
    (normalize_healthy_volunteers, "true", True),
    (normalize_healthy_volunteers, "false", False),
    (normalize_healthy_volunteers, False, False),
    (normalize_healthy_volunteers, "", None),
    (normalize_healthy_volunteers, None, None),
]


@pytest.mark.parametrize(("func", "raw", "expected"), CASES)
def test_design_normalizers(func, raw, expected):
    assert func(raw) is expected if isinstance(expected, bool) else func(raw) == expected


@pytest.mark.parametrize(("func", "raw"), [
    (normalize_study_type, "Diagnostic test"),  # an ICTRP study type that is a purpose, not a type
    (normalize_allocation, "Stratified"),
    (normalize_intervention_model, "Adaptive"),
    (normalize_masking, "Blinded"),
    (normalize_masking, "Quintuple (Participant)"),
    (normalize_primary_purpose, "Curiosity"),
    (normalize_observational_model, "Prospective"),
    (normalize_time_perspective, "Cohort"),
    (normalize_healthy_volunteers, "Maybe"),
])
def test_unknown_design_values_are_unmapped(func, raw):
    with pytest.raises(Unmapped):
        func(raw)
