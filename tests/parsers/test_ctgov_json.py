"""ctgov_json.parse_study on the real v2 studies and on hand-written edge cases."""
from __future__ import annotations

import copy

import pytest

from parsers.normalize.ages import age_to_years
from parsers.normalize.phase import normalize_phase
from parsers.sources.ctgov_json import SOURCE, criteria_blocks, is_v2_study, parse_study
from tests.conftest import load_v2_study


@pytest.fixture(scope="module")
def studies(ctgov_v2_dir):
    paths = sorted(ctgov_v2_dir.glob("NCT*.json"))
    assert len(paths) >= 400
    return [load_v2_study(p) for p in paths]


def _ps(study):
    return study["protocolSection"]


def test_all_real_studies_parse_without_unmapped_or_malformed(studies):
    bad = {}
    for study in studies:
        record = parse_study(study)
        noisy = [w for w in record.warnings if w.startswith(("unmapped_value", "malformed_section", "junk_identifier"))
                 and "'TBA'" not in w]  # one real org id is the placeholder "TBA": rightly dropped
        if noisy:
            bad[_ps(study)["identificationModule"]["nctId"]] = noisy
    assert bad == {}


def test_real_studies_fields_match_the_json(studies):
    for study in studies:
        ps, record = _ps(study), parse_study(study)
        ident, status, design = ps["identificationModule"], ps["statusModule"], ps["designModule"]
        elig = ps["eligibilityModule"]
        nct = ident["nctId"]
        assert record.source == SOURCE
        assert (nct, "NCT") in {(i.value, i.id_type) for i in record.identifiers}, nct
        assert record.title == ident["briefTitle"].strip()
        assert record.status == status["overallStatus"]
        assert record.phase == ("/".join(sorted(design["phases"], key=["EARLY_PHASE1", "PHASE1", "PHASE2", "PHASE3", "PHASE4", "NA"].index))
                                if design.get("phases") else None), nct
        assert record.study_type == design["studyType"]
        assert record.enrollment == design.get("enrollmentInfo", {}).get("count")
        assert record.enrollment_type == design.get("enrollmentInfo", {}).get("type")
        assert record.start_date == status["startDateStruct"]["date"]
        assert record.last_update_date == status["lastUpdatePostDateStruct"]["date"]
        assert record.sex == elig["sex"]
        assert record.min_age_years == (age_to_years(elig["minimumAge"]) if "minimumAge" in elig else None)
        assert record.healthy_volunteers == elig.get("healthyVolunteers")
        lead = ps["sponsorCollaboratorsModule"]["leadSponsor"]
        assert (record.lead_sponsor, record.lead_sponsor_class) == (lead["name"], lead["class"])
        assert [c.name for c in record.conditions] == ps["conditionsModule"]["conditions"]
        arms = ps.get("armsInterventionsModule", {})
        assert [a.label for a in record.arms] == [a["label"] for a in arms.get("armGroups", [])]
        assert [(i.name, i.intervention_type) for i in record.interventions] == [
            (i["name"], i["type"]) for i in arms.get("interventions", [])]
        sites = ps.get("contactsLocationsModule", {}).get("locations", [])
        assert len(record.locations) == len(sites)
        assert set(record.countries) == {s["country"] for s in sites if s.get("country")}


def test_criteria_split_on_every_real_study(studies):
    with_exclusion = with_criteria = 0
    for study in studies:
        record = parse_study(study)
        text = _ps(study)["eligibilityModule"]["eligibilityCriteria"]
        assert record.raw["criteria"] == text.strip()  # the whole text is kept
        with_criteria += bool(record.criteria)  # a study whose criteria only say "Nil" has none
        for kind in ("inclusion", "exclusion"):
            positions = [c.position for c in record.criteria if c.kind == kind]
            assert positions == list(range(1, len(positions) + 1))
        assert all(c.text and not c.text.startswith(("* ", "- ")) for c in record.criteria)  # marker removed
        with_exclusion += "exclusion" in text.lower() and any(c.kind == "exclusion" for c in record.criteria)
    assert with_criteria >= len(studies) - 3
    assert with_exclusion >= 400


