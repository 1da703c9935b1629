"""ClinicalTrials.gov API v2 study JSON -> SourceRecord (source "ctgov_json").

Maps the whole `protocolSection`. v2 enums already are the canonical vocabulary, so the
normalizers map them to themselves; they still run, so a value outside the vocabulary
becomes an "unmapped_value" warning instead of passing through unchecked.

Never raises on content: each module is read by its own function; a module whose shape is
wrong (a list where an object belongs, a number where text belongs) yields a
"malformed_section: <module>: <error>" warning and the other modules are still used.
"""
from __future__ import annotations

import re
from typing import Any, Callable

from parsers.identifiers import classify_identifier, find_registry_ids, is_registry_type
from parsers.normalize import Unmapped
from parsers.normalize.ages import age_to_years
from parsers.normalize.conditions import condition_key
from parsers.normalize.dates import normalize_date
from parsers.normalize.design import (
    normalize_allocation,
    normalize_healthy_volunteers,
    normalize_intervention_model,
    normalize_masking,
    normalize_observational_model,
    normalize_primary_purpose,
    normalize_study_type,
    normalize_time_perspective,
)
from parsers.normalize.enrollment import normalize_enrollment_type
from parsers.normalize.phase import normalize_phase
from parsers.normalize.sex import normalize_sex
from parsers.normalize.status import normalize_status
from parsers.normalize.types import normalize_agency_class, normalize_arm_type, normalize_intervention_type
from parsers.record import (
    Arm,
    Condition,
    Contact,
    Identifier,
    Intervention,
    Location,
    Outcome,
    SourceRecord,
    Sponsor,
)

SOURCE = "ctgov_json"

# secondaryIdInfos[].type -> default id_type when the value's shape is not a registry id.
_GRANT_HINTS = frozenset({"NIH", "OTHER_GRANT", "FDA", "VA", "CDC", "AHRQ", "SAMHSA"})
# Hints that promise a registry id: a value of another shape earns a warning.
_REGISTRY_HINTS = frozenset({"EUDRACT_NUMBER", "CTIS"})


def is_v2_study(data: object) -> bool:
    """True for one v2 study object (protocolSection.identificationModule.nctId present)."""
    if not isinstance(data, dict):
        return False
    ident = _obj(_obj(data.get("protocolSection")).get("identificationModule"))
    return isinstance(ident.get("nctId"), str)


def parse_study(study: dict, parser_version: str | None = None) -> SourceRecord:
    """One v2 study (the object holding protocolSection) -> SourceRecord."""
    record = SourceRecord(source=SOURCE, parser_version=parser_version or current_parser_version())
    protocol = _obj(study.get("protocolSection") if isinstance(study, dict) else None)
    if not protocol:
        record.warn("malformed_section", "protocolSection missing or not an object")
        return record
    for module, reader in _READERS:
        section = protocol.get(module)
        if section is None:
            continue
        if not isinstance(section, dict):
            record.warn("malformed_section", f"{module}: expected an object, got {type(section).__name__}")
            continue
        try:
            reader(section, record)
        except Exception as exc:  # noqa: BLE001 - a bad module must not lose the others
            record.warn("malformed_section", f"{module}: {type(exc).__name__}: {exc}")
    return record


def current_parser_version() -> str:
    try:
        from parsers import PARSER_VERSION  # set by the PARSERS package; absent while it lands
    except ImportError:
        return "0"
    return str(PARSER_VERSION)


# --- small readers ----------------------------------------------------------------------------

