"""Sweeps over real CT.gov records: every coded value of the 462 v2 JSON studies and the 65
legacy XML studies must normalize without Unmapped, into the v2 vocabulary, and the v2 values
must come back unchanged (the normalizers are idempotent on their own output)."""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections import Counter

import pytest

from parsers.normalize import vocab
from parsers.normalize.ages import age_to_years
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
from parsers.normalize.types import normalize_agency_class, normalize_arm_type, normalize_intervention_type
from tests.conftest import load_v2_study, shared_path

_DESIGN = {
    "allocation": normalize_allocation,
    "interventionModel": normalize_intervention_model,
    "primaryPurpose": normalize_primary_purpose,
    "observationalModel": normalize_observational_model,
    "timePerspective": normalize_time_perspective,
}
_AGE = re.compile(r"^(\d+) (Year|Years|Month|Months|Week|Weeks|Day|Days|Hour|Hours|Minute|Minutes)$")


@pytest.fixture(scope="module")
def v2_studies(ctgov_v2_dir):
    studies = [load_v2_study(p)["protocolSection"] for p in sorted(ctgov_v2_dir.glob("NCT*.json"))]
    assert len(studies) == 462
    return studies


def test_v2_values_map_to_themselves(v2_studies):
    checked = Counter()
    for study in v2_studies:
        status, design = study["statusModule"], study.get("designModule", {})
        elig = study.get("eligibilityModule", {})
        for key in ("overallStatus", "lastKnownStatus"):
            if key in status:
                assert normalize_status(status[key]) == status[key]
                checked["status"] += 1
        if "studyType" in design:
            assert normalize_study_type(design["studyType"]) == design["studyType"]
            checked["study_type"] += 1
        info = design.get("designInfo", {})
        for key, func in _DESIGN.items():
            if key in info:
                assert func(info[key]) == info[key]
                checked[key] += 1
        if "masking" in info.get("maskingInfo", {}):
            assert normalize_masking(info["maskingInfo"]["masking"]) == info["maskingInfo"]["masking"]
            checked["masking"] += 1
        if "sex" in elig:
            assert normalize_sex(elig["sex"]) == elig["sex"]
            checked["sex"] += 1
        if "healthyVolunteers" in elig:
            hv = elig["healthyVolunteers"]
            assert normalize_healthy_volunteers(str(hv).lower()) is hv
            checked["healthy_volunteers"] += 1
        for arm in study.get("armsInterventionsModule", {}).get("armGroups", []):
            if "type" in arm:
                assert normalize_arm_type(arm["type"]) == arm["type"]
                checked["arm_type"] += 1
        for intervention in study.get("armsInterventionsModule", {}).get("interventions", []):
            assert normalize_intervention_type(intervention["type"]) == intervention["type"]
            checked["intervention_type"] += 1
        sponsors = study.get("sponsorCollaboratorsModule", {})
        for sponsor in [sponsors.get("leadSponsor", {})] + sponsors.get("collaborators", []):
            if "class" in sponsor:
                assert normalize_agency_class(sponsor["class"]) == sponsor["class"]
                checked["agency_class"] += 1
        for key in ("startDateStruct", "primaryCompletionDateStruct", "completionDateStruct",
                    "lastUpdatePostDateStruct", "studyFirstPostDateStruct"):
            if key in status:
                assert normalize_date(status[key]["date"]) == status[key]["date"]  # precision kept
                checked["date"] += 1
    assert checked["status"] >= 462 and checked["intervention_type"] > 500 and checked["date"] > 1500
    assert set(checked) >= {"allocation", "interventionModel", "masking", "primaryPurpose",
                            "observationalModel", "timePerspective", "arm_type", "agency_class"}


def test_v2_phases_in_every_spelling(v2_studies):
    seen = Counter()
    for study in v2_studies:
        phases = study.get("designModule", {}).get("phases")
        if not phases:
            continue
        expected = "NA" if phases == ["NA"] else "/".join(p for p in vocab.PHASE_ORDER if p in phases)
        lines = ["Early Phase 1" if p == "EARLY_PHASE1" else "N/A" if p == "NA" else f"Phase {p[-1]}"
                 for p in phases]
        display = "/".join(lines)
        assert normalize_phase(phases) == expected  # the v2 list
        assert normalize_phase(", ".join(phases)) == expected  # ctgov_text style
        assert normalize_phase(display) == expected  # legacy display "Phase 1/Phase 2"
        assert normalize_phase(list(reversed(lines))) == expected  # Veeva lines
        seen[expected] += 1
    assert seen["PHASE1/PHASE2"] >= 14 and seen["EARLY_PHASE1"] == 2 and seen["NA"] >= 200


