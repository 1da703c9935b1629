"""ClinicalTrials.Veeva layout on invented pages (the structure of the public site's trial
pages; trial, people and values made up for these tests)."""
from __future__ import annotations

import pytest

from parsers import parse_text
from parsers.sources import veeva
from tests.parsers.pages import assemble
from tests.parsers.test_lines import lines_to_html

SECTIONS = {
    "chrome": ["ClinicalTrials.Veeva", "", "Menu", ""],
    "title": ["Oral Vitamin K2 for Knee Osteoarthritis Pain (KNEEK)", "", "O", "", "Oakridge Health Institute", ""],
    "Status and phase": ["Status and phase", "", "Recruiting", "Phase 3", "Phase 2", ""],
    "Conditions": ["Conditions", "", "Knee Osteoarthritis", "Chronic Pain", ""],
    "Treatments": ["Treatments", "", "Drug: Menaquinone-7 (MK-7): 360 mcg", "Other: Placebo tablet", ""],
    "Study type": ["Study type", "", "Interventional", ""],
    "Funder types": ["Funder types", "", "Industry", "Other", ""],
    "Identifiers": ["Identifiers", "", "NCT09000017", "OHI-K2-2031", "2023-000123-45", "GRANTLESS-7", ""],
    "Details": ["Details and patient eligibility", ""],
    "About": ["About", "", "Does vitamin K2 reduce knee pain?", ""],
    "Full description": ["Full description", "", "Participants take 360 mcg MK-7 daily.", "", "  • Visit 1: baseline", ""],
    "Enrollment": ["Enrollment", "", "240 actual patients", ""],
    "Sex": ["Sex", "", "Female", ""],
    "Ages": ["Ages", "", "50+ years old", ""],
    "Volunteers": ["Volunteers", "", "Accepts Healthy Volunteers", ""],
    "Inclusion criteria": ["Inclusion criteria", "", "Participants must meet all of:", "",
                           "  1. Knee pain for 3 months", "  2. Kellgren-Lawrence grade 2 or 3", ""],
    "Exclusion criteria": ["Exclusion criteria", "", "  • Warfarin use", "  • Knee surgery in the last year",
                           "  • Pregnancy", ""],
    "Trial design": ["Trial design", "", "Primary purpose", "", "Treatment", "", "Allocation", "", "Randomized", "",
                     "Interventional model", "", "Parallel Assignment", "", "Masking", "", "Quadruple Blind", ""],
    "arms": ["240 participants in 3 patient groups", "",
             "MK-7 high dose", "Experimental group", "Description:", "360 mcg daily for 12 weeks",
             "Treatment:", "Drug: Menaquinone-7 (MK-7): 360 mcg",
             "Placebo", "Placebo Comparator group", "Description:", "one tablet daily",
             "Treatment:", "Other: Placebo tablet",
             "Usual care", "No Intervention group", ""],
    "contacts": ["Trial contacts and locations", "", "12", "", "Loading...", "", "Central trial contact", "",
                 "Dana Whitfield, RN", "", "Ola Berg", ""],
    "footer": ["Data sourced from clinicaltrials.gov", "", "Clinical trials", "",
               "Find clinical trialsTrials by location", "© Copyright 2026 Veeva Systems"],
}


def page(*, drop=(), replace=None, order=None) -> str:
    return assemble(SECTIONS, drop=drop, replace=replace, order=order)


def test_full_page_fields():
    r = parse_text(page())
    assert r.source == "veeva"
    assert r.title == "Oral Vitamin K2 for Knee Osteoarthritis Pain (KNEEK)"
    assert r.acronym == "KNEEK"
    assert r.lead_sponsor == "Oakridge Health Institute" and r.lead_sponsor_class == "INDUSTRY"
    assert [(s.name, s.role, s.agency_class) for s in r.sponsors] == [("Oakridge Health Institute", "lead", "INDUSTRY")]
    assert [(s.name, s.role, s.agency_class) for s in r.sponsors] == [("Oakridge Health Institute", "lead", "INDUSTRY")]
    assert (r.status, r.phase, r.study_type) == ("RECRUITING", "PHASE2/PHASE3", "INTERVENTIONAL")
    assert r.raw["phase"] == "Phase 3\nPhase 2"
    assert (r.enrollment, r.enrollment_type) == (240, "ACTUAL")
    assert (r.sex, r.min_age_years, r.max_age_years, r.healthy_volunteers) == ("FEMALE", 50.0, None, True)
    assert (r.primary_purpose, r.allocation, r.intervention_model, r.masking) == ("TREATMENT", "RANDOMIZED", "PARALLEL", "QUADRUPLE")
    assert [c.name for c in r.conditions] == ["Knee Osteoarthritis", "Chronic Pain"]
    assert r.brief_summary == "Does vitamin K2 reduce knee pain?"
    assert r.detailed_description == "Participants take 360 mcg MK-7 daily.\n• Visit 1: baseline"
    assert [c.name for c in r.contacts] == ["Dana Whitfield, RN", "Ola Berg"]
    assert r.raw["location_count"] == "12"
    assert not [w for w in r.warnings if w.startswith(("unused_lines", "unmapped_value", "section_error"))], r.warnings


