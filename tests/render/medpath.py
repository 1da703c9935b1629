"""Render a v2 study as a MedPath trial page (the structure of seed 002).

Structure: brand line, title (with " (ACRONYM)"), phase and status lines, label/value pairs on
consecutive lines, criteria as "• " bullets separated by blank lines, outcome tables under a
"NameTimeMethod" header, location cards with a flag line. MedPath shows no ages, no dates and
no interventions. The footer tagline is our own wording (the page's is site copy).
"""
from __future__ import annotations

from tests.render.page import BLANK, Line, Page, blank_separated, values
from tests.render.study import (
    MODEL_DISPLAY, OBS_MODEL_DISPLAY, SEX_DISPLAY, STATUS_DISPLAY, STUDY_TYPE_DISPLAY, V2Study,
    one_line, split_criteria, text_lines,
)

LAYOUT = "medpath"

# ISO 3166-1 alpha-2 codes for the countries in the sample of real studies; a country not here
# simply gets no flag line (MedPath itself omits the flag when it has none).
COUNTRY_ISO2 = {
    "Argentina": "AR", "Australia": "AU", "Austria": "AT", "Belgium": "BE", "Brazil": "BR",
    "Bulgaria": "BG", "Canada": "CA", "Chile": "CL", "China": "CN", "Colombia": "CO",
    "Croatia": "HR", "Cuba": "CU", "Czechia": "CZ", "Denmark": "DK", "Egypt": "EG",
    "Estonia": "EE", "Finland": "FI", "France": "FR", "Georgia": "GE", "Germany": "DE",
    "Greece": "GR", "Hungary": "HU", "Iceland": "IS", "India": "IN", "Indonesia": "ID",
    "Iraq": "IQ", "Ireland": "IE", "Israel": "IL", "Italy": "IT", "Japan": "JP", "Jordan": "JO",
    "Lithuania": "LT", "Malaysia": "MY", "Mexico": "MX", "Netherlands": "NL", "Norway": "NO",
    "Pakistan": "PK", "Peru": "PE", "Poland": "PL", "Portugal": "PT", "Puerto Rico": "PR",
    "Romania": "RO", "Russian Federation": "RU", "Russia": "RU", "Serbia": "RS",
    "Singapore": "SG", "Slovenia": "SI", "South Korea": "KR", "Korea, Republic of": "KR",
    "Spain": "ES", "Sweden": "SE", "Switzerland": "CH", "Taiwan": "TW", "Turkey": "TR",
    "Turkey (Türkiye)": "TR", "United Arab Emirates": "AE", "United Kingdom": "GB",
    "United States": "US", "Vietnam": "VN",
}


def flag(country: str | None) -> str | None:
    code = COUNTRY_ISO2.get(one_line(country))
    if not code:
        return None
    return "".join(chr(0x1F1E6 + ord(letter) - ord("A")) for letter in code)


def phase_line(phases: list[str]) -> str | None:
    """MedPath's phase: "Phase 1/2", "Phase 2", "Early Phase 1", "Not Applicable"."""
    if not phases:
        return None
    if phases == ["NA"]:
        return "Not Applicable"
    if phases == ["EARLY_PHASE1"]:
        return "Early Phase 1"
    numbers = [p.removeprefix("EARLY_").removeprefix("PHASE") for p in phases]
    return "Phase " + "/".join(numbers)


def display_title(study: V2Study) -> str:
    title = study.brief_title
    if study.acronym and not title.endswith(f"({study.acronym})"):
        title = f"{title} ({study.acronym})"
    return title


def paragraphs(text: str) -> list[Line]:
    return blank_separated(values(text_lines(text), "para"))


def bullets(items: list[str]) -> list[Line]:
    return blank_separated([Line(item, "item", "• ") for item in items])


def outcome_lines(study: V2Study, kind: str, heading: str) -> list[Line]:
    out = [Line(heading, "heading"), Line("NameTimeMethod", "chrome")]
    for outcome in study.outcomes(kind):
        out += [Line(one_line(outcome["measure"])), BLANK]
        if one_line(outcome.get("timeFrame")):
            out += [Line(one_line(outcome["timeFrame"])), BLANK]
    if not study.outcomes(kind):
        out.append(BLANK)
    return out


