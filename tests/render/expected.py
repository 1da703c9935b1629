"""What a parser must read back from a rendered page, computed straight from the v2 JSON.

This is a small mapping of its own (it does not call the parser's normalizers), so a round trip
checks the parser against an independent statement of the truth. `SHOWN` says which fields
each layout shows; `observed` reads the same fields from a parsed `SourceRecord`.
"""
from __future__ import annotations

import math
import re

from tests.render.medpath import display_title
from tests.render.study import Age, V2Study, criteria_entries, one_line

# The identity and headline fields of each layout (the round trip's core) ...
CORE: dict[str, tuple[str, ...]] = {
    "veeva": ("nct_id", "title", "phase", "status", "enrollment", "enrollment_type", "sex",
              "min_age_years", "max_age_years", "conditions", "interventions"),
    "medpath": ("nct_id", "title", "phase", "status", "enrollment", "enrollment_type", "sex", "conditions"),
    "ctgov_text": ("nct_id", "title", "phase", "status", "enrollment", "enrollment_type", "sex",
                   "min_age_years", "max_age_years", "start_date", "conditions", "interventions"),
}
# ... and the other fields the layout shows, which the round trip checks as well.
DETAIL: dict[str, tuple[str, ...]] = {
    "veeva": ("identifiers", "lead_sponsor", "study_type", "healthy_volunteers", "allocation",
              "intervention_model", "masking", "primary_purpose", "observational_model", "time_perspective",
              "arms", "inclusion", "exclusion"),
    "medpath": ("lead_sponsor", "study_type", "countries", "inclusion", "exclusion"),
    # not "arms": on the CT.gov text page a group without interventions has no line that ends
    # it, so consecutive such groups cannot be told apart from one group's description lines
    "ctgov_text": ("identifiers", "last_update_date", "study_type", "healthy_volunteers", "allocation",
                   "intervention_model", "masking", "primary_purpose", "observational_model", "time_perspective",
                   "sponsors", "countries", "keywords",
                   "inclusion", "exclusion"),
}
SHOWN: dict[str, tuple[str, ...]] = {layout: CORE[layout] + DETAIL[layout] for layout in CORE}
# Fields that vanish with an optional section a variant deletes (the others stay derivable:
# the CT.gov text page's countries, for one, stand in both Locations and Countries).
CARRIED_BY: dict[str, dict[str, tuple[str, ...]]] = {
    "veeva": {
        "Study type": ("study_type",), "Volunteers": ("healthy_volunteers",),
        "Trial design": ("allocation", "intervention_model", "masking", "primary_purpose",
                         "observational_model", "time_perspective"),
        "arms": ("arms",), "Inclusion criteria": ("inclusion",), "Exclusion criteria": ("exclusion",),
    },
    "medpath": {
        "Study & Design": ("study_type",), "Trial Locations": ("countries",),
        "Inclusion Criteria": ("inclusion",), "Exclusion Criteria": ("exclusion",),
    },
    "ctgov_text": {
        "Study Design": ("allocation", "intervention_model", "masking", "primary_purpose",
                         "observational_model", "time_perspective"),
        "Keywords": ("keywords",),
    },
}

YEARS_PER_UNIT = {
    "year": 1.0, "month": 1 / 12, "week": 7 / 365.25, "day": 1 / 365.25,
    "hour": 1 / (365.25 * 24), "minute": 1 / (365.25 * 24 * 60),
}


def age_years(age: Age | None) -> float | None:
    if age is None:
        return None
    return age.number * YEARS_PER_UNIT[age.unit.removesuffix("s")]


def _key(text: str) -> str:
    return re.sub(r"[^0-9a-z]+", " ", text.casefold()).strip()


# A criteria line that only says "nothing here" ("None", "Nil", "N/A", "-") is no criterion.
_CRITERION_PLACEHOLDERS = frozenset(
    {"", "none", "nil", "na", "n a", "not applicable", "not specified", "not available"})
# An identifier field that holds no identifier ("TBA", "N/A", "-").
_ID_PLACEHOLDERS = _CRITERION_PLACEHOLDERS | {"tba", "tbd", "pending", "unknown"}


def shown_identifiers(study: V2Study, with_other_ids: bool = True) -> list[str]:
    """The distinct identifiers a page lists (NCT id, org study id, secondary ids), sorted."""
    values = [study.nct_id]
    if with_other_ids:
        values += [study.org_study_id or "", *(one_line(s["id"]) for s in study.secondary_ids)]
    return sorted({v for v in values if _key(v) not in _ID_PLACEHOLDERS})