def _obj(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def _objs(value: Any) -> list[dict]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _text(value: Any) -> str | None:
    """A non-empty string (numbers are accepted as their text), else None."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        value = str(value)
    if not isinstance(value, str):
        return None
    value = value.strip()
    return value or None


def _texts(value: Any) -> list[str]:
    return [t for t in (_text(v) for v in value) if t] if isinstance(value, list) else []


def normalized_value(record: SourceRecord, field: str, normalizer: Callable[[Any], Any], raw: Any) -> Any:
    """normalizer(raw); an Unmapped value becomes a warning and None (the raw string is kept)."""
    if raw is None:
        return None
    try:
        return normalizer(raw)
    except Unmapped:
        record.warn("unmapped_value", f"{field}={raw!r}")
        return None


def _set(record: SourceRecord, field: str, normalizer: Callable[[Any], Any], raw: Any) -> None:
    if raw is None:
        return
    record.raw[field] = raw if isinstance(raw, str) else ", ".join(map(str, raw)) if isinstance(raw, list) else str(raw)
    setattr(record, field, normalized_value(record, field, normalizer, raw))


# --- modules ----------------------------------------------------------------------------------

def _identification(module: dict, record: SourceRecord) -> None:
    nct = _text(module.get("nctId"))
    if nct:
        add_identifier(record, nct, "nct_id", "OTHER", expect="NCT")
    for alias in _texts(module.get("nctIdAliases")):
        add_identifier(record, alias, "nct_id_alias", "OTHER", expect="NCT")
    org = _obj(module.get("orgStudyIdInfo"))
    org_id = _text(org.get("id"))
    if org_id:
        default = "GRANT" if org.get("type") in _GRANT_HINTS else "ORG_STUDY_ID"
        add_identifier(record, org_id, "org_study_id", default)
    for info in _objs(module.get("secondaryIdInfos")):
        value = _text(info.get("id"))
        if not value:
            continue
        hint = _text(info.get("type"))
        default = "GRANT" if hint in _GRANT_HINTS else "OTHER"
        # REGISTRY also covers non-WHO registries (SNCTP, NCI-...): only EudraCT/CTIS hints promise a shape
        add_identifier(record, value, "secondary_id", default, expect="registry" if hint in _REGISTRY_HINTS else None)
    _set(record, "title", _text, _text(module.get("briefTitle")))
    _set(record, "official_title", _text, _text(module.get("officialTitle")))
    _set(record, "acronym", _text, _text(module.get("acronym")))


def add_identifier(record: SourceRecord, raw: str, field: str, default_type: str, expect: str | None = None) -> None:
    classified = classify_identifier(raw, default_type=default_type)
    if classified is None:
        record.warn("junk_identifier", f"{field}={raw!r}")
        return
    value, id_type = classified
    if expect == "NCT" and id_type != "NCT":
        record.warn("identifier_type_mismatch", f"{field}={raw!r} is not an NCT number")
    elif expect == "registry" and not is_registry_type(id_type):
        record.warn("identifier_type_mismatch", f"{field}={raw!r} has no registry id shape")
    _append_id(record, Identifier(value=value, id_type=id_type, raw=raw, field=field))
    if not is_registry_type(id_type):
        # a free-form value can still hold registry ids ("NL4187/NTR4337")
        for canonical, hit_type, matched in find_registry_ids(raw):
            _append_id(record, Identifier(value=canonical, id_type=hit_type, raw=matched, field=field))


def _append_id(record: SourceRecord, ident: Identifier) -> None:
    if not any(i.value == ident.value and i.id_type == ident.id_type for i in record.identifiers):
        record.identifiers.append(ident)


def _status(module: dict, record: SourceRecord) -> None:
    _set(record, "status", normalize_status, _text(module.get("overallStatus")))
    for field, key in (("start_date", "startDateStruct"), ("primary_completion_date", "primaryCompletionDateStruct"),
                       ("completion_date", "completionDateStruct"), ("last_update_date", "lastUpdatePostDateStruct")):
        struct = _obj(module.get(key))
        _set(record, field, normalize_date, _text(struct.get("date")))
        date_type = _text(struct.get("type"))
        if date_type:
            record.raw[f"{field}_type"] = date_type


def _sponsors(module: dict, record: SourceRecord) -> None:
    lead = _obj(module.get("leadSponsor"))
    name = _text(lead.get("name"))
    if name:
        class_raw = _text(lead.get("class"))
        agency = normalized_value(record, "lead_sponsor_class", normalize_agency_class, class_raw)
        record.lead_sponsor, record.lead_sponsor_class = name, agency
        record.raw["lead_sponsor"] = name
        if class_raw:
            record.raw["lead_sponsor_class"] = class_raw
        record.sponsors.append(Sponsor(name=name, role="lead", agency_class=agency, class_raw=class_raw))
    for collaborator in _objs(module.get("collaborators")):
        name = _text(collaborator.get("name"))
        if not name:
            continue
        class_raw = _text(collaborator.get("class"))
        agency = normalized_value(record, "collaborator_class", normalize_agency_class, class_raw)
        record.sponsors.append(Sponsor(name=name, role="collaborator", agency_class=agency, class_raw=class_raw))


def _description(module: dict, record: SourceRecord) -> None:
    _set(record, "brief_summary", _text, _text(module.get("briefSummary")))
    _set(record, "detailed_description", _text, _text(module.get("detailedDescription")))


def _conditions(module: dict, record: SourceRecord) -> None:
    for name in _texts(module.get("conditions")):
        record.conditions.append(Condition(name=name, normalized=condition_key(name)))
    record.keywords.extend(_texts(module.get("keywords")))


def _design(module: dict, record: SourceRecord) -> None:
    _set(record, "study_type", normalize_study_type, _text(module.get("studyType")))
    phases = _texts(module.get("phases"))
    if phases:
        _set(record, "phase", normalize_phase, phases)
    info = _obj(module.get("designInfo"))
    _set(record, "allocation", normalize_allocation, _text(info.get("allocation")))
    _set(record, "intervention_model", normalize_intervention_model, _text(info.get("interventionModel")))
    _set(record, "primary_purpose", normalize_primary_purpose, _text(info.get("primaryPurpose")))
    _set(record, "masking", normalize_masking, _text(_obj(info.get("maskingInfo")).get("masking")))
    _set(record, "observational_model", normalize_observational_model, _text(info.get("observationalModel")))
    _set(record, "time_perspective", normalize_time_perspective, _text(info.get("timePerspective")))
    enrollment = _obj(module.get("enrollmentInfo"))
    count = enrollment.get("count")
    if isinstance(count, int) and not isinstance(count, bool) and count >= 0:
        record.enrollment = count
        record.raw["enrollment"] = str(count)
    elif count is not None:
        record.warn("unmapped_value", f"enrollment={count!r}")
    _set(record, "enrollment_type", normalize_enrollment_type, _text(enrollment.get("type")))


def _arms_interventions(module: dict, record: SourceRecord) -> None:
    for arm in _objs(module.get("armGroups")):
        label = _text(arm.get("label"))
        if not label:
            continue
        type_raw = _text(arm.get("type"))
        record.arms.append(Arm(label=label, arm_type=normalized_value(record, "arm_type", normalize_arm_type, type_raw),
                               type_raw=type_raw, description=_text(arm.get("description")),
                               interventions=_texts(arm.get("interventionNames"))))
    for item in _objs(module.get("interventions")):
        name = _text(item.get("name"))
        if not name:
            continue
        type_raw = _text(item.get("type"))
        record.interventions.append(Intervention(
            name=name, intervention_type=normalized_value(record, "intervention_type", normalize_intervention_type, type_raw),
            type_raw=type_raw, description=_text(item.get("description"))))


def _outcomes(module: dict, record: SourceRecord) -> None:
    for kind, key in (("primary", "primaryOutcomes"), ("secondary", "secondaryOutcomes"), ("other", "otherOutcomes")):
        for item in _objs(module.get(key)):
            measure = _text(item.get("measure"))
            if measure:
                record.outcomes.append(Outcome(kind=kind, measure=measure, time_frame=_text(item.get("timeFrame")),
                                               description=_text(item.get("description"))))


def _eligibility(module: dict, record: SourceRecord) -> None:
    criteria_text = _text(module.get("eligibilityCriteria"))
    if criteria_text:
        record.raw["criteria"] = criteria_text
        add_eligibility_criteria(record, criteria_text)
    healthy = module.get("healthyVolunteers")
    if healthy is not None:
        record.raw["healthy_volunteers"] = str(healthy)
        record.healthy_volunteers = normalized_value(record, "healthy_volunteers", normalize_healthy_volunteers, healthy)
    _set(record, "sex", normalize_sex, _text(module.get("sex")))
    _set(record, "min_age_years", age_to_years, _text(module.get("minimumAge")))
    _set(record, "max_age_years", age_to_years, _text(module.get("maximumAge")))


def _contacts_locations(module: dict, record: SourceRecord) -> None:
    for official in _objs(module.get("overallOfficials")):
        name = _text(official.get("name"))
        if name:
            record.contacts.append(Contact(name=name, role=_text(official.get("role")),
                                           affiliation=_text(official.get("affiliation"))))
    for contact in _objs(module.get("centralContacts")):
        name = _text(contact.get("name"))
        if name:
            record.contacts.append(Contact(name=name, role="central_contact", phone=_text(contact.get("phone")),
                                           email=_text(contact.get("email"))))
    for site in _objs(module.get("locations")):
        parts = {k: _text(site.get(k)) for k in ("facility", "city", "state", "zip", "country")}
        if not any(parts.values()):
            continue
        record.locations.append(Location(facility=parts["facility"], city=parts["city"], state=parts["state"],
                                         country=parts["country"], raw=", ".join(v for v in parts.values() if v)))
        if parts["country"] and parts["country"] not in record.countries:
            record.countries.append(parts["country"])


def _references(module: dict, record: SourceRecord) -> None:
    for ref in _objs(module.get("references")):
        citation, pmid = _text(ref.get("citation")), _text(ref.get("pmid"))
        text = citation or (f"PMID:{pmid}" if pmid else None)
        if text and citation and pmid:
            text = f"{citation} PMID:{pmid}"
        if text:
            record.references.append(text)


_READERS: tuple[tuple[str, Callable[[dict, SourceRecord], None]], ...] = (
    ("identificationModule", _identification),
    ("statusModule", _status),
    ("sponsorCollaboratorsModule", _sponsors),
    ("descriptionModule", _description),
    ("conditionsModule", _conditions),
    ("designModule", _design),
    ("armsInterventionsModule", _arms_interventions),
    ("outcomesModule", _outcomes),
    ("eligibilityModule", _eligibility),
    ("contactsLocationsModule", _contacts_locations),
    ("referencesModule", _references),
)


# --- eligibility criteria ---------------------------------------------------------------------
# CT.gov criteria text is markdown: optional "Inclusion Criteria:" / "Exclusion Criteria:"
# headings (also "Key inclusion criteria", "Inclusion:"), then "* " bullets or numbered items.
# Only the headings are read here; the items of each block are read by the same helper the page
# layouts use (parsers.criteria.add_criteria), so a trial's criteria split the same way whether
# they come from the JSON or from a rendered page.

_HEADING = re.compile(
    r"^\W*(?:(?:key|main|major|general|additional|specific)\s+)?(?P<kind>inclusion|exclusion)(?P<word>\s+criteri(?:a|on)s?)?\b"
    r"(?P<tail>[^:\n]{0,40}?)(?::|\s-|$)\s*(?P<rest>.*)$",
    re.IGNORECASE,
)
# CT.gov stores markdown; the site shows the text with its escapes removed ("\\>1" -> ">1").
_MD_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!<>~|=^])")


def criteria_blocks(text: str) -> tuple[list[tuple[str, list[str]]], bool]:
    """Criteria text -> ([(kind, lines of the block)], whether any heading was found).

    Lines before the first heading belong to inclusion (CT.gov shows them so). A heading with
    text after its colon ("Exclusion Criteria: pregnancy") starts its block with that text.
    """
    blocks: list[tuple[str, list[str]]] = [("inclusion", [])]
    headed = False
    for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        line = _MD_ESCAPE.sub(r"\1", line).rstrip()
        if not line.strip():
            continue
        heading = _HEADING.match(line.strip())
        if heading and (heading["word"] or not heading["tail"].strip()) and len(line.strip()) <= 80:
            headed = True
            rest = heading["rest"].strip()
            blocks.append((heading["kind"].lower(), [f"• {rest}"] if rest else []))  # the text after the colon is an item
            continue
        blocks[-1][1].append(line)
    return [(kind, lines) for kind, lines in blocks if lines], headed


def add_eligibility_criteria(record: SourceRecord, text: str) -> None:
    from parsers.criteria import add_criteria  # PARSERS' shared item reader

    blocks, headed = criteria_blocks(text)
    if not headed and blocks:
        record.warn("criteria_without_heading", f"n={len(blocks[0][1])} read as inclusion")
    for kind, lines in blocks:
        add_criteria(record, kind, lines)