def test_secondary_ids_are_typed_by_shape_and_hint():
    study = {"protocolSection": {"identificationModule": {
        "nctId": "NCT01234567",
        "nctIdAliases": ["NCT00000001"],
        "orgStudyIdInfo": {"id": "ABC-123"},
        "secondaryIdInfos": [
            {"id": "2004-002714-11", "type": "EUDRACT_NUMBER"},
            {"id": "R01 AI123456", "type": "NIH"},
            {"id": "U01CA999999", "type": "OTHER_GRANT"},
            {"id": "ISRCTN12345678", "type": "REGISTRY", "domain": "ISRCTN"},
            {"id": "SPONSOR-7", "type": "OTHER"},
            {"id": "not-a-eudract", "type": "EUDRACT_NUMBER"},
            {"id": "N/A"},
        ]}}}
    record = parse_study(study)
    typed = {(i.value, i.id_type, i.field) for i in record.identifiers}
    assert ("NCT01234567", "NCT", "nct_id") in typed
    assert ("NCT00000001", "NCT", "nct_id_alias") in typed
    assert ("ABC-123", "ORG_STUDY_ID", "org_study_id") in typed
    assert ("2004-002714-11", "EUDRACT", "secondary_id") in typed
    assert ("ISRCTN12345678", "ISRCTN", "secondary_id") in typed
    assert ("SPONSOR-7", "OTHER", "secondary_id") in typed
    assert {t for v, t, f in typed if v.startswith(("R01", "U01"))} == {"GRANT"}
    assert "identifier_type_mismatch: secondary_id='not-a-eudract' has no registry id shape" in record.warnings
    assert "junk_identifier: secondary_id='N/A'" in record.warnings


def test_unknown_enum_becomes_unmapped_warning_and_raw_is_kept():
    study = {"protocolSection": {
        "identificationModule": {"nctId": "NCT01234567", "briefTitle": "T"},
        "statusModule": {"overallStatus": "SLEEPING", "startDateStruct": {"date": "2007-03"}},
        "designModule": {"phases": ["PHASE2", "PHASE1"], "enrollmentInfo": {"count": 12, "type": "ESTIMATED"}},
    }}
    record = parse_study(study)
    assert record.status is None and record.raw["status"] == "SLEEPING"
    assert "unmapped_value: status='SLEEPING'" in record.warnings
    assert record.phase == normalize_phase(["PHASE1", "PHASE2"]) == "PHASE1/PHASE2"
    assert record.start_date == "2007-03"  # precision kept
    assert (record.enrollment, record.enrollment_type) == (12, "ESTIMATED")


def test_malformed_module_warns_and_keeps_the_rest():
    study = {"protocolSection": {
        "identificationModule": {"nctId": "NCT01234567", "briefTitle": "Kept"},
        "statusModule": ["not", "an", "object"],
        "designModule": {"phases": "PHASE1", "enrollmentInfo": {"count": "many"}},
        "armsInterventionsModule": {"armGroups": [None, 3, {"label": "A", "interventionNames": "x"}]},
        "eligibilityModule": {"eligibilityCriteria": 42, "sex": {"x": 1}},
    }}
    record = parse_study(copy.deepcopy(study))
    assert record.title == "Kept"
    assert any(w.startswith("malformed_section: statusModule") for w in record.warnings)
    assert [a.label for a in record.arms] == ["A"]
    assert "unmapped_value: enrollment='many'" in record.warnings
    assert record.enrollment is None and record.phase is None


def test_is_v2_study():
    assert is_v2_study({"protocolSection": {"identificationModule": {"nctId": "NCT01234567"}}})
    assert not is_v2_study({"protocolSection": {}})
    assert not is_v2_study([1, 2])


def _criteria(text):
    record = parse_study({"protocolSection": {"identificationModule": {"nctId": "NCT01234567"},
                                              "eligibilityModule": {"eligibilityCriteria": text}}})
    return [(c.kind, c.position, c.text) for c in record.criteria], record.warnings


def test_criteria_headings_bullets_numbers_and_markdown_escapes():
    text = ("Key Inclusion Criteria:\n\n* Age \\>= 18\n* Signed consent\n1. Numbered item\n\n"
            "Exclusion Criteria: Pregnancy\n- Prior therapy\n\nExclusion of patients with X\n")
    criteria, warnings = _criteria(text)
    assert criteria == [
        ("inclusion", 1, "Age >= 18"),
        ("inclusion", 2, "Signed consent"),
        ("inclusion", 3, "Numbered item"),
        ("exclusion", 1, "Pregnancy"),
        ("exclusion", 2, "Prior therapy"),
    ]
    # "Exclusion of patients with X" is no heading (no "criteria", text follows): a note line of
    # the exclusion block beside its list items, kept in raw and counted in a warning
    assert "criteria_note: exclusion n=1" in warnings


def test_criteria_short_headings_and_no_headings():
    criteria, warnings = _criteria("Inclusion:\n* a\nExclusion:\n* b")
    assert criteria == [("inclusion", 1, "a"), ("exclusion", 1, "b")]
    assert not [w for w in warnings if w.startswith("criteria_without_heading")]
    criteria, warnings = _criteria("* one\n* two")
    assert criteria == [("inclusion", 1, "one"), ("inclusion", 2, "two")]
    assert "criteria_without_heading: n=2 read as inclusion" in warnings


def test_criteria_blocks_keep_text_before_the_first_heading_as_inclusion():
    blocks, headed = criteria_blocks("Registration:\n\nInclusion Criteria:\n* a\nExclusion Criteria\n* b")
    assert headed
    assert blocks == [("inclusion", ["Registration:"]), ("inclusion", ["* a"]), ("exclusion", ["* b"])]
