"""Render a v2 study as a ClinicalTrials.Veeva trial page (the structure of seeds 000/003/004).

Structure: site chrome, title, sponsor avatar letter, sponsor, then headed blocks separated by
blank lines; several values of one block stand on consecutive lines. Veeva shows no dates.
"""
from __future__ import annotations

import zlib

from tests.render.page import BLANK, Line, Page, blank_separated, values
from tests.render.study import (
    AGENCY_CLASS_DISPLAY, ALLOCATION_DISPLAY, ARM_TYPE_DISPLAY,
    MASKING_DISPLAY, MODEL_DISPLAY, OBS_MODEL_DISPLAY, PHASE_DISPLAY, PURPOSE_DISPLAY, SEX_DISPLAY,
    STATUS_DISPLAY, STUDY_TYPE_DISPLAY, TIME_PERSPECTIVE_DISPLAY, Age, V2Study, criteria_entries,
    intervention_label, one_line, strip_bullet, text_lines,
)

LAYOUT = "veeva"


def age_range(low: Age | None, high: Age | None) -> str | None:
    """Veeva's age line: "15 to 70 years old", "6 months to 17 years old", "18+ years old", "Up to 5 years old"."""
    if low and high:
        if low.unit == high.unit:
            return f"{low.number} to {high.number} {high.unit} old"
        return f"{low.number} {low.unit} to {high.number} {high.unit} old"
    if low:
        return f"{low.number}+ {low.unit} old"
    if high:
        return f"Up to {high.number} {high.unit} old"
    return None


def enrollment_line(count: int | None, kind: str | None) -> str | None:
    if count is None:
        return None
    word = {"ESTIMATED": "estimated ", "ACTUAL": "actual "}.get(kind or "", "")
    return f"{count} {word}patients"


def prose(text: str) -> list[Line]:
    """Free text as Veeva shows it: paragraphs separated by blank lines, list items as "  • x" runs."""
    entries = []
    for line in text_lines(text):
        is_item, body = strip_bullet(line)
        entries.append((True, body) if is_item and body else (False, line))
    return criteria_lines(entries, numbered=False)


def headed(title: str, body: list[Line]) -> list[Line]:
    """A heading, a blank line, then the body (which ends with its own blank line)."""
    return [Line(title, "heading"), BLANK, *body]


def criteria_lines(entries: list[tuple[bool, str]], numbered: bool) -> list[Line]:
    """List items as "  • x" or "  1. x"; a line that was not a list item in the registry text
    stands as its own paragraph between blank lines (as on sample page 004)."""
    out: list[Line] = []
    number = 0
    for is_item, text in entries:
        if is_item:
            number += 1
            out.append(Line(text, "item", f"  {number}. " if numbered else "  • "))
        else:
            if out and out[-1].kind == "item":
                out.append(BLANK)
            out += [Line(text, "para"), BLANK]
    if out and out[-1].kind == "item":
        out.append(BLANK)
    return out


def arm_lines(study: V2Study) -> list[Line]:
    out: list[Line] = []
    for arm in study.arms:
        out.append(Line(one_line(arm["label"])))
        if arm.get("type"):
            out.append(Line(f"{ARM_TYPE_DISPLAY[arm['type']]} group"))
        description = text_lines(arm.get("description"))
        if description:
            out += [Line("Description:"), *values(description, "para")]
        treatments = study.interventions_of_arm(arm)
        if treatments:
            out += [Line("Treatment:"), *values(intervention_label(i) for i in treatments)]
    return [*out, BLANK]


def design_blocks(study: V2Study) -> list[Line]:
    info = study.design_info
    pairs = [
        ("Primary purpose", PURPOSE_DISPLAY.get(info.get("primaryPurpose"))),
        ("Allocation", ALLOCATION_DISPLAY.get(info.get("allocation"))),
        ("Interventional model", MODEL_DISPLAY.get(info.get("interventionModel"))),
        ("Observational model", OBS_MODEL_DISPLAY.get(info.get("observationalModel"))),
        ("Time perspective", TIME_PERSPECTIVE_DISPLAY.get(info.get("timePerspective"))),
        ("Masking", MASKING_DISPLAY.get(study.masking)),
    ]
    out: list[Line] = []
    for label, value in pairs:
        if value:
            out += headed(label, [Line(value), BLANK])
    return out


