"""CT.gov-style text layout on invented pages: headings each followed by one explanatory
sentence (worded differently from the seed on purpose), unlabeled values placed by position."""
from __future__ import annotations

import pytest

from parsers import parse_text
from tests.parsers.pages import assemble
from tests.parsers.test_lines import lines_to_html


def section(heading: str, *values: str) -> list[str]:
    return [heading, f"Some site sentence about {heading.lower()}, which the parser must not read.", *values]


BLOCK_A = ["Walking program", "Intervention:", "Thirty minutes of brisk walking, 5 days a week."]
BLOCK_B = ["Step counter", "Intervention:", "A wrist pedometer.", "Worn all day."]

SECTIONS = {
    "top": ["Walking After Stroke Trial (WALK-AS)", "NCT ID: NCT09200031", "Last Updated: 2024-02"],
    "Basic Information": section("Basic Information", "COMPLETED", "NA", "120 participants", "INTERVENTIONAL",
                                 "2019-01-15", "2021-06", "2021-12-31"),
    "Brief Summary": section("Brief Summary", "Does walking help?", "Second paragraph."),
    "Detailed Description": section("Detailed Description"),
    "Conditions": section("Conditions", "Stroke", "Hemiparesis"),
    "Keywords": section("Keywords", "gait", "rehabilitation"),
    "Study Design": section("Study Design", "RANDOMIZED", "PARALLEL", "OTHER", "SINGLE"),
    "Study Groups": section("Study Groups", "Walking", "Walk daily with a counter.", *BLOCK_A, *BLOCK_B,
                            "Counter only", *BLOCK_B),
    "Interventions": section("Interventions", *BLOCK_A, *BLOCK_B),
    "Eligibility Criteria": section("Eligibility Criteria", "Inclusion Criteria", "* Stroke 3 to 12 months ago",
                                    "* Can walk 10 m", "Exclusion Criteria", "Key exclusions:", "* Heart failure",
                                    "40 Years", "N/A", "ALL", "No"),
    "Sponsors": section("Sponsors", "Lakeside Rehabilitation Centre", "OTHER", "National Gait Agency", "OTHER_GOV",
                        "StepCo Ltd", "INDUSTRY"),
    "Responsible Party": section("Responsible Party", "Lakeside Rehabilitation Centre"),
    "Principal Investigators": section("Principal Investigators", "Ana Ruiz, PT, PhD", "Role: PRINCIPAL_INVESTIGATOR",
                                       "Lakeside Rehabilitation Centre"),
    "Locations": section("Locations", "Lakeside Rehabilitation Centre, Gait Lab", "Portland, Oregon, United States",
                         "Hill Clinic", "Calgary, Alberta, Canada"),
    "Countries": section("Countries"),
    "Central Contacts": section("Central Contacts"),
    "Facility Contacts": section("Facility Contacts", "Sam Lee", "Role: primary"),
    "References": section("References", "Ruiz A. Walking after stroke. Gait J. 2018;1:1-9."),
    "Other Identifiers": section("Other Identifiers", "LRC-2018-07", "Identifier Type: -", "Identifier Source: org_study_id",
                                 "2018-004321-11", "Identifier Type: EUDRACT_NUMBER", "Identifier Source: secondary_id",
                                 "R01HD098765", "Identifier Type: NIH", "Identifier Source: secondary_id"),
}


def page(*, drop=(), replace=None) -> str:
    return assemble(SECTIONS, drop=drop, replace=replace)


def test_full_page_fields():
    r = parse_text(page())
    assert r.source == "ctgov_text"
    assert r.title == "Walking After Stroke Trial (WALK-AS)" and r.last_update_date == "2024-02"
    assert (r.status, r.phase, r.enrollment, r.enrollment_type, r.study_type) == (
        "COMPLETED", "NA", 120, None, "INTERVENTIONAL")
    assert (r.start_date, r.primary_completion_date, r.completion_date) == ("2019-01-15", "2021-06", "2021-12-31")
    assert r.brief_summary == "Does walking help?\nSecond paragraph." and r.detailed_description is None
    assert [c.name for c in r.conditions] == ["Stroke", "Hemiparesis"] and r.keywords == ["gait", "rehabilitation"]
    assert (r.allocation, r.intervention_model, r.primary_purpose, r.masking) == ("RANDOMIZED", "PARALLEL", "OTHER", "SINGLE")
    assert (r.min_age_years, r.max_age_years, r.sex, r.healthy_volunteers) == (40.0, None, "ALL", False)
    assert r.references == ["Ruiz A. Walking after stroke. Gait J. 2018;1:1-9."]
    assert not [w for w in r.warnings if w.startswith(("unused_lines", "unmapped_value", "section_error"))], r.warnings


