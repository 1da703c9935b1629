"""The invented trials behind raw/: fictional sponsors, conditions and ids, written for this project.

`python -m tests.render.samples` (re)writes raw/ from these records with the same renderers the
round trips use; tests/roundtrip/test_raw_samples.py checks raw/ is current and parses. The
designed overlaps between files:
- Velmoraxin: Veeva says 120 estimated patients, the CT.gov text page 118 participants
  (same NCT id: the reconciler must link them and keep both values as evidence);
- Orvatide: the MedPath page shows only the EU CT number, which the saved Veeva HTML page lists
  among its Identifiers next to the NCT id (a transitive link).
"""
from __future__ import annotations

import copy
from pathlib import Path

from tests.render import ctgov_text, medpath, veeva
from tests.render.html import to_html

REPO_ROOT = Path(__file__).resolve().parents[2]
RAW_DIR = REPO_ROOT / "raw"


def _study(nct_id: str, title: str, *, sponsor: str, sponsor_class: str = "OTHER", org_id: str,
           status: str, phases: list[str], study_type: str = "INTERVENTIONAL", enrollment: tuple[int, str | None],
           sex: str = "ALL", ages: tuple[str | None, str | None], healthy: bool = False, conditions: list[str],
           summary: str, criteria: str, design: dict, interventions: list[dict], arms: list[dict],
           locations: list[dict], start: str, completion: str, updated: str, acronym: str | None = None,
           secondary_ids: list[dict] | None = None, detailed: str = "", keywords: list[str] | None = None,
           collaborators: list[dict] | None = None, outcomes: list[dict] | None = None) -> dict:
    count, kind = enrollment
    eligibility = {"eligibilityCriteria": criteria, "healthyVolunteers": healthy, "sex": sex}
    if ages[0]:
        eligibility["minimumAge"] = ages[0]
    if ages[1]:
        eligibility["maximumAge"] = ages[1]
    identification = {"nctId": nct_id, "orgStudyIdInfo": {"id": org_id}, "briefTitle": title,
                      "secondaryIdInfos": secondary_ids or []}
    if acronym:
        identification["acronym"] = acronym
    return {"protocolSection": {
        "identificationModule": identification,
        "statusModule": {"overallStatus": status, "startDateStruct": {"date": start},
                         "completionDateStruct": {"date": completion},
                         "lastUpdatePostDateStruct": {"date": updated}},
        "sponsorCollaboratorsModule": {"leadSponsor": {"name": sponsor, "class": sponsor_class},
                                       "collaborators": collaborators or [],
                                       "responsibleParty": {"type": "SPONSOR"}},
        "descriptionModule": {"briefSummary": summary, "detailedDescription": detailed},
        "conditionsModule": {"conditions": conditions, "keywords": keywords or []},
        "designModule": {"studyType": study_type, "phases": phases, "designInfo": design,
                         "enrollmentInfo": {"count": count, **({"type": kind} if kind else {})}},
        "armsInterventionsModule": {"interventions": interventions, "armGroups": arms},
        "eligibilityModule": eligibility,
        "outcomesModule": {"primaryOutcomes": outcomes or []},
        "contactsLocationsModule": {"locations": locations},
    }}


VELMORAXIN = _study(
    "NCT09412573", "Oral Velmoraxin for Chronic Hartwell Palmar Dermatitis",
    sponsor="Brightwater Biosciences", sponsor_class="INDUSTRY", org_id="BWB-VMX-201",
    status="RECRUITING", phases=["PHASE2"], enrollment=(120, "ESTIMATED"), ages=("18 Years", "75 Years"),
    conditions=["Hartwell Palmar Dermatitis", "Chronic Hand Eczema"],
    summary="This study tests whether daily oral velmoraxin reduces itching and skin cracking on the palms "
            "of adults with chronic Hartwell palmar dermatitis, compared with a matching placebo.",
    detailed="Participants take one tablet each morning for 16 weeks.\n\nSkin is scored every 4 weeks.",
    criteria="Inclusion Criteria:\n\n* Adults 18 to 75 years old\n* Palmar dermatitis for at least 6 months\n"
             "* Failed at least one topical corticosteroid\n\nExclusion Criteria:\n\n* Active skin infection\n"
             "* Pregnancy or breastfeeding\n* Use of systemic immunosuppressants in the last 8 weeks",
    design={"allocation": "RANDOMIZED", "interventionModel": "PARALLEL", "primaryPurpose": "TREATMENT",
            "maskingInfo": {"masking": "DOUBLE"}},
    interventions=[
        {"type": "DRUG", "name": "Velmoraxin 40 mg", "description": "One 40 mg tablet by mouth once daily."},
        {"type": "DRUG", "name": "Placebo tablet", "description": "Matching tablet without active drug."},
    ],
    arms=[
        {"label": "Velmoraxin", "type": "EXPERIMENTAL", "description": "Velmoraxin 40 mg once daily for 16 weeks.",
         "interventionNames": ["Drug: Velmoraxin 40 mg"]},
        {"label": "Placebo", "type": "PLACEBO_COMPARATOR", "description": "Placebo once daily for 16 weeks.",
         "interventionNames": ["Drug: Placebo tablet"]},
    ],
    locations=[{"facility": "Harbourview Skin Clinic", "city": "Portland", "state": "Oregon", "country": "United States"},
               {"facility": "Lakeside Dermatology Centre", "city": "Leeds", "country": "United Kingdom"}],
    start="2025-02-03", completion="2026-11-30", updated="2025-09-12",
)

