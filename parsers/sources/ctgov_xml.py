"""Legacy ClinicalTrials.gov `<clinical_study>` XML -> SourceRecord (source "ctgov_xml").

Parsed with lxml with entity expansion, DTD loading and network access off and huge_tree off:
a raw file cannot make the parser fetch or expand anything. Every SourceRecord field the XML
has is read, and its words are mapped to the v2 vocabulary by the shared normalizers
('Phase 1/Phase 2' -> PHASE1/PHASE2, 'Anticipated' -> ESTIMATED, 'N/A' -> NA, 'Unknown status'
-> UNKNOWN, '18 Years' -> 18.0, 'March 2007' -> 2007-03). A file holds one study (record key
None); a wrapper element holding several `<clinical_study>` gives one record per study, keyed
by NCT id.
"""
from __future__ import annotations

import re

from lxml import etree

from parsers.normalize import ages, dates, design, enrollment, phase, sex, status, types
from parsers.normalize.conditions import condition_key
from parsers.record import (
    Arm,
    Condition,
    Contact,
    Intervention,
    Location,
    Outcome,
    RecordOutcome,
    SourceRecord,
    Sponsor,
    parsed_outcome,
)
from parsers.sources.ctgov_json import (
    add_eligibility_criteria,
    add_identifier,
    current_parser_version,
    normalized_value,
)

SOURCE = "ctgov_xml"
_ROOT = "clinical_study"
_HEAD = re.compile(r"<\s*clinical_study[\s>]")
_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")


_STARTS_WITH_TAG = re.compile(r"[\ufeff \t\r\n]*<")


def sniff(text: str) -> bool:
    if not _STARTS_WITH_TAG.match(text):  # most pages: no 4 KB head is cut
        return False
    return bool(_HEAD.search(text[:4096].lstrip("\ufeff \t\r\n")))


def _parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False,
                           remove_comments=True, remove_pis=True)


def split(text: str) -> list[RecordOutcome]:
    # the text is already decoded: drop the declaration so its encoding= cannot disagree
    body = _DECLARATION.sub("", text.lstrip("\ufeff"), count=1)
    try:
        root = etree.fromstring(body.encode("utf-8"), _parser())
    except etree.XMLSyntaxError as exc:
        return [RecordOutcome(None, reason="malformed_xml", detail=str(exc)[:500])]
    if root.tag == _ROOT:
        return [parsed_outcome(None, parse_study, root)]
    studies = root.findall(f".//{_ROOT}")
    if not studies:
        return [RecordOutcome(None, reason="unknown_layout", detail=f"XML root <{root.tag}> holds no <clinical_study>")]
    if len(studies) == 1:
        return [parsed_outcome(None, parse_study, studies[0])]
    return [parsed_outcome(_text(s, "id_info/nct_id") or str(n), parse_study, s) for n, s in enumerate(studies, 1)]


def parse_study(study: etree._Element, parser_version: str | None = None) -> SourceRecord:
    record = SourceRecord(source=SOURCE, parser_version=parser_version or current_parser_version())
    for reader in _READERS:
        try:
            reader(study, record)
        except Exception as exc:  # noqa: BLE001 - a bad section must not lose the others
            record.warn("malformed_section", f"{reader.__name__.lstrip('_')}: {type(exc).__name__}: {exc}")
    return record


# --- small readers ----------------------------------------------------------------------------

def _text(node: etree._Element | None, path: str | None = None) -> str | None:
    """Stripped text of node (or of its first `path` child; a <textblock> inside is read too)."""
    if node is not None and path:
        node = node.find(path)
    if node is None:
        return None
    block = node.find("textblock")
    text = "".join((block if block is not None else node).itertext())
    return text.strip() or None


def _texts(node: etree._Element, path: str) -> list[str]:
    return [t for t in (_text(n) for n in node.findall(path)) if t]


def _block(text: str | None) -> str | None:
    """A <textblock>: the XML indents and hard-wraps it; keep paragraphs, join wrapped lines."""
    if not text:
        return None
    paragraphs = re.split(r"\n\s*\n", text.strip())
    return "\n\n".join(" ".join(p.split()) for p in paragraphs if p.strip()) or None


def _set(record: SourceRecord, field: str, normalizer, raw: str | None) -> None:
    if raw is None:
        return
    record.raw[field] = raw
    setattr(record, field, normalized_value(record, field, normalizer, raw))


# --- sections ---------------------------------------------------------------------------------