def test_explanatory_sentences_never_become_values():
    r = parse_text(page())
    assert "sentence" not in repr(r.to_dict() | {"raw": None})


def test_interventions_and_groups_from_repeated_blocks():
    r = parse_text(page())
    assert [(i.name, i.intervention_type, i.description) for i in r.interventions] == [
        ("Walking program", None, "Thirty minutes of brisk walking, 5 days a week."),
        ("Step counter", None, "A wrist pedometer.\nWorn all day."),
    ]
    assert [(a.label, a.description, a.interventions) for a in r.arms] == [
        ("Walking", "Walk daily with a counter.", ["Walking program", "Step counter"]),
        ("Counter only", None, ["Step counter"]),
    ]


def test_intervention_type_after_the_marker_is_read():
    block = ["Drug X", "Intervention: DRUG", "10 mg daily"]
    r = parse_text(page(replace={"Interventions": section("Interventions", *block),
                                 "Study Groups": section("Study Groups", "Arm 1", *block)}))
    assert [(i.name, i.intervention_type) for i in r.interventions] == [("Drug X", "DRUG")]
    assert [(a.label, a.interventions) for a in r.arms] == [("Arm 1", ["Drug X"])]


def test_sponsors_lead_then_collaborators():
    r = parse_text(page())
    assert [(s.name, s.role, s.agency_class) for s in r.sponsors] == [
        ("Lakeside Rehabilitation Centre", "lead", "OTHER"), ("National Gait Agency", "collaborator", "OTHER_GOV"),
        ("StepCo Ltd", "collaborator", "INDUSTRY")]
    assert (r.lead_sponsor, r.lead_sponsor_class) == ("Lakeside Rehabilitation Centre", "OTHER")


def test_people_locations_and_derived_countries():
    r = parse_text(page())
    assert [(c.name, c.role, c.affiliation) for c in r.contacts] == [
        ("Ana Ruiz, PT, PhD", "PRINCIPAL_INVESTIGATOR", "Lakeside Rehabilitation Centre"), ("Sam Lee", "primary", None)]
    assert [(l.facility, l.city, l.state, l.country) for l in r.locations] == [
        ("Lakeside Rehabilitation Centre, Gait Lab", "Portland", "Oregon", "United States"),
        ("Hill Clinic", "Calgary", "Alberta", "Canada")]
    assert r.countries == ["United States", "Canada"]
    r = parse_text(page(replace={"Countries": section("Countries", "Canada")}))
    assert r.countries == ["Canada"]


def test_other_identifiers_by_source_and_shape():
    r = parse_text(page())
    assert [(i.value, i.id_type, i.field) for i in r.identifiers] == [
        ("NCT09200031", "NCT", "nct_id"), ("LRC-2018-07", "ORG_STUDY_ID", "org_study_id"),
        ("2018-004321-11", "EUDRACT", "secondary_id"), ("R01HD098765", "GRANT", "secondary_id")]


@pytest.mark.parametrize("dates, expected, warned", [
    (["2019-01-15"], ("2019-01-15", None, None), True),
    (["2019-01", "2021"], ("2019-01", None, "2021"), False),
    ([], (None, None, None), False),
])
def test_date_count_decides_which_dates(dates, expected, warned):
    basic = section("Basic Information", "RECRUITING", "PHASE2", "30 participants", "INTERVENTIONAL", *dates)
    r = parse_text(page(replace={"Basic Information": basic}))
    assert (r.start_date, r.primary_completion_date, r.completion_date) == expected
    assert any(w.startswith("ambiguous_dates") for w in r.warnings) == warned


def test_observational_study_without_phase_and_other_design_words():
    basic = section("Basic Information", "ACTIVE_NOT_RECRUITING", "500 participants", "OBSERVATIONAL", "2020-03-01", "2025-03-01")
    design = section("Study Design", "OTHER", "PROSPECTIVE")
    r = parse_text(page(replace={"Basic Information": basic, "Study Design": design}))
    assert (r.status, r.phase, r.enrollment, r.study_type) == ("ACTIVE_NOT_RECRUITING", None, 500, "OBSERVATIONAL")
    assert (r.start_date, r.completion_date) == ("2020-03-01", "2025-03-01")
    assert r.primary_purpose is None  # OTHER here is the observational model, by position
    assert (r.raw["observational_model"], r.raw["time_perspective"]) == ("OTHER", "PROSPECTIVE")
    assert (r.observational_model, r.time_perspective) == ("OTHER", "PROSPECTIVE")