# The CT.gov text page of the same trial, updated later with a slightly different enrollment.
VELMORAXIN_CTGOV = copy.deepcopy(VELMORAXIN)
VELMORAXIN_CTGOV["protocolSection"]["designModule"]["enrollmentInfo"] = {"count": 118, "type": "ESTIMATED"}
VELMORAXIN_CTGOV["protocolSection"]["statusModule"]["lastUpdatePostDateStruct"] = {"date": "2025-10-01"}

ORVATIDE_EU_CT = "2025-512384-17-00"
ORVATIDE = _study(
    "NCT09387140", "Sublingual Orvatide in Adults With Seasonal Quellmark Rhinitis",
    sponsor="Northfell University Hospital", org_id="NFUH-ORV-22", acronym="ORQUEL",
    secondary_ids=[{"id": ORVATIDE_EU_CT, "type": "CTIS"}],
    status="NOT_YET_RECRUITING", phases=["PHASE1", "PHASE2"], enrollment=(64, "ESTIMATED"),
    ages=("18 Years", "60 Years"), conditions=["Seasonal Quellmark Rhinitis"],
    summary="A dose-finding study of sublingual orvatide drops taken before and during the Quellmark "
            "pollen season, followed by a placebo-controlled efficacy part.",
    criteria="Inclusion Criteria:\n\n* Quellmark rhinitis for two or more seasons\n* Positive skin prick test\n\n"
             "Exclusion Criteria:\n\n* Uncontrolled asthma\n* Previous immunotherapy",
    design={"allocation": "RANDOMIZED", "interventionModel": "SEQUENTIAL", "primaryPurpose": "TREATMENT",
            "maskingInfo": {"masking": "TRIPLE"}},
    interventions=[{"type": "BIOLOGICAL", "name": "Orvatide sublingual drops", "description": "2 to 8 drops daily."}],
    arms=[{"label": "Orvatide", "type": "EXPERIMENTAL", "description": "Escalating daily doses.",
           "interventionNames": ["Biological: Orvatide sublingual drops"]}],
    locations=[{"facility": "Northfell University Hospital", "city": "Aarhus", "country": "Denmark"}],
    start="2026-03", completion="2027-10", updated="2025-11-02",
)

# MedPath lists the EU CT record of Orvatide: it shows only the EU CT number.
ORVATIDE_EU = copy.deepcopy(ORVATIDE)
ORVATIDE_EU["protocolSection"]["identificationModule"]["nctId"] = ORVATIDE_EU_CT
del ORVATIDE_EU["protocolSection"]["eligibilityModule"]["sex"]  # the EU record leaves sex unstated

BREATHING = _study(
    "NCT09265018", "Home-Based Breathing Training After Tarnley Valve Repair",
    sponsor="Kestrel Health Research Institute", org_id="KHRI-2024-07",
    secondary_ids=[{"id": "R21HL990012", "type": "NIH"}],
    status="COMPLETED", phases=["NA"], enrollment=(46, "ACTUAL"), ages=("40 Years", None), healthy=False,
    conditions=["Tarnley Valve Repair", "Postoperative Breathlessness"],
    summary="Adults recovering from Tarnley valve repair practise guided breathing exercises at home with a "
            "tablet app for eight weeks; the study measures walking distance and breathlessness.",
    criteria="Inclusion Criteria:\n\n1. Tarnley valve repair 4 to 12 weeks ago\n2. Owns or can borrow a tablet\n\n"
             "Exclusion Criteria:\n\n1. Unstable angina\n2. Unable to walk without help",
    design={"allocation": "RANDOMIZED", "interventionModel": "PARALLEL", "primaryPurpose": "SUPPORTIVE_CARE",
            "maskingInfo": {"masking": "SINGLE"}},
    interventions=[{"type": "BEHAVIORAL", "name": "Guided breathing programme", "description": "Two sessions a day."}],
    arms=[{"label": "Breathing programme", "type": "EXPERIMENTAL", "description": "App-guided training.",
           "interventionNames": ["Behavioral: Guided breathing programme"]},
          {"label": "Usual care", "type": "NO_INTERVENTION", "description": "Standard follow-up only."}],
    locations=[{"facility": "Kestrel Heart Unit", "city": "Rennes", "country": "France"}],
    start="2024-04-15", completion="2025-06-30", updated="2025-08-20",
)