def criteria_items(entries: list[tuple[bool, str]], layout: str) -> list[str]:
    """The criteria a reader counts in one block. Veeva alone keeps a registry line that was not
    a list item as a paragraph: beside list items it is a preamble, not a criterion (sample page
    004); in a block with no list item at all every line is one criterion."""
    if layout == "veeva" and any(is_item for is_item, _ in entries):
        entries = [(True, text) for is_item, text in entries if is_item]
    return [text for _, text in entries if _key(text) not in _CRITERION_PLACEHOLDERS]


def expected(study_json: dict, layout: str, omitted: frozenset[str] = frozenset()) -> dict:
    """The normalized values of the fields `layout` shows, for one v2 study whose page lacks
    the `omitted` sections."""
    study = V2Study(study_json)
    count, kind = study.enrollment
    info = study.design_info
    inclusion, exclusion = (criteria_items(entries, layout)
                            for entries in criteria_entries(study.criteria_text, unescape=layout != "ctgov_text"))
    values = {
        "nct_id": study.nct_id,
        "title": display_title(study) if layout == "medpath" else study.brief_title,
        "phase": "/".join(study.phases) or None,
        "status": study.status,
        "enrollment": count,
        # the CT.gov text rendering prints "N participants" without saying actual or estimated
        "enrollment_type": None if layout == "ctgov_text" else kind,
        "sex": study.sex,
        "min_age_years": age_years(study.min_age),
        "max_age_years": age_years(study.max_age),
        "start_date": study.date("startDateStruct"),
        "conditions": study.conditions,
        # Veeva prints "Type: name"; the CT.gov text prints the name only
        "interventions": ([(i.get("type"), one_line(i["name"])) for i in study.interventions]
                          if layout == "veeva" else [one_line(i["name"]) for i in study.interventions]),
        # the CT.gov text page lists the org and secondary ids under "Other Identifiers" only
        "identifiers": shown_identifiers(study, with_other_ids="Other Identifiers" not in omitted),
        "lead_sponsor": one_line(study.lead_sponsor.get("name")) or None,
        "study_type": study.study_type,
        "healthy_volunteers": study.healthy_volunteers,
        "allocation": info.get("allocation"),
        "intervention_model": info.get("interventionModel"),
        "masking": study.masking,
        "primary_purpose": info.get("primaryPurpose"),
        "observational_model": info.get("observationalModel"),
        "time_perspective": info.get("timePerspective"),
        "arms": [(one_line(a["label"]), a.get("type")) for a in study.arms],  # shown by Veeva only
        "inclusion": inclusion,
        "exclusion": exclusion,
        "countries": study.countries,
        "keywords": study.keywords,
        "sponsors": [(one_line(s.get("name")), s.get("class") or "UNKNOWN")
                     for s in [study.lead_sponsor, *study.collaborators] if one_line(s.get("name"))],
        "last_update_date": study.date("lastUpdatePostDateStruct"),
    }
    for section in omitted:
        for name in CARRIED_BY[layout].get(section, ()):
            values[name] = [] if isinstance(values[name], list) else None
    return {name: values[name] for name in SHOWN[layout]}


def observed(record, layout: str) -> dict:
    """The same fields read from a parsed SourceRecord."""
    nct = [i.value for i in record.identifiers if i.id_type == "NCT"]
    values = {
        "nct_id": nct[0] if nct else None,
        "title": record.title,
        "phase": record.phase,
        "status": record.status,
        "enrollment": record.enrollment,
        "enrollment_type": record.enrollment_type,
        "sex": record.sex,
        "min_age_years": record.min_age_years,
        "max_age_years": record.max_age_years,
        "start_date": record.start_date,
        "conditions": [c.name for c in record.conditions],
        "interventions": ([(i.intervention_type, i.name) for i in record.interventions]
                          if layout == "veeva" else [i.name for i in record.interventions]),
        "identifiers": sorted({i.raw for i in record.identifiers}),
        "lead_sponsor": record.lead_sponsor,
        "study_type": record.study_type,
        "healthy_volunteers": record.healthy_volunteers,
        "allocation": record.allocation,
        "intervention_model": record.intervention_model,
        "masking": record.masking,
        "primary_purpose": record.primary_purpose,
        "observational_model": record.observational_model,
        "time_perspective": record.time_perspective,
        "arms": [(a.label, a.arm_type) for a in record.arms],
        "inclusion": [c.text for c in record.criteria if c.kind == "inclusion"],
        "exclusion": [c.text for c in record.criteria if c.kind == "exclusion"],
        "countries": list(record.countries),
        "keywords": list(record.keywords),
        "sponsors": [(s.name, s.agency_class) for s in record.sponsors if s.role in ("lead", "collaborator")],
        "last_update_date": record.last_update_date,
    }
    return {name: values[name] for name in SHOWN[layout]}


def same(field: str, want, got) -> bool:
    if field.endswith("_years") and want is not None and got is not None:
        return math.isclose(want, got, rel_tol=1e-9, abs_tol=1e-6)
    return want == got