def test_missing_status_does_not_shift_the_phase():
    basic = section("Basic Information", "PHASE3", "80 participants", "INTERVENTIONAL")
    r = parse_text(page(replace={"Basic Information": basic}))
    assert (r.status, r.phase, r.enrollment, r.study_type) == (None, "PHASE3", 80, "INTERVENTIONAL")


def test_ages_na_min_and_lone_age():
    elig = section("Eligibility Criteria", "Inclusion Criteria", "* Adult", "N/A", "65 Years", "FEMALE", "Yes")
    r = parse_text(page(replace={"Eligibility Criteria": elig}))
    assert (r.min_age_years, r.max_age_years, r.sex, r.healthy_volunteers) == (None, 65.0, "FEMALE", True)
    elig = section("Eligibility Criteria", "Inclusion Criteria", "* Adult", "18 Years", "ALL")
    r = parse_text(page(replace={"Eligibility Criteria": elig}))
    assert (r.min_age_years, r.max_age_years) == (18.0, None)
    assert any(w.startswith("ambiguous_age") for w in r.warnings)


def test_criteria_preamble_is_kept_but_not_counted():
    r = parse_text(page())
    assert [(c.kind, c.position, c.text) for c in r.criteria] == [
        ("inclusion", 1, "Stroke 3 to 12 months ago"), ("inclusion", 2, "Can walk 10 m"), ("exclusion", 1, "Heart failure")]
    assert "Key exclusions:" in r.raw["exclusion_criteria"]


def test_study_results_content_is_warned_not_lost():
    results = section("Study Results", "Participant flow: 120 started, 110 completed.")
    r = parse_text("\n".join([*SECTIONS["top"], *results]) + "\n" + page(drop=("top",)))
    assert "study_results_not_parsed: n=1" in r.warnings
    assert r.status == "COMPLETED"


def test_missing_sections_and_html_form():
    r = parse_text(page(drop=("Study Groups", "Sponsors", "Locations", "Other Identifiers")))
    assert r.arms == [] and r.sponsors == [] and r.countries == [] and len(r.identifiers) == 1
    text = page()
    from_html = parse_text(lines_to_html(text))
    # lines_to_html puts every line in a <p>: the headings are untagged, which the HTML says is drift
    assert any(w.startswith("html_drift:") for w in from_html.warnings)
    from_html.warnings = [w for w in from_html.warnings if not w.startswith("html_drift:")]
    assert from_html.to_dict() | {"raw": None} == parse_text(text).to_dict() | {"raw": None}
    assert parse_text("\ufeff" + text.replace("\n", "\r\n")).to_dict() == parse_text(text).to_dict()


def test_a_description_line_that_repeats_a_heading_stays_content():
    groups = section("Study Groups", "Walking", "Interventions", "are listed below.", *BLOCK_A)
    r = parse_text(page(replace={"Study Groups": groups}))
    assert [(a.label, a.description, a.interventions) for a in r.arms] == [
        ("Walking", "Interventions\nare listed below.", ["Walking program"])]
    assert [i.name for i in r.interventions] == ["Walking program", "Step counter"]
    assert not [w for w in r.warnings if w.startswith("unused_lines")], r.warnings


def test_free_text_starting_with_intervention_colon_is_not_a_block_marker():
    groups = section("Study Groups", "Walking", "Intervention: Behavioral: brisk walking every day", *BLOCK_A)
    r = parse_text(page(replace={"Study Groups": groups}))
    assert [(a.label, a.description) for a in r.arms] == [("Walking", "Intervention: Behavioral: brisk walking every day")]


def test_sites_listed_without_facility_names():
    sites = section("Locations", "Denver, Colorado, United States", "Miami, Florida, United States",
                    "Tampa, Florida, United States", "Boston, Massachusetts, United States")
    r = parse_text(page(replace={"Locations": sites}))
    assert [(l.facility, l.city, l.state) for l in r.locations] == [
        (None, "Denver", "Colorado"), (None, "Miami", "Florida"), (None, "Tampa", "Florida"), (None, "Boston", "Massachusetts")]
    assert r.countries == ["United States"]


def test_groups_without_interventions_are_read_as_one_and_flagged():
    groups = section("Study Groups", "Cases", "Adults with the disease", "Controls")
    r = parse_text(page(replace={"Study Groups": groups}))
    assert [(a.label, a.description) for a in r.arms] == [("Cases", "Adults with the disease\nControls")]
    assert any(w.startswith("ambiguous_groups") for w in r.warnings)