LUMEPRIN = _study(
    "NCT09150462", "Lumeprin Nasal Spray in Children With Pelland Syndrome",
    sponsor="Aurelis Pharma", sponsor_class="INDUSTRY", org_id="AUR-LMP-003", acronym="LUMEN-P",
    status="RECRUITING", phases=["PHASE2"], enrollment=(36, "ESTIMATED"), ages=("6 Years", "17 Years"),
    conditions=["Pelland Syndrome"],
    summary="An open-label study of lumeprin nasal spray in children and teenagers with Pelland syndrome, "
            "looking at safety and at the number of sleep attacks per week.",
    criteria="Inclusion Criteria:\n\n* Genetically confirmed Pelland syndrome\n* Age 6 to 17 years\n\n"
             "Exclusion Criteria:\n\n* Nasal surgery in the last 3 months",
    design={"allocation": "NA", "interventionModel": "SINGLE_GROUP", "primaryPurpose": "TREATMENT",
            "maskingInfo": {"masking": "NONE"}},
    interventions=[{"type": "DRUG", "name": "Lumeprin nasal spray", "description": "One puff per nostril twice daily."}],
    arms=[{"label": "Lumeprin", "type": "EXPERIMENTAL", "interventionNames": ["Drug: Lumeprin nasal spray"]}],
    outcomes=[{"measure": "Weekly number of sleep attacks", "timeFrame": "Baseline to week 12"}],
    locations=[{"facility": "Ospedale Pediatrico Valmora", "city": "Turin", "country": "Italy",
                "contacts": [{"name": "Ilaria Fenwick, MD", "role": "CONTACT", "phone": "+39 011 555 0142",
                              "email": "lumen-p@valmora.example"}]},
               {"facility": "Kinderklinik Sonnfeld", "city": "Graz", "country": "Austria"}],
    start="2025-05-01", completion="2027-01-31", updated="2025-10-14",
)

OSTRANDER = _study(
    "NCT09033817", "Registry of Adults With Ostrander Myopathy",
    sponsor="Ostrander Myopathy Foundation", org_id="OMF-REG-01",
    collaborators=[{"name": "Vireo University Medical Center", "class": "OTHER"}],
    status="ENROLLING_BY_INVITATION", phases=[], study_type="OBSERVATIONAL", enrollment=(300, "ESTIMATED"),
    ages=("18 Years", None), conditions=["Ostrander Myopathy"], keywords=["muscle weakness", "natural history"],
    summary="A long-term registry that follows adults with Ostrander myopathy to describe how muscle strength "
            "changes over time.",
    criteria="Inclusion Criteria:\n\n* Diagnosis of Ostrander myopathy\n\nExclusion Criteria:\n\n* None",
    design={"observationalModel": "COHORT", "timePerspective": "PROSPECTIVE"},
    interventions=[], arms=[{"label": "Registry participants", "description": "Yearly strength testing."}],
    locations=[{"facility": "Vireo University Medical Center", "city": "Madison", "state": "Wisconsin",
                "country": "United States"}],
    start="2024-09", completion="2034-12", updated="2025-07-01",
)

# file name -> (renderer, study, as saved HTML?)
SAMPLES = {
    "veeva_velmoraxin.txt": (veeva.render, VELMORAXIN, False),
    "ctgov_text_velmoraxin.txt": (ctgov_text.render, VELMORAXIN_CTGOV, False),
    "veeva_breathing_training.txt": (veeva.render, BREATHING, False),
    "veeva_orvatide.html": (veeva.render, ORVATIDE, True),
    "medpath_orvatide_eu.txt": (medpath.render, ORVATIDE_EU, False),
    "medpath_lumeprin.txt": (medpath.render, LUMEPRIN, False),
    "ctgov_text_ostrander_registry.txt": (ctgov_text.render, OSTRANDER, False),
}


def sample_text(name: str) -> str:
    render, study, as_html = SAMPLES[name]
    page = render(study)
    return to_html(page) if as_html else page.text()


def write_samples(raw_dir: Path = RAW_DIR) -> list[Path]:
    raw_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name in SAMPLES:
        path = raw_dir / name
        path.write_text(sample_text(name), encoding="utf-8")
        written.append(path)
    return written


if __name__ == "__main__":
    for path in write_samples():
        print(path.relative_to(REPO_ROOT))