def test_identifiers_typed_by_shape_first_non_registry_is_org_study_id():
    r = parse_text(page())
    assert [(i.value, i.id_type, i.field) for i in r.identifiers] == [
        ("NCT09000017", "NCT", "identifiers"),
        ("OHI-K2-2031", "ORG_STUDY_ID", "org_study_id"),
        ("2023-000123-45", "EUDRACT", "identifiers"),
        ("GRANTLESS-7", "OTHER", "secondary_id"),
    ]


def test_treatment_type_split_only_on_a_known_type_prefix():
    r = parse_text(page())
    assert [(i.intervention_type, i.type_raw, i.name) for i in r.interventions] == [
        ("DRUG", "Drug", "Menaquinone-7 (MK-7): 360 mcg"), ("OTHER", "Other", "Placebo tablet")]
    r = parse_text(page(drop=("arms",), replace={"Treatments": ["Treatments", "", "Knee brace: model X", ""]}))
    assert [(i.intervention_type, i.name) for i in r.interventions] == [(None, "Knee brace: model X")]


def test_arms_split_by_lookahead_on_arm_type_lines():
    r = parse_text(page())
    assert [(a.label, a.arm_type, a.description, a.interventions) for a in r.arms] == [
        ("MK-7 high dose", "EXPERIMENTAL", "360 mcg daily for 12 weeks", ["Menaquinone-7 (MK-7): 360 mcg"]),
        ("Placebo", "PLACEBO_COMPARATOR", "one tablet daily", ["Placebo tablet"]),
        ("Usual care", "NO_INTERVENTION", None, []),
    ]


def test_bare_treatment_line_then_next_arm_label():
    """A bare treatment name followed by the next arm's label: only the lookahead tells them apart."""
    arms = ["2 patient groups", "", "Combo", "Active Comparator group", "Treatment:", "Drug: Aspirin", "Physio",
            "Standard care", "Sham Comparator group", "Description:", "sham visits", ""]
    r = parse_text(page(replace={"arms": arms}))
    assert [(a.label, a.arm_type, a.interventions) for a in r.arms] == [
        ("Combo", "ACTIVE_COMPARATOR", ["Aspirin", "Physio"]), ("Standard care", "SHAM_COMPARATOR", [])]
    assert "arm_count_mismatch" not in " ".join(r.warnings)


def test_arm_count_mismatch_is_warned():
    arms = ["3 patient groups", "", "Only arm", "Experimental group", ""]
    r = parse_text(page(replace={"arms": arms}))
    assert len(r.arms) == 1
    assert "arm_count_mismatch: page says 3, parsed 1" in r.warnings


def test_criteria_items_preamble_is_not_a_criterion():
    r = parse_text(page())
    inclusion = [c.text for c in r.criteria if c.kind == "inclusion"]
    assert inclusion == ["Knee pain for 3 months", "Kellgren-Lawrence grade 2 or 3"]
    assert [c.position for c in r.criteria if c.kind == "exclusion"] == [1, 2, 3]
    assert "Participants must meet all of:" in r.raw["inclusion_criteria"]


def test_criteria_without_bullets_each_line_is_one():
    r = parse_text(page(replace={"Exclusion criteria": ["Exclusion criteria", "", "Warfarin use", "", "Pregnancy", ""]}))
    assert [c.text for c in r.criteria if c.kind == "exclusion"] == ["Warfarin use", "Pregnancy"]