def test_v2_enrollment_and_ages(v2_studies):
    n_enrollment = n_ages = 0
    for study in v2_studies:
        info = study.get("designModule", {}).get("enrollmentInfo", {})
        if "count" in info:
            count = info["count"]
            assert parse_enrollment(f"{count:,} participants") == (count, None)
            if "type" in info:
                assert normalize_enrollment_type(info["type"]) == info["type"]
                assert parse_enrollment(f"{count} {info['type'].lower()} patients") == (count, info["type"])
            n_enrollment += 1
        elig = study.get("eligibilityModule", {})
        for key in ("minimumAge", "maximumAge"):
            if key in elig:
                number, unit = _AGE.match(elig[key]).groups()
                years = age_to_years(elig[key])
                assert isinstance(years, float) and years > 0 or int(number) == 0
                if unit.startswith("Year"):
                    assert years == float(number)
                n_ages += 1
    assert n_enrollment >= 455 and n_ages > 600


def test_v2_condition_keys(v2_studies):
    names = {c for s in v2_studies for c in s.get("conditionsModule", {}).get("conditions", [])}
    keys = {name: condition_key(name) for name in names}
    assert all(keys.values())
    # keys only merge spellings: casefolded names that differ must not collapse wholesale
    assert len(set(keys.values())) > 0.9 * len({n.casefold() for n in names})


# --- legacy <clinical_study> XML -------------------------------------------------------------

_XML_FIELDS = {
    "phase": normalize_phase,
    "overall_status": normalize_status,
    "last_known_status": normalize_status,
    "study_type": normalize_study_type,
    "gender": normalize_sex,
    "minimum_age": age_to_years,
    "maximum_age": age_to_years,
    "healthy_volunteers": normalize_healthy_volunteers,
    "allocation": normalize_allocation,
    "intervention_model": normalize_intervention_model,
    "masking": normalize_masking,
    "primary_purpose": normalize_primary_purpose,
    "observational_model": normalize_observational_model,
    "time_perspective": normalize_time_perspective,
    "intervention_type": normalize_intervention_type,
    "arm_group_type": normalize_arm_type,
    "agency_class": normalize_agency_class,
    "start_date": normalize_date,
    "completion_date": normalize_date,
    "primary_completion_date": normalize_date,
    "last_update_posted": normalize_date,
}
_XML_VOCAB = {
    "overall_status": vocab.STATUSES, "last_known_status": vocab.STATUSES, "study_type": vocab.STUDY_TYPES,
    "gender": vocab.SEXES, "allocation": vocab.ALLOCATIONS, "intervention_model": vocab.INTERVENTION_MODELS,
    "masking": vocab.MASKINGS, "primary_purpose": vocab.PRIMARY_PURPOSES,
    "observational_model": vocab.OBSERVATIONAL_MODELS, "time_perspective": vocab.TIME_PERSPECTIVES,
    "intervention_type": vocab.INTERVENTION_TYPES, "arm_group_type": vocab.ARM_TYPES,
    "agency_class": vocab.AGENCY_CLASSES,
}


def test_legacy_xml_display_strings_all_normalize():
    paths = sorted(shared_path("real", "ctgov_xml").glob("NCT*.xml"))
    assert len(paths) == 65
    checked = Counter()
    results: dict[tuple[str, str], object] = {}
    for path in paths:
        root = ET.parse(path).getroot()
        for tag, func in _XML_FIELDS.items():
            for element in root.iter(tag):
                raw = (element.text or "").strip()
                value = func(raw)  # raises Unmapped on any unknown spelling
                results[(tag, raw)] = value
                if value is not None and tag in _XML_VOCAB:
                    assert value in _XML_VOCAB[tag]
                if tag == "phase" and value is not None:
                    assert vocab.is_phase_label(value)
                checked[tag] += 1
        for element in root.iter("enrollment"):
            if element.get("type"):
                assert normalize_enrollment_type(element.get("type")) in vocab.ENROLLMENT_TYPES
                assert parse_enrollment(element.text)[0] == int(element.text)
                checked["enrollment"] += 1
    assert checked["phase"] >= 50 and checked["enrollment"] == 59 and checked["intervention_type"] > 150
    # spot checks of legacy display strings against their v2 spelling
    assert results[("phase", "Phase 1/Phase 2")] == "PHASE1/PHASE2"
    assert results[("phase", "N/A")] == "NA"
    assert results[("masking", "None (Open Label)")] == "NONE"
    assert results[("intervention_model", "Single Group Assignment")] == "SINGLE_GROUP"
    assert results[("overall_status", "Unknown status")] == "UNKNOWN"
    assert results[("agency_class", "U.S. Fed")] == "FED"
    assert results[("maximum_age", "N/A")] is None
    assert results[("healthy_volunteers", "Accepts Healthy Volunteers")] is True