def location_lines(study: V2Study) -> list[Line]:
    out = [Line("Trial Locations", "heading"), BLANK, Line(f"Locations ({len(study.locations)})", "heading"), BLANK]
    for location in study.locations:
        place = ", ".join(p for p in (one_line(location.get("city")), one_line(location.get("country"))) if p)
        facility = one_line(location.get("facility")) or place
        mark = flag(location.get("country"))
        block = [Line(facility)] + ([Line(mark, "chrome")] if mark else []) + ([Line(place)] if place else [])
        out += blank_separated(block)
        contacts = [c for c in location.get("contacts", []) if one_line(c.get("name"))]
        if contacts:  # the expanded site card, as on the sample page
            contact = contacts[0]
            out += [Line(facility), Line((mark or "") + place)]
            out += values(one_line(contact[k]) for k in ("name",) if contact.get(k))
            out.append(Line("Site contact"))
            out += values(one_line(contact[k]) for k in ("phone", "email") if contact.get(k))
            out.append(BLANK)
    return out


def render(study_json: dict) -> Page:
    study = V2Study(study_json)
    title = display_title(study)
    page = Page(LAYOUT, study.nct_id, title)
    page.add("brand", [Line("MedPath", "chrome"), BLANK])
    page.add("title", [Line(title, "heading"), BLANK])
    phase = phase_line(study.phases)
    page.add("badges", values([phase, STATUS_DISPLAY[study.status]] if phase else [STATUS_DISPLAY[study.status]]))
    page.add("Conditions", [Line("Conditions", "heading"), *values(study.conditions)])
    page.add("Registration Number", [Line("Registration Number", "heading"), Line(study.nct_id)])
    sponsor = one_line(study.lead_sponsor.get("name"))
    if sponsor:
        page.add("Lead Sponsor", [Line("Lead Sponsor", "heading"), Line(sponsor)])
    page.add("Brief Summary", [Line("Brief Summary", "heading"), BLANK, *paragraphs(study.brief_summary)], optional=True)
    detailed = paragraphs(study.detailed_description) or [Line("Not available"), BLANK]
    page.add("Detailed Description", [Line("Detailed Description", "heading"), BLANK, *detailed], optional=True)

    count, kind = study.enrollment
    recruitment = [Line("Recruitment & Eligibility", "heading"), BLANK,
                   Line("Status", "heading"), Line(STATUS_DISPLAY[study.status]),
                   Line("Sex", "heading"), Line(SEX_DISPLAY.get(study.sex, "Not specified"))]
    if count is not None:
        label = {"ESTIMATED": "Target Recruitment", "ACTUAL": "Actual Recruitment"}.get(kind or "", "Recruitment")
        recruitment += [Line(label, "heading"), Line(str(count))]
    page.add("Recruitment & Eligibility", recruitment)
    inclusion, exclusion = split_criteria(study.criteria_text)
    if inclusion:
        page.add("Inclusion Criteria", [Line("Inclusion Criteria", "heading"), BLANK, *bullets(inclusion)], optional=True)
    if exclusion:
        page.add("Exclusion Criteria", [Line("Exclusion Criteria", "heading"), BLANK, *bullets(exclusion)], optional=True)

    info = study.design_info
    design = MODEL_DISPLAY.get(info.get("interventionModel")) or OBS_MODEL_DISPLAY.get(info.get("observationalModel"))
    page.add("Study & Design", [
        Line("Study & Design", "heading"), BLANK,
        Line("Study Type", "heading"), Line(STUDY_TYPE_DISPLAY.get(study.study_type, "Not specified")),
        Line("Study Design", "heading"), Line(design or "Not specified"),
    ], optional=True)
    page.add("Primary Outcome Measures", outcome_lines(study, "primary", "Primary Outcome Measures"), optional=True)
    page.add("Secondary Outcome Measures", outcome_lines(study, "secondary", "Secondary Outcome Measures"), optional=True)
    page.add("Trial Locations", location_lines(study), optional=True)
    page.add("footer", [
        *blank_separated(values(["MedPath", "Trial intelligence for research teams."], "chrome")),
        Line("\u00a9 2025 MedPath, Inc. All rights reserved.", "chrome"),
    ])
    return page
