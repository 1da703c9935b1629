"""MedPath layout on invented pages (structure of the public site's trial pages; trial,
sites and people made up for these tests)."""
from __future__ import annotations

from parsers import parse_text
from tests.parsers.pages import assemble
from tests.parsers.test_lines import lines_to_html

FR, DE = "\U0001F1EB\U0001F1F7", "\U0001F1E9\U0001F1EA"

SECTIONS = {
    "brand": ["MedPath", ""],
    "title": ["Nasal Oxytocin in Adolescent Anorexia Nervosa (NOXAN)", ""],
    "badges": ["Phase 2", "Not yet recruiting"],
    "Conditions": ["Conditions", "Anorexia Nervosa", "Adolescent Eating Disorder"],
    "Registration Number": ["Registration Number", "NCT09100023"],
    "Lead Sponsor": ["Lead Sponsor", "Hôpital Universitaire de Rivemont"],
    "Brief Summary": ["Brief Summary", "", "Does intranasal oxytocin help weight restoration?", ""],
    "Detailed Description": ["Detailed Description", "", "Not available", ""],
    "Recruitment": ["Recruitment & Eligibility", "", "Status", "Authorised, recruitment pending",
                    "Sex", "Female", "Actual Recruitment", "64"],
    "Inclusion Criteria": ["Inclusion Criteria", "", "• Age 12 to 17", "", "• DSM-5 anorexia nervosa", ""],
    "Exclusion Criteria": ["Exclusion Criteria", "", "• Nasal surgery", ""],
    "Study & Design": ["Study & Design", "", "Study Type", "Interventional", "Study Design", "Parallel Assignment"],
    "Primary Outcome Measures": ["Primary Outcome Measures", "NameTimeMethod", "Body mass index change", "",
                                "Baseline to week 12", "", "Weight restored (yes/no)", ""],
    "Secondary Outcome Measures": ["Secondary Outcome Measures", "NameTimeMethod", ""],
    "Trial Locations": ["Trial Locations", "", "Locations (3)", "",
                        "Hôpital Universitaire de Rivemont", "", FR, "", "Rivemont, France", "",
                        "Hôpital Universitaire de Rivemont", f"{FR}Rivemont, France", "Claire Dubois", "Site contact",
                        "+33 1 23 45 67 89", "c.dubois@example.org", "",
                        "Kinderklinik Nordhafen", "", DE, "", "Nordhafen, Schleswig-Holstein, Germany", "",
                        "Clinique du Lac", "", FR, "", "Annecy, France", ""],
    "footer": ["MedPath", "", "Trial intelligence for research teams.", "", "© 2025 MedPath, Inc. All rights reserved."],
}


def page(*, drop=(), replace=None) -> str:
    return assemble(SECTIONS, drop=drop, replace=replace)


def test_full_page_fields():
    r = parse_text(page())
    assert r.source == "medpath"
    assert r.title == "Nasal Oxytocin in Adolescent Anorexia Nervosa (NOXAN)" and r.acronym == "NOXAN"
    assert (r.phase, r.status) == ("PHASE2", "NOT_YET_RECRUITING")
    assert r.raw["registry_status"] == "Authorised, recruitment pending"
    assert [(i.value, i.id_type, i.field) for i in r.identifiers] == [("NCT09100023", "NCT", "registration_number")]
    assert r.lead_sponsor == "Hôpital Universitaire de Rivemont"
    assert r.brief_summary == "Does intranasal oxytocin help weight restoration?"
    assert r.detailed_description is None and r.raw["detailed_description"] == "Not available"
    assert (r.sex, r.enrollment, r.enrollment_type) == ("FEMALE", 64, "ACTUAL")
    assert (r.study_type, r.intervention_model) == ("INTERVENTIONAL", "PARALLEL")
    assert [c.text for c in r.criteria] == ["Age 12 to 17", "DSM-5 anorexia nervosa", "Nasal surgery"]
    assert not [w for w in r.warnings if w.startswith(("unused_lines", "unmapped_value", "section_error"))], r.warnings


def test_locations_cards_and_countries_in_order_of_appearance():
    r = parse_text(page())
    assert [(l.facility, l.city, l.state, l.country) for l in r.locations] == [
        ("Hôpital Universitaire de Rivemont", "Rivemont", None, "France"),
        ("Kinderklinik Nordhafen", "Nordhafen", "Schleswig-Holstein", "Germany"),
        ("Clinique du Lac", "Annecy", None, "France"),
    ]
    assert r.countries == ["France", "Germany"]
    assert [(c.name, c.role, c.phone, c.email) for c in r.contacts] == [
        ("Claire Dubois", "site_contact", "+33 1 23 45 67 89", "c.dubois@example.org")]