def _identification(study, record: SourceRecord) -> None:
    nct = _text(study, "id_info/nct_id")
    if nct:
        add_identifier(record, nct, "nct_id", "OTHER", expect="NCT")
    for alias in _texts(study, "id_info/nct_alias"):
        add_identifier(record, alias, "nct_id_alias", "OTHER", expect="NCT")
    org = _text(study, "id_info/org_study_id")
    if org:
        add_identifier(record, org, "org_study_id", "ORG_STUDY_ID")
    for secondary in _texts(study, "id_info/secondary_id"):
        add_identifier(record, secondary, "secondary_id", "OTHER")
    _set(record, "title", str.strip, _text(study, "brief_title"))
    _set(record, "official_title", str.strip, _text(study, "official_title"))
    _set(record, "acronym", str.strip, _text(study, "acronym"))


def _status(study, record: SourceRecord) -> None:
    _set(record, "status", status.normalize_status, _text(study, "overall_status"))
    last_known = _text(study, "last_known_status")  # v2 lastKnownStatus: no record field, kept raw
    if last_known:
        record.raw["last_known_status"] = last_known
    updated = study.find("last_update_posted")
    if updated is None:  # records downloaded before 2017 name it lastchanged_date
        updated = study.find("lastchanged_date")
    for field, node in (("start_date", study.find("start_date")),
                        ("primary_completion_date", study.find("primary_completion_date")),
                        ("completion_date", study.find("completion_date")),
                        ("last_update_date", updated)):
        _set(record, field, dates.normalize_date, _text(node))
        if node is not None and node.get("type"):
            record.raw[f"{field}_type"] = node.get("type")


def _sponsors(study, record: SourceRecord) -> None:
    for node in study.findall("sponsors/*"):
        name = _text(node, "agency")
        if not name or node.tag not in ("lead_sponsor", "collaborator"):
            continue
        class_raw = _text(node, "agency_class")
        field = "lead_sponsor_class" if node.tag == "lead_sponsor" else "collaborator_class"
        agency = normalized_value(record, field, types.normalize_agency_class, class_raw)
        if node.tag == "lead_sponsor":
            record.lead_sponsor, record.lead_sponsor_class = name, agency
            record.raw["lead_sponsor"] = name
            if class_raw:
                record.raw["lead_sponsor_class"] = class_raw
        record.sponsors.append(Sponsor(name=name, role="lead" if node.tag == "lead_sponsor" else "collaborator",
                                       agency_class=agency, class_raw=class_raw))


def _description(study, record: SourceRecord) -> None:
    _set(record, "brief_summary", str.strip, _block(_text(study, "brief_summary")))
    _set(record, "detailed_description", str.strip, _block(_text(study, "detailed_description")))


def _conditions(study, record: SourceRecord) -> None:
    for name in _texts(study, "condition"):
        record.conditions.append(Condition(name=name, normalized=condition_key(name)))
    record.keywords.extend(_texts(study, "keyword"))


def _design(study, record: SourceRecord) -> None:
    _set(record, "study_type", design.normalize_study_type, _text(study, "study_type"))
    phase_raw = _text(study, "phase")
    if phase_raw:
        _set(record, "phase", phase.normalize_phase, phase_raw)
    info = study.find("study_design_info")
    if info is not None:
        _set(record, "allocation", design.normalize_allocation, _text(info, "allocation"))
        _set(record, "intervention_model", design.normalize_intervention_model, _text(info, "intervention_model"))
        _set(record, "primary_purpose", design.normalize_primary_purpose, _text(info, "primary_purpose"))
        _set(record, "masking", design.normalize_masking, _text(info, "masking"))
        _set(record, "observational_model", design.normalize_observational_model, _text(info, "observational_model"))
        _set(record, "time_perspective", design.normalize_time_perspective, _text(info, "time_perspective"))
    enrolled = study.find("enrollment")
    count = _text(enrolled)
    if count is not None:
        record.raw["enrollment"] = count
        if count.isdigit():
            record.enrollment = int(count)
        else:
            record.warn("unmapped_value", f"enrollment={count!r}")
        _set(record, "enrollment_type", enrollment.normalize_enrollment_type, enrolled.get("type"))


