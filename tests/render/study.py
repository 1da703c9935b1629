"""Read-only view of one ClinicalTrials.gov API v2 study, plus the display words the sites use.

The renderers only read the v2 JSON through `V2Study`, so each renderer is a page layout and
nothing else. Display strings are the ones the public sites print (ClinicalTrials.gov classic
labels, which ClinicalTrials.Veeva and MedPath reuse); they are written here from the v2 enums,
independently of the parser's normalizers, so a round trip really tests both directions.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property

STATUS_DISPLAY = {
    "ACTIVE_NOT_RECRUITING": "Active, not recruiting",
    "COMPLETED": "Completed",
    "ENROLLING_BY_INVITATION": "Enrolling by invitation",
    "NOT_YET_RECRUITING": "Not yet recruiting",
    "RECRUITING": "Recruiting",
    "SUSPENDED": "Suspended",
    "TERMINATED": "Terminated",
    "WITHDRAWN": "Withdrawn",
    "AVAILABLE": "Available",
    "NO_LONGER_AVAILABLE": "No longer available",
    "TEMPORARILY_NOT_AVAILABLE": "Temporarily not available",
    "APPROVED_FOR_MARKETING": "Approved for marketing",
    "WITHHELD": "Withheld",
    "UNKNOWN": "Unknown",
}
PHASE_DISPLAY = {
    "EARLY_PHASE1": "Early Phase 1",
    "PHASE1": "Phase 1",
    "PHASE2": "Phase 2",
    "PHASE3": "Phase 3",
    "PHASE4": "Phase 4",
    "NA": "Not Applicable",
}
STUDY_TYPE_DISPLAY = {
    "INTERVENTIONAL": "Interventional",
    "OBSERVATIONAL": "Observational",
    "EXPANDED_ACCESS": "Expanded Access",
}
SEX_DISPLAY = {"ALL": "All", "FEMALE": "Female", "MALE": "Male"}
INTERVENTION_TYPE_DISPLAY = {
    "BEHAVIORAL": "Behavioral",
    "BIOLOGICAL": "Biological",
    "COMBINATION_PRODUCT": "Combination Product",
    "DEVICE": "Device",
    "DIAGNOSTIC_TEST": "Diagnostic Test",
    "DIETARY_SUPPLEMENT": "Dietary Supplement",
    "DRUG": "Drug",
    "GENETIC": "Genetic",
    "PROCEDURE": "Procedure",
    "RADIATION": "Radiation",
    "OTHER": "Other",
}
ARM_TYPE_DISPLAY = {
    "EXPERIMENTAL": "Experimental",
    "ACTIVE_COMPARATOR": "Active Comparator",
    "PLACEBO_COMPARATOR": "Placebo Comparator",
    "SHAM_COMPARATOR": "Sham Comparator",
    "NO_INTERVENTION": "No Intervention",
    "OTHER": "Other",
}
AGENCY_CLASS_DISPLAY = {
    "NIH": "NIH",
    "FED": "Other U.S. Federal agency",
    "OTHER_GOV": "Other Government",
    "INDIV": "Individual",
    "INDUSTRY": "Industry",
    "NETWORK": "Network",
    "AMBIG": "Ambiguous",
    "OTHER": "Other",
    "UNKNOWN": "Unknown",
}
ALLOCATION_DISPLAY = {"RANDOMIZED": "Randomized", "NON_RANDOMIZED": "Non-Randomized", "NA": "N/A"}
MODEL_DISPLAY = {
    "SINGLE_GROUP": "Single Group Assignment",
    "PARALLEL": "Parallel Assignment",
    "CROSSOVER": "Crossover Assignment",
    "FACTORIAL": "Factorial Assignment",
    "SEQUENTIAL": "Sequential Assignment",
}
MASKING_DISPLAY = {
    "NONE": "None (Open label)",
    "SINGLE": "Single Blind",
    "DOUBLE": "Double Blind",
    "TRIPLE": "Triple Blind",
    "QUADRUPLE": "Quadruple Blind",
}
PURPOSE_DISPLAY = {
    "TREATMENT": "Treatment",
    "PREVENTION": "Prevention",
    "DIAGNOSTIC": "Diagnostic",
    "ECT": "Educational/Counseling/Training",
    "SUPPORTIVE_CARE": "Supportive Care",
    "SCREENING": "Screening",
    "HEALTH_SERVICES_RESEARCH": "Health Services Research",
    "BASIC_SCIENCE": "Basic Science",
    "DEVICE_FEASIBILITY": "Device Feasibility",
    "OTHER": "Other",
}
OBS_MODEL_DISPLAY = {
    "COHORT": "Cohort",
    "CASE_CONTROL": "Case-Control",
    "CASE_ONLY": "Case-Only",
    "CASE_CROSSOVER": "Case-Crossover",
    "ECOLOGIC_OR_COMMUNITY": "Ecologic or Community",
    "FAMILY_BASED": "Family-Based",
    "DEFINED_POPULATION": "Defined Population",
    "NATURAL_HISTORY": "Natural History",
    "OTHER": "Other",
}
TIME_PERSPECTIVE_DISPLAY = {
    "RETROSPECTIVE": "Retrospective",
    "PROSPECTIVE": "Prospective",
    "CROSS_SECTIONAL": "Cross-Sectional",
    "OTHER": "Other",
}

PHASE_ORDER = ("NA", "EARLY_PHASE1", "PHASE1", "PHASE2", "PHASE3", "PHASE4")

_WS = re.compile(r"\s+")
# CT.gov stores its text as markdown; the sites print it with the escapes removed ("\<1" -> "<1").
_MD_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!<>~|=^])")
_CRITERIA_HEADER = re.compile(r"^\W*(?:key\s+)?(inclusion|exclusion)\s+criteria\b[^a-z]*$", re.I)
# A list marker opening a registry text line: a bullet glyph (written with or without a space),
# "*", "-" or "o" and a space, "1." / "1)" / "a)" and a space.
_BULLET = re.compile(r"^\s*(?:[•·▪◦]\s*|[*\-o]\s+|\d{1,3}[.)]\s+|[a-z][.)]\s+)")


def one_line(text: str | None) -> str:
    """Whitespace-collapsed single line (titles, names): what a page shows on one line."""
    return _WS.sub(" ", text or "").strip()


def intervention_label(intervention: dict) -> str:
    """ "Type: name", how CT.gov (and Veeva) name an intervention: "Biological: AlloMSC"."""
    return f"{INTERVENTION_TYPE_DISPLAY.get(intervention.get('type'), 'Other')}: {one_line(intervention['name'])}"


def unescape_markdown(text: str) -> str:
    return _MD_ESCAPE.sub(r"\1", text)


def text_lines(text: str | None, *, unescape: bool = True) -> list[str]:
    """The non-empty lines of a free-text field, each stripped and collapsed."""
    if not text:
        return []
    if unescape:
        text = unescape_markdown(text)
    return [line for line in (one_line(raw) for raw in text.splitlines()) if line]


def strip_bullet(line: str) -> tuple[bool, str]:
    """(was it a list item, the item text without its marker)."""
    match = _BULLET.match(line)
    return (True, line[match.end():].strip()) if match else (False, line.strip())


def criteria_entries(text: str | None, *, unescape: bool = True) -> tuple[list[tuple[bool, str]], list[tuple[bool, str]]]:
    """The inclusion and exclusion lines of a v2 eligibilityCriteria text, as (was a list item, text).

    Lines under each "Inclusion/Exclusion Criteria:" header, list markers removed; text before
    any header counts as inclusion (how CT.gov shows it).
    """
    inclusion: list[tuple[bool, str]] = []
    exclusion: list[tuple[bool, str]] = []
    current = inclusion
    for line in text_lines(text, unescape=unescape):
        header = _CRITERIA_HEADER.match(line)
        if header:
            current = inclusion if header.group(1).lower() == "inclusion" else exclusion
            continue
        is_item, body = strip_bullet(line)
        if body:
            current.append((is_item, body))
    return inclusion, exclusion


def split_criteria(text: str | None, *, unescape: bool = True) -> tuple[list[str], list[str]]:
    """Every inclusion and exclusion line as an item (what sites that list all lines as bullets show)."""
    inclusion, exclusion = criteria_entries(text, unescape=unescape)
    return [t for _, t in inclusion], [t for _, t in exclusion]


@dataclass(frozen=True)
class Age:
    number: int
    unit: str  # the v2 unit word, lower case: "years", "year", "months", "weeks", "days", ...

    @classmethod
    def parse(cls, raw: str | None) -> "Age | None":
        if not raw:
            return None
        number, unit = raw.split()
        return cls(int(number), unit.lower())


class V2Study:
    """Accessors over one v2 study dict (the `protocolSection` modules)."""

    def __init__(self, study: dict):
        self.study = study
        self.protocol = study.get("protocolSection", {})

    def module(self, name: str) -> dict:
        return self.protocol.get(name) or {}

    # identification
    @property
    def nct_id(self) -> str:
        return self.module("identificationModule")["nctId"]

    @property
    def brief_title(self) -> str:
        return one_line(self.module("identificationModule").get("briefTitle"))

    @property
    def acronym(self) -> str | None:
        return one_line(self.module("identificationModule").get("acronym")) or None

    @property
    def org_study_id(self) -> str | None:
        return one_line((self.module("identificationModule").get("orgStudyIdInfo") or {}).get("id")) or None

    @property
    def secondary_ids(self) -> list[dict]:
        return [s for s in self.module("identificationModule").get("secondaryIdInfos", []) if one_line(s.get("id"))]

    # status
    @property
    def status(self) -> str:
        return self.module("statusModule")["overallStatus"]

    def date(self, struct: str) -> str | None:
        return (self.module("statusModule").get(struct) or {}).get("date")

    # design
    @property
    def phases(self) -> list[str]:
        phases = self.module("designModule").get("phases") or []
        return sorted(phases, key=PHASE_ORDER.index)

    @property
    def study_type(self) -> str | None:
        return self.module("designModule").get("studyType")

    @property
    def enrollment(self) -> tuple[int | None, str | None]:
        info = self.module("designModule").get("enrollmentInfo") or {}
        return info.get("count"), info.get("type")

    @property
    def design_info(self) -> dict:
        return self.module("designModule").get("designInfo") or {}

    @property
    def masking(self) -> str | None:
        return (self.design_info.get("maskingInfo") or {}).get("masking")

    # eligibility
    @property
    def sex(self) -> str | None:
        return self.module("eligibilityModule").get("sex")

    @property
    def min_age(self) -> Age | None:
        return Age.parse(self.module("eligibilityModule").get("minimumAge"))

    @property
    def max_age(self) -> Age | None:
        return Age.parse(self.module("eligibilityModule").get("maximumAge"))

    @property
    def raw_min_age(self) -> str | None:
        return self.module("eligibilityModule").get("minimumAge")

    @property
    def raw_max_age(self) -> str | None:
        return self.module("eligibilityModule").get("maximumAge")

    @property
    def healthy_volunteers(self) -> bool | None:
        return self.module("eligibilityModule").get("healthyVolunteers")

    @property
    def criteria_text(self) -> str:
        return self.module("eligibilityModule").get("eligibilityCriteria") or ""

    # conditions, arms, interventions
    @property
    def conditions(self) -> list[str]:
        return [c for c in map(one_line, self.module("conditionsModule").get("conditions", [])) if c]

    @property
    def keywords(self) -> list[str]:
        return [k for k in map(one_line, self.module("conditionsModule").get("keywords", [])) if k]

    @property
    def interventions(self) -> list[dict]:
        return [i for i in self.module("armsInterventionsModule").get("interventions", []) if one_line(i.get("name"))]

    @property
    def arms(self) -> list[dict]:
        return [a for a in self.module("armsInterventionsModule").get("armGroups", []) if one_line(a.get("label"))]

    def interventions_of_arm(self, arm: dict) -> list[dict]:
        """The interventions of an arm: those whose armGroupLabels name it (exact even when two
        interventions share a name), else those its interventionNames list ("Type: name")."""
        label = one_line(arm.get("label"))
        linked = [i for i in self.interventions if label in map(one_line, i.get("armGroupLabels") or [])]
        if linked:
            return linked
        wanted = list(arm.get("interventionNames") or [])
        found = []
        for entry in wanted:
            for intervention in self.interventions:
                if one_line(entry) == intervention_label(intervention) and intervention not in found:
                    found.append(intervention)
                    break
        return found

    # sponsors
    @property
    def lead_sponsor(self) -> dict:
        return self.module("sponsorCollaboratorsModule").get("leadSponsor") or {}

    @property
    def collaborators(self) -> list[dict]:
        return [c for c in self.module("sponsorCollaboratorsModule").get("collaborators", []) if one_line(c.get("name"))]

    @property
    def responsible_party(self) -> dict:
        return self.module("sponsorCollaboratorsModule").get("responsibleParty") or {}

    # descriptions
    @property
    def brief_summary(self) -> str:
        return self.module("descriptionModule").get("briefSummary") or ""

    @property
    def detailed_description(self) -> str:
        return self.module("descriptionModule").get("detailedDescription") or ""

    # contacts, locations, outcomes, references
    @property
    def locations(self) -> list[dict]:
        return self.module("contactsLocationsModule").get("locations", [])

    @property
    def central_contacts(self) -> list[dict]:
        return [c for c in self.module("contactsLocationsModule").get("centralContacts", []) if one_line(c.get("name"))]

    @property
    def officials(self) -> list[dict]:
        return [o for o in self.module("contactsLocationsModule").get("overallOfficials", []) if one_line(o.get("name"))]

    @cached_property
    def countries(self) -> list[str]:
        seen: list[str] = []
        for location in self.locations:
            country = one_line(location.get("country"))
            if country and country not in seen:
                seen.append(country)
        return seen

    def outcomes(self, kind: str) -> list[dict]:
        return [o for o in self.module("outcomesModule").get(f"{kind}Outcomes", []) if one_line(o.get("measure"))]

    @property
    def references(self) -> list[str]:
        return [c for c in (one_line(r.get("citation")) for r in self.module("referencesModule").get("references", [])) if c]