def test_location_count_mismatch_is_warned():
    locations = ["Trial Locations", "", "Locations (2)", "", "Clinique du Lac", "", FR, "", "Annecy, France", ""]
    r = parse_text(page(replace={"Trial Locations": locations}))
    assert "location_count_mismatch: page says 2, parsed 1" in r.warnings


def test_outcomes_with_time_frames():
    r = parse_text(page())
    assert [(o.kind, o.measure, o.time_frame) for o in r.outcomes] == [
        ("primary", "Body mass index change", "Baseline to week 12"), ("primary", "Weight restored (yes/no)", None)]


def test_missing_status_badge_falls_back_to_registry_status():
    r = parse_text(page(replace={"badges": ["Phase 2"]}))
    assert r.status == "NOT_YET_RECRUITING" and r.phase == "PHASE2"


def test_missing_phase_badge_and_eu_ct_only_registration():
    r = parse_text(page(replace={"badges": ["Recruiting"],
                                 "Registration Number": ["Registration Number", "2025-520011-33-00"]}))
    assert (r.phase, r.status) == (None, "RECRUITING")
    assert [(i.value, i.id_type) for i in r.identifiers] == [("2025-520011-33-00", "EU_CT")]


def test_target_recruitment_is_estimated_and_plain_recruitment_untyped():
    recruitment = ["Recruitment & Eligibility", "", "Status", "Recruiting", "Sex", "Not specified", "Target Recruitment", "30"]
    r = parse_text(page(replace={"Recruitment": recruitment}))
    assert (r.enrollment, r.enrollment_type, r.sex) == (30, "ESTIMATED", None)
    recruitment[-2] = "Recruitment"
    r = parse_text(page(replace={"Recruitment": recruitment}))
    assert (r.enrollment, r.enrollment_type) == (30, None)


def test_not_specified_design_is_null():
    design = ["Study & Design", "", "Study Type", "Not specified", "Study Design", "Not specified"]
    r = parse_text(page(replace={"Study & Design": design}))
    assert (r.study_type, r.intervention_model) == (None, None)
    assert not [w for w in r.warnings if w.startswith("unmapped_value")]


def test_missing_sections():
    r = parse_text(page(drop=("Lead Sponsor", "Trial Locations", "Exclusion Criteria", "Brief Summary")))
    assert r.lead_sponsor is None and r.locations == [] and r.countries == [] and r.brief_summary is None
    assert [c.kind for c in r.criteria] == ["inclusion", "inclusion"]


def test_html_and_crlf_forms_give_the_same_record():
    text = page()
    plain = parse_text(text).to_dict()
    assert parse_text("\ufeff" + text.replace("\n", "\r\n")).to_dict() == plain
    from_html = parse_text(lines_to_html(text))
    # lines_to_html puts every line in a <p>: the headings are untagged, which the HTML says is drift
    from_html.warnings = [w for w in from_html.warnings if not w.startswith("html_drift:")]
    assert from_html.to_dict() | {"raw": None} == plain | {"raw": None}


def test_unmappable_phase_badge_is_kept_raw_with_a_warning():
    r = parse_text(page(replace={"badges": ["Phase 5", "Recruiting"]}))
    assert r.phase is None and r.raw["phase"] == "Phase 5" and r.status == "RECRUITING"
    assert "unmapped_value: phase='Phase 5'" in r.warnings


def test_sites_without_a_flag_and_countries_with_a_comma():
    locations = ["Trial Locations", "", "Locations (2)", "",
                 "Seoul Clinic", "", "Seoul, Korea, Republic of", "",
                 "Seoul Clinic", "Seoul, Korea, Republic of", "Min Park", "Site contact", "+82 2 0000 0000", "",
                 "Harbour Hospital", "", "Tuen Mun, Hong Kong", ""]
    r = parse_text(page(replace={"Trial Locations": locations}))
    assert [(l.facility, l.city, l.country) for l in r.locations] == [
        ("Seoul Clinic", "Seoul", "Korea, Republic of"), ("Harbour Hospital", "Tuen Mun", "Hong Kong")]
    assert r.countries == ["Korea, Republic of", "Hong Kong"]
    assert [(c.name, c.phone) for c in r.contacts] == [("Min Park", "+82 2 0000 0000")]
    assert not [w for w in r.warnings if w.startswith(("unused_lines", "location_count"))], r.warnings


def test_wrapped_title_whose_second_line_reads_like_a_phase_stays_title():
    """The badges are the block's last lines (one phase, one status): a title wrapped before
    "Phase 2 RCT" keeps it, and the page says the title was joined."""
    r = parse_text(page(replace={"title": ["Cognitive Training for Opioid Use Disorder- A", "Phase 2 RCT", ""],
                                 "badges": ["Not Applicable", "Recruiting"]}))
    assert (r.title, r.phase, r.status) == ("Cognitive Training for Opioid Use Disorder- A Phase 2 RCT", "NA", "RECRUITING")
    assert "joined_lines: title from 2 lines" in r.warnings
