"""Render a v2 study as the plain-text ClinicalTrials.gov rendering (the structure of seed 001).

Structure: title, "NCT ID:", "Last Updated:", then every section heading followed by one
explanatory sentence and the section's values, one per line, no blank lines; values are placed
by position and use the v2 enum words. Free text keeps CT.gov's markdown escapes, as the
sample does. The explanatory sentences below are our own wording (the parser skips that line
by position, so any sentence works).
"""
from __future__ import annotations

from tests.render.page import Line, Page, values
from tests.render.study import V2Study, one_line, split_criteria, text_lines

LAYOUT = "ctgov_text"

EXPLANATIONS = {
    "Study Results": "No results have been posted for this record so far.",
    "Basic Information": "Key facts at a glance: status, phase, size, type and dates.",
    "Brief Summary": "A short description written by the sponsor.",
    "Detailed Description": "Longer background text from the study team.",
    "Conditions": "Diseases or health problems the study is about.",
    "Keywords": "Words chosen to help people find this study.",
    "Study Design": "How participants are assigned, masked and followed.",
    "Study Groups": "The arms or cohorts and what each one receives.",
    "Interventions": "What is given or done to participants.",
    "Eligibility Criteria": "Who can and cannot take part.",
    "Sponsors": "Organizations that fund or support the study.",
    "Responsible Party": "Who answers for this registry entry.",
    "Principal Investigators": "Researchers leading the study.",
    "Locations": "Sites where participants take part.",
    "Countries": "Countries with at least one site.",
    "Central Contacts": "People to ask about taking part.",
    "Facility Contacts": "Contacts at individual sites.",
    "References": "Publications connected to this study.",
    "Other Identifiers": "Other numbers this study is known by.",
}
# Sections that carry no field the round trip compares; a variant may delete them.
OPTIONAL = {
    "Study Results", "Brief Summary", "Detailed Description", "Keywords", "Study Design",
    "Responsible Party", "Principal Investigators", "Locations", "Countries",
    "Central Contacts", "Facility Contacts", "References", "Other Identifiers",
}


def raw_lines(text: str | None) -> list[str]:
    return text_lines(text, unescape=False)


def intervention_block(intervention: dict) -> list[str]:
    return [one_line(intervention["name"]), "Intervention:", *raw_lines(intervention.get("description"))]


def basic_information(study: V2Study) -> list[str]:
    count, _ = study.enrollment
    out = [study.status]
    if study.phases:
        out.append("/".join(study.phases))
    if count is not None:
        out.append(f"{count} participants")
    if study.study_type:
        out.append(study.study_type)
    out += [d for d in (study.date("startDateStruct"), study.date("primaryCompletionDateStruct"),
                        study.date("completionDateStruct")) if d]
    return out


def study_design(study: V2Study) -> list[str]:
    info = study.design_info
    keys = ("allocation", "interventionModel", "primaryPurpose", "observationalModel", "timePerspective")
    return [v for v in (*(info.get(k) for k in keys), study.masking) if v]


def study_groups(study: V2Study) -> list[str]:
    out: list[str] = []
    for arm in study.arms:
        out += [one_line(arm["label"]), *raw_lines(arm.get("description"))]
        for intervention in study.interventions_of_arm(arm):
            out += intervention_block(intervention)
    return out


def eligibility(study: V2Study) -> list[str]:
    inclusion, exclusion = split_criteria(study.criteria_text, unescape=False)
    out: list[str] = []
    if inclusion:
        out += ["Inclusion Criteria", *(f"* {item}" for item in inclusion)]
    if exclusion:
        out += ["Exclusion Criteria", *(f"* {item}" for item in exclusion)]
    if study.raw_min_age or study.raw_max_age:
        out += [study.raw_min_age or "N/A", study.raw_max_age or "N/A"]
    if study.sex:
        out.append(study.sex)
    if study.healthy_volunteers is not None:
        out.append("Yes" if study.healthy_volunteers else "No")
    return out


def sponsors(study: V2Study) -> list[str]:
    out: list[str] = []
    for sponsor in [study.lead_sponsor, *study.collaborators]:
        if one_line(sponsor.get("name")):
            out += [one_line(sponsor["name"]), sponsor.get("class") or "UNKNOWN"]
    return out


def responsible_party(study: V2Study) -> list[str]:
    party = study.responsible_party
    name = one_line(party.get("investigatorFullName"))
    if not name and party.get("type") == "SPONSOR":
        name = one_line(study.lead_sponsor.get("name"))
    return [name] if name else []


def investigators(study: V2Study) -> list[str]:
    out: list[str] = []
    for official in study.officials:
        out += [one_line(official["name"]), f"Role: {official.get('role') or '-'}"]
        if one_line(official.get("affiliation")):
            out.append(one_line(official["affiliation"]))
    return out


def locations(study: V2Study) -> list[str]:
    out: list[str] = []
    for location in study.locations:
        place = ", ".join(p for p in map(one_line, (location.get(k) for k in ("city", "state", "country"))) if p)
        out += [line for line in (one_line(location.get("facility")), place) if line]
    return out


def contacts(people: list[dict]) -> list[str]:
    out: list[str] = []
    for person in people:
        if one_line(person.get("name")):
            out += [one_line(person["name"]), f"Role: {(person.get('role') or 'contact').lower()}"]
    return out


def other_identifiers(study: V2Study) -> list[str]:
    out: list[str] = []
    org = study.module("identificationModule").get("orgStudyIdInfo") or {}
    if study.org_study_id:
        out += [study.org_study_id, f"Identifier Type: {org.get('type') or '-'}", "Identifier Source: org_study_id"]
    for secondary in study.secondary_ids:
        out += [one_line(secondary["id"]), f"Identifier Type: {secondary.get('type') or '-'}",
                "Identifier Source: secondary_id"]
    return out


def render(study_json: dict) -> Page:
    study = V2Study(study_json)
    page = Page(LAYOUT, study.nct_id, study.brief_title)
    last_update = study.date("lastUpdatePostDateStruct")
    header = [study.brief_title, f"NCT ID: {study.nct_id}"] + ([f"Last Updated: {last_update}"] if last_update else [])
    page.add("header", [Line(header[0], "heading"), *values(header[1:])])
    facility_contacts = [c for loc in study.locations for c in loc.get("contacts", [])]
    bodies = {
        "Study Results": [],
        "Basic Information": basic_information(study),
        "Brief Summary": raw_lines(study.brief_summary),
        "Detailed Description": raw_lines(study.detailed_description),
        "Conditions": study.conditions,
        "Keywords": study.keywords,
        "Study Design": study_design(study),
        "Study Groups": study_groups(study),
        "Interventions": [line for i in study.interventions for line in intervention_block(i)],
        "Eligibility Criteria": eligibility(study),
        "Sponsors": sponsors(study),
        "Responsible Party": responsible_party(study),
        "Principal Investigators": investigators(study),
        "Locations": locations(study),
        "Countries": study.countries,
        "Central Contacts": contacts(study.central_contacts),
        "Facility Contacts": contacts(facility_contacts),
        "References": study.references,
        "Other Identifiers": other_identifiers(study),
    }
    for heading, body in bodies.items():
        lines = [Line(heading, "heading"), Line(EXPLANATIONS[heading], "chrome"), *values(body)]
        page.add(heading, lines, optional=heading in OPTIONAL)
    return page