def _arms_interventions(study, record: SourceRecord) -> None:
    labels_by_intervention: dict[str, list[str]] = {}
    for node in study.findall("intervention"):
        name = _text(node, "intervention_name")
        if not name:
            continue
        type_raw = _text(node, "intervention_type")
        record.interventions.append(Intervention(
            name=name, intervention_type=normalized_value(record, "intervention_type", types.normalize_intervention_type, type_raw),
            type_raw=type_raw, description=_text(node, "description")))
        for label in _texts(node, "arm_group_label"):
            labels_by_intervention.setdefault(label, []).append(name)
    for node in study.findall("arm_group"):
        label = _text(node, "arm_group_label")
        if not label:
            continue
        type_raw = _text(node, "arm_group_type")
        # the XML lists each intervention's arms; v2 lists each arm's interventions
        record.arms.append(Arm(label=label, arm_type=normalized_value(record, "arm_type", types.normalize_arm_type, type_raw),
                               type_raw=type_raw, description=_text(node, "description"),
                               interventions=labels_by_intervention.get(label, [])))


def _outcomes(study, record: SourceRecord) -> None:
    for kind, tag in (("primary", "primary_outcome"), ("secondary", "secondary_outcome"), ("other", "other_outcome")):
        for node in study.findall(tag):
            measure = _text(node, "measure")
            if measure:
                record.outcomes.append(Outcome(kind=kind, measure=measure, time_frame=_text(node, "time_frame"),
                                               description=_text(node, "description")))


def _eligibility(study, record: SourceRecord) -> None:
    node = study.find("eligibility")
    if node is None:
        return
    criteria = _criteria_text(_text(node, "criteria"))
    if criteria:
        record.raw["criteria"] = criteria
        add_eligibility_criteria(record, criteria)
    healthy = _text(node, "healthy_volunteers")
    if healthy:
        record.raw["healthy_volunteers"] = healthy
        record.healthy_volunteers = normalized_value(record, "healthy_volunteers", design.normalize_healthy_volunteers, healthy)
    _set(record, "sex", sex.normalize_sex, _text(node, "gender"))
    _set(record, "min_age_years", ages.age_to_years, _text(node, "minimum_age"))
    _set(record, "max_age_years", ages.age_to_years, _text(node, "maximum_age"))


_BULLET = re.compile(r"^\s*(?:-|\*|•|\d{1,3}[.)])\s+")


def _criteria_text(text: str | None) -> str | None:
    """The XML criteria textblock as the markdown v2 uses: one line per item ("* item"), a
    hard-wrapped continuation joined to its item, headings on their own line."""
    if not text:
        return None
    lines: list[str] = []
    joinable = False  # the previous line is an item or a wrapped paragraph that may continue
    for raw in text.replace("\r\n", "\n").split("\n"):
        line = raw.strip()
        if not line:
            joinable = False
            continue
        if _BULLET.match(raw):
            lines.append("* " + _BULLET.sub("", raw).strip())
            joinable = True
        elif joinable and lines:
            lines[-1] += " " + line
        else:
            lines.append(line)
            joinable = not line.endswith(":")
    return "\n".join(lines) or None


def _contacts_locations(study, record: SourceRecord) -> None:
    for node in study.findall("overall_official"):
        name = _text(node, "last_name")
        if name:
            record.contacts.append(Contact(name=name, role=_text(node, "role"), affiliation=_text(node, "affiliation")))
    for tag in ("overall_contact", "overall_contact_backup"):
        for node in study.findall(tag):
            name = _text(node, "last_name")
            if name:
                record.contacts.append(Contact(name=name, role="central_contact", phone=_text(node, "phone"),
                                               email=_text(node, "email")))
    for node in study.findall("location"):
        facility = node.find("facility")
        parts = {"facility": _text(facility, "name"), "city": _text(facility, "address/city"),
                 "state": _text(facility, "address/state"), "zip": _text(facility, "address/zip"),
                 "country": _text(facility, "address/country")}
        if not any(parts.values()):
            continue
        record.locations.append(Location(facility=parts["facility"], city=parts["city"], state=parts["state"],
                                         country=parts["country"], raw=", ".join(v for v in parts.values() if v)))
    for country in [*_texts(study, "location_countries/country"),
                    *(loc.country for loc in record.locations if loc.country)]:
        if country not in record.countries:
            record.countries.append(country)


def _references(study, record: SourceRecord) -> None:
    for tag in ("reference", "results_reference"):
        for node in study.findall(tag):
            citation, pmid = _text(node, "citation"), _text(node, "PMID")
            text = f"{citation} PMID:{pmid}" if citation and pmid else citation or (f"PMID:{pmid}" if pmid else None)
            if text:
                record.references.append(text)


_READERS = (_identification, _status, _sponsors, _description, _conditions, _design, _arms_interventions,
            _outcomes, _eligibility, _contacts_locations, _references)