def render(study_json: dict) -> Page:
    study = V2Study(study_json)
    page = Page(LAYOUT, study.nct_id, study.brief_title)
    sponsor = one_line(study.lead_sponsor.get("name"))
    initial = next((ch.upper() for ch in sponsor if ch.isalnum()), "?")

    page.add("chrome", blank_separated(values(["ClinicalTrials.Veeva", "Menu"], "chrome")))
    page.add("title", [Line(study.brief_title, "heading"), BLANK])
    page.add("sponsor", blank_separated([Line(initial, "chrome"), Line(sponsor)]))
    # Highest phase first, as on the sample page ("Phase 2" above "Phase 1").
    phases = [PHASE_DISPLAY[p] for p in reversed(study.phases)]
    page.add("Status and phase", headed("Status and phase", [*values([STATUS_DISPLAY[study.status], *phases]), BLANK]))
    page.add("Conditions", headed("Conditions", [*values(study.conditions), BLANK]))
    if study.interventions:
        page.add("Treatments", headed("Treatments", [*values(map(intervention_label, study.interventions)), BLANK]))
    if study.study_type:
        page.add("Study type", headed("Study type", [Line(STUDY_TYPE_DISPLAY[study.study_type]), BLANK]), optional=True)
    funders = []
    for sponsor_entry in [study.lead_sponsor, *study.collaborators]:
        label = AGENCY_CLASS_DISPLAY.get(sponsor_entry.get("class"))
        if label and label not in funders:
            funders.append(label)
    if funders:
        page.add("Funder types", headed("Funder types", [*values(funders), BLANK]), optional=True)
    ids = [study.nct_id, study.org_study_id, *(one_line(s["id"]) for s in study.secondary_ids)]
    page.add("Identifiers", headed("Identifiers", [*values(i for i in ids if i), BLANK]))

    page.add("Details and patient eligibility", [Line("Details and patient eligibility", "heading"), BLANK])
    if text_lines(study.brief_summary):
        page.add("About", headed("About", prose(study.brief_summary)), optional=True)
    if text_lines(study.detailed_description):
        page.add("Full description", headed("Full description", prose(study.detailed_description)), optional=True)
    enrollment = enrollment_line(*study.enrollment)
    if enrollment:
        page.add("Enrollment", headed("Enrollment", [Line(enrollment), BLANK]))
    if study.sex:
        page.add("Sex", headed("Sex", [Line(SEX_DISPLAY[study.sex]), BLANK]))
    ages = age_range(study.min_age, study.max_age)
    if ages:
        page.add("Ages", headed("Ages", [Line(ages), BLANK]))
    if study.healthy_volunteers is not None:
        volunteers = "Accepts Healthy Volunteers" if study.healthy_volunteers else "No Healthy Volunteers"
        page.add("Volunteers", headed("Volunteers", [Line(volunteers), BLANK]), optional=True)
    inclusion, exclusion = criteria_entries(study.criteria_text)
    numbered = zlib.crc32(study.nct_id.encode()) % 2 == 1  # both list styles occur on Veeva
    if inclusion:
        page.add("Inclusion criteria", headed("Inclusion criteria", criteria_lines(inclusion, numbered)), optional=True)
    if exclusion:
        page.add("Exclusion criteria", headed("Exclusion criteria", criteria_lines(exclusion, numbered)), optional=True)

    design = design_blocks(study)
    if design:
        page.add("Trial design", [Line("Trial design", "heading"), BLANK, *design], optional=True)
    if study.arms:
        count, _ = study.enrollment
        groups = len(study.arms)
        header = f"{groups} patient group{'s' if groups != 1 else ''}"
        if count is not None:
            header = f"{count} participants in {header}"
        page.add("arms", [Line(header, "heading"), BLANK, *arm_lines(study)], optional=True)

    contacts = [Line("Trial contacts and locations", "heading"), BLANK,
                *blank_separated([Line(str(len(study.locations))), Line("Loading...", "chrome")])]
    if study.central_contacts:
        names = values(one_line(c["name"]) for c in study.central_contacts)
        contacts += headed("Central trial contact", blank_separated(names))
    page.add("Trial contacts and locations", contacts, optional=True)
    page.add("footer", [
        *blank_separated(values(["Data sourced from clinicaltrials.gov", "Clinical trials"], "chrome")),
        Line("Find clinical trialsTrials by location", "chrome"),
        Line("\u00a9 Copyright 2026 Veeva Systems", "chrome"),
    ])
    return page