@pytest.mark.parametrize("ages, expected", [
    ("18 to 65 years old", (18.0, 65.0)),
    ("Up to 65 years old", (None, 65.0)),
    ("6 months to 17 years old", (0.5, 17.0)),
    ("65 years and older", (65.0, None)),
])
def test_age_phrasings(ages, expected):
    r = parse_text(page(replace={"Ages": ["Ages", "", ages, ""]}))
    assert (r.min_age_years, r.max_age_years) == expected
    assert r.raw["ages"] == ages


def test_missing_sections_leave_nulls_not_defaults():
    r = parse_text(page(drop=("Treatments", "Funder types", "Ages", "Trial design", "Status and phase")))
    assert r.status is None and r.phase is None and r.lead_sponsor_class is None
    assert r.min_age_years is None and r.allocation is None
    # interventions still known from the arms
    assert [(i.intervention_type, i.name) for i in r.interventions] == [
        ("DRUG", "Menaquinone-7 (MK-7): 360 mcg"), ("OTHER", "Placebo tablet")]


def test_reordered_sections_and_status_after_phases():
    order = ["chrome", "title", "Identifiers", "Conditions", "Status and phase", "Sex", "Enrollment", "footer"]
    r = parse_text(page(order=order, replace={"Status and phase": ["Status and phase", "", "Phase 1", "Completed", ""]}))
    assert (r.status, r.phase, r.sex, r.enrollment) == ("COMPLETED", "PHASE1", "FEMALE", 240)


def test_unmapped_values_are_kept_and_warned():
    r = parse_text(page(replace={"Sex": ["Sex", "", "Mostly women", ""],
                                 "Status and phase": ["Status and phase", "", "Recruiting", "Phase 7", ""]}))
    assert r.sex is None and r.raw["sex"] == "Mostly women"
    assert "unmapped_value: sex='Mostly women'" in r.warnings
    assert r.phase is None and any(w.startswith("unmapped_value: phase=") for w in r.warnings)


def test_crlf_bom_nbsp_and_html_give_the_same_record():
    text = page()
    plain = parse_text(text).to_dict()
    noisy = "\ufeff" + text.replace("Oakridge Health", "Oakridge\u00a0Health").replace("\n", "\r\n")
    assert parse_text(noisy).to_dict() == plain
    from_html = parse_text(lines_to_html(text))
    # lines_to_html puts every line in a <p>: the headings are untagged, which the HTML says is drift
    from_html.warnings = [w for w in from_html.warnings if not w.startswith("html_drift:")]
    assert from_html.to_dict() | {"raw": None} == plain | {"raw": None}


def test_a_broken_section_does_not_lose_the_page(monkeypatch):
    def broken(record, block):
        raise KeyError("boom")

    monkeypatch.setitem(veeva.SPEC.readers, "Conditions", broken)
    r = parse_text(page())
    assert r.conditions == [] and r.status == "RECRUITING" and len(r.arms) == 3
    assert any(w.startswith("section_error: Conditions: KeyError") for w in r.warnings)


def test_unknown_lines_are_reported():
    r = parse_text(page(replace={"Study type": ["Study type", "", "Interventional", "Pilot study", ""]}))
    assert "unused_lines: Study type n=1" in r.warnings
    assert "Pilot study" in r.raw["unused_lines"]


def test_unknown_section_is_named_in_a_warning():
    extra = ["Study type", "", "Interventional", "", "Collaborators", "", "Riverside Clinic", ""]
    r = parse_text(page(replace={"Study type": extra}))
    assert r.study_type == "INTERVENTIONAL"
    assert "unknown_heading: 'Collaborators'" in r.warnings
    assert "unused_lines: Collaborators n=1" in r.warnings  # its own block, not read as Study type


def test_untyped_arms_and_an_arm_labelled_like_an_arm_type():
    arms = ["3 patient groups", "", "Cases", "Description:", "adults with the disease", "Controls",
            "Description:", "healthy adults", "Experimental group", "Experimental group", "Treatment:", "Drug: X", ""]
    r = parse_text(page(replace={"arms": arms}))
    assert [(a.label, a.arm_type, a.description) for a in r.arms] == [
        ("Cases", None, "adults with the disease"), ("Controls", None, "healthy adults"),
        ("Experimental group", "EXPERIMENTAL", None)]
    arms = ["2 patient groups", "", "Migraine", "Cluster headache", ""]
    r = parse_text(page(replace={"arms": arms}))
    assert [a.label for a in r.arms] == ["Migraine", "Cluster headache"]
