"""ictrp reader on the two real WHO ICTRP exports: every row a record, every field against the CSV."""
from __future__ import annotations

import csv
import io
import re
from datetime import datetime

import pytest

from parsers.identifiers import link_key
from parsers.sources import ictrp
from tests.conftest import shared_path
from tests.parsers.export_files import decoded, other_texts

FILES = ("ebmdatalab__COVID19-927-trials_7Apr2020.csv", "ebmdatalab__COVID19-1135-trials.csv")

# Source Register -> registry type of its TrialIDs (parsers.identifiers reads the shape).
REGISTRY_TYPE = {
    "ChiCTR": {"CHICTR"}, "ClinicalTrials.gov": {"NCT"}, "EU Clinical Trials Register": {"EUDRACT"},
    "ANZCTR": {"ACTRN"}, "ISRCTN": {"ISRCTN"}, "Netherlands Trial Register": {"NTR"}, "IRCT": {"IRCT"},
    "JPRN": {"JRCT", "UMIN"}, "TCTR": {"TCTR"}, "German Clinical Trials Register": {"DRKS"},
}
# Recruitment Status -> v2; None = straddles several v2 values (kept raw, warned) or empty.
STATUS = {"Recruiting": "RECRUITING", "Not Recruiting": None, "Not recruiting": None, "Authorised": None, "": None}
# Phase -> v2. "0" (ChiCTR's default) and "Retrospective study" do not say a phase; the EUCTR
# matrix is read separately (the phases answered "yes").
PHASE = {
    "": None, "0": None, "Retrospective study": None, "New Treatment Measure Clinical Study": None,
    "N/A": "NA", "Not Applicable": "NA", "Not applicable": "NA",
    "Phase 0": "EARLY_PHASE1", "Early Phase 1": "EARLY_PHASE1",
    "1": "PHASE1", "Phase 1": "PHASE1", "2": "PHASE2", "Phase 2": "PHASE2", "3": "PHASE3", "Phase 3": "PHASE3",
    "Phase III": "PHASE3", "4": "PHASE4", "Phase 4": "PHASE4",
    "1-2": "PHASE1/PHASE2", "Phase 1/Phase 2": "PHASE1/PHASE2", "Phase 1 / Phase 2": "PHASE1/PHASE2", "Phase I/II": "PHASE1/PHASE2",
    "2-3": "PHASE2/PHASE3", "Phase 2/Phase 3": "PHASE2/PHASE3", "Phase II/III": "PHASE2/PHASE3",
}
PHASE_WARNING = {"0": "ambiguous_value", "Retrospective study": "ambiguous_value",
                 "New Treatment Measure Clinical Study": "unmapped_value"}
STUDY_TYPE = {
    "Interventional": "INTERVENTIONAL", "interventional": "INTERVENTIONAL", "Interventional study": "INTERVENTIONAL",
    "Interventional clinical trial of medicinal product": "INTERVENTIONAL",
    "Observational": "OBSERVATIONAL", "observational": "OBSERVATIONAL", "Observational study": "OBSERVATIONAL",
    "Observational [Patient Registry]": "OBSERVATIONAL", "Expanded Access": "EXPANDED_ACCESS",
    # ChiCTR's own categories say what a study is about, not whether it intervenes
    "Basic Science": None, "Diagnostic test": None, "Epidemilogical research": None, "Health Services Research": None,
    "Health services reaserch": None, "Prevention": None, "Prognosis study": None, "Screening": None, "Treatment study": None,
}
SEX = {"": None, "All": "ALL", "Both": "ALL", "Both males and females": "ALL", "Both, male and female": "ALL",
       "Male and Female": "ALL", "<br>Female: yes<br>Male: yes<br>": "ALL", "<br> Female: yes<br> Male: yes<br>": "ALL",
       "Female": "FEMALE", "Females": "FEMALE", "Male": "MALE"}
# Age cells that are not "<number>[ Years]": placeholders and "no limit" -> None, the rest in years.
AGE = {"": None, "-": None, "/": None, "?": None, "??": None, "N/A": None, "ND": None, "No limit": None, "no limit": None,
       "no maximum age": None, "Not applicable": None, "1 Year": 1.0, "1years-old": 1.0, "100years-old": 100.0,
       ">= 16age old": 16.0, ">= 20age old": 20.0, "18 Months": 1.5, "6 Months": 0.5, "28 Days": 28 / 365.25,
       "15 Minutes": 15 / (365.25 * 24 * 60)}
# Date enrollement formats by registry family; the month-only form keeps month precision.
DATE_FORMATS = (("%Y-%m-%d", 3), ("%B %d, %Y", 3), ("%d/%m/%Y", 3), ("%Y/%m/%d", 3), ("%B %Y", 2))


@pytest.fixture(scope="module")
def exports():
    """{file name: (rows as csv.DictReader reads them, outcomes)}."""
    out = {}
    for name in FILES:
        path = shared_path("real", "ictrp", name)
        with path.open(encoding="utf-8-sig", newline="") as handle:
            # line ends inside cells unified, as the reader does
            rows = [{k: v.replace("\r\n", "\n").replace("\r", "\n") for k, v in row.items()} for row in csv.DictReader(handle)]
        out[name] = (rows, ictrp.split(decoded(path)))
    return out


def _date(text):
    for fmt, parts in DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date().isoformat()[: 3 * parts + 1 if parts == 2 else None]
        except ValueError:
            continue
    raise AssertionError(f"no expected format for {text!r}")


def _age(text):
    match = re.fullmatch(r"(\d+(?:\.\d+)?)(?: [Yy]ears)?", text)
    return float(match.group(1)) if match else AGE[text]


def _target(text):
    """A count, or ChiCTR's "group:count;" list whose total is the sum; "" -> None."""
    if not text.strip():
        return None
    return int(text) if text.strip().isdigit() else sum(int(n) for n in re.findall(r":\s*(\d+)\s*;", text + ";"))


def _euctr_matrix(text):
    said = [roman for roman, answer in re.findall(r"\(Phase (I{1,3}|IV)\): *(yes|no)?", text) if answer == "yes"]
    order = ["I", "II", "III", "IV"]
    return "/".join(f"PHASE{order.index(r) + 1}" for r in sorted(said, key=order.index)) or None


def test_every_row_is_one_record_and_nothing_is_lost(exports):
    counts = {name: len(outcomes) for name, (_, outcomes) in exports.items()}
    assert counts == {FILES[0]: 927, FILES[1]: 1135}
    keys = set()
    for rows, outcomes in exports.values():
        assert [o.record_key for o in outcomes] == [r["TrialID"] for r in rows]
        assert [o.reason for o in outcomes if o.record is None] == []
        keys |= {o.record_key for o in outcomes}
    assert len(keys) == 1138


def test_every_record_matches_its_row(exports):
    for rows, outcomes in exports.values():
        for row, outcome in zip(rows, outcomes, strict=True):
            record, trial_id = outcome.record, row["TrialID"]
            primary = [i for i in record.identifiers if i.field == "trial_id"]
            assert len(primary) == 1 and primary[0].raw == trial_id, trial_id
            assert primary[0].id_type in REGISTRY_TYPE[row["Source Register"]], trial_id
            assert record.title == (row["Public title"].strip() or None)
            assert record.official_title == (row["Scientific title"].strip() or None)
            assert record.status == STATUS[row["Recruitment Status"]], trial_id
            if row["Recruitment Status"] and record.status is None:
                assert f"unmapped_value: status={row['Recruitment Status']!r}" in record.warnings
            phase = row["Phase"].strip()
            expected_phase = _euctr_matrix(phase) if "(Phase I)" in phase else PHASE[phase]
            assert record.phase == expected_phase, (trial_id, phase)
            if phase in PHASE_WARNING:
                assert any(w.startswith(f"{PHASE_WARNING[phase]}: phase=") for w in record.warnings), trial_id
            if phase:
                assert record.raw["phase"] == phase
            assert record.study_type == STUDY_TYPE[row["Study type"]], trial_id
            assert (record.enrollment, record.enrollment_type) == (_target(row["Target size"]), None), trial_id
            assert record.start_date == (_date(row["Date enrollement"]) if row["Date enrollement"] else None), trial_id
            assert record.last_update_date == datetime.strptime(row["Last Refreshed on"], "%d %B %Y").date().isoformat()
            low, high = _age(row["Inclusion agemin"].strip()), _age(row["Inclusion agemax"].strip())
            if low is not None and high is not None and high < low:
                high = None  # an inverted range loses its maximum, with a warning
                assert any(w.startswith("age_range_inverted") for w in record.warnings)
            assert record.min_age_years == pytest.approx(low) if low is not None else record.min_age_years is None
            assert record.max_age_years == pytest.approx(high) if high is not None else record.max_age_years is None
            assert record.sex == SEX[row["Inclusion gender"]], trial_id
            assert record.lead_sponsor == (row["Primary sponsor"].strip() or None)
            for condition in record.conditions:
                assert condition.name in row["Condition"], trial_id
            if row["Condition"].strip() and not row["Condition"].lstrip().startswith(";"):
                assert record.conditions, trial_id
            for country in record.countries:
                assert country in row["Countries"], trial_id


# CT.gov rows label their design ("Allocation: Randomized. Intervention model: ..."): v2 words.
DESIGN = {
    "Allocation": ("allocation", {"Randomized": "RANDOMIZED", "Non-Randomized": "NON_RANDOMIZED"}),
    "Intervention model": ("intervention_model", {
        "Single Group Assignment": "SINGLE_GROUP", "Parallel Assignment": "PARALLEL", "Crossover Assignment": "CROSSOVER",
        "Factorial Assignment": "FACTORIAL", "Sequential Assignment": "SEQUENTIAL"}),
    "Primary purpose": ("primary_purpose", {
        "Treatment": "TREATMENT", "Prevention": "PREVENTION", "Diagnostic": "DIAGNOSTIC", "Supportive Care": "SUPPORTIVE_CARE",
        "Screening": "SCREENING", "Health Services Research": "HEALTH_SERVICES_RESEARCH", "Basic Science": "BASIC_SCIENCE",
        "Other": "OTHER"}),
    "Masking": ("masking", {"None": "NONE", "Single": "SINGLE", "Double": "DOUBLE", "Triple": "TRIPLE", "Quadruple": "QUADRUPLE"}),
}


def test_labelled_study_designs_match(exports):
    checked = 0
    for rows, outcomes in exports.values():
        for row, outcome in zip(rows, outcomes, strict=True):
            record, design = outcome.record, row["Study design"]
            if row["Source Register"] == "ClinicalTrials.gov":
                pairs = dict(re.findall(r"(Allocation|Intervention model|Primary purpose|Masking): ([^.]*)\.", design))
                for label, (field, words) in DESIGN.items():
                    expected = words[pairs[label].split(" (")[0]] if label in pairs else None
                    assert getattr(record, field) == expected, (row["TrialID"], label)
                checked += 1
            elif row["Source Register"] == "EU Clinical Trials Register":
                randomised = re.search(r"Randomised: (yes|no)", design)
                assert (record.allocation == "RANDOMIZED") is (randomised is not None and randomised.group(1) == "yes")
                checked += 1
            elif not re.search(r"Allocation:|Randomised:", design):  # unlabelled words (ChiCTR...): raw only
                assert record.allocation is None and record.raw.get("study_design", "") == design.strip()
    assert checked > 700


def test_same_trial_id_in_two_exports_joins_on_one_registry_key(exports):
    """Union-find joins records sharing a link key; the later "Last Refreshed on" wins by recency."""
    by_id: dict[str, list] = {}
    for _, outcomes in exports.values():
        for outcome in outcomes:
            by_id.setdefault(outcome.record_key, []).append(outcome.record)
    shared = {k: v for k, v in by_id.items() if len(v) == 2}
    assert len(shared) == 924
    for trial_id, (a, b) in shared.items():
        keys_a = {link_key(i.value, i.id_type) for i in a.identifiers} - {None}
        keys_b = {link_key(i.value, i.id_type) for i in b.identifiers} - {None}
        assert keys_a & keys_b, trial_id
    refreshed = [(a.last_update_date, b.last_update_date) for a, b in shared.values()]
    assert any(x != y for x, y in refreshed)  # recency has something to decide


def test_euctr_member_state_rows_collapse_to_the_eudract_number(exports):
    values = {(i.value, i.id_type) for _, outcomes in exports.values() for o in outcomes
              for i in o.record.identifiers if o.record_key.startswith("EUCTR")}
    assert values and all(re.fullmatch(r"20\d\d-0\d{5}-\d\d", v) and t == "EUDRACT" for v, t in values)


def test_sniff_claims_the_ictrp_exports_and_nothing_else():
    paths = [shared_path("real", "ictrp", name) for name in FILES]
    assert all(ictrp.sniff(decoded(p)) for p in paths)
    assert [p for p, text in other_texts(*paths) if ictrp.sniff(text)] == []


HEADER = ["TrialID", "Last Refreshed on", "Public title", "Recruitment Status", "Source Register", "Phase",
          "Target size", "Secondary IDs"]


def _csv(rows):
    out = io.StringIO()
    csv.writer(out).writerows([HEADER, *rows])
    return out.getvalue()


def test_secondary_ids_bridge_to_other_registries():
    text = _csv([["EUCTR2020-001162-12-FR", "14 April 2020", "A trial", "Authorised", "EU Clinical Trials Register",
                  "", "", "NCT04315948; 2020-001162-12; SPONSOR-CODE-7"]])
    [outcome] = ictrp.split(text)
    ids = {(i.value, i.id_type, i.field) for i in outcome.record.identifiers}
    assert ("2020-001162-12", "EUDRACT", "trial_id") in ids
    assert ("NCT04315948", "NCT", "secondary_id") in ids
    assert ("SPONSOR-CODE-7", "OTHER", "secondary_id") in ids


def test_one_bad_row_quarantines_that_row_only():
    text = _csv([["NCT04315948", "6 April 2020", "A", "Recruiting", "ClinicalTrials.gov", "Phase 3", "120", ""],
                 ["NCT04315949", "6 April 2020", "B", "Recruiting"],  # cells lost
                 ["not an id", "6 April 2020", "C", "Recruiting", "ClinicalTrials.gov", "", "", ""],
                 ["NCT04315950", "6 April 2020", "D", "Recruiting", "ClinicalTrials.gov", "Phase 2", "Group A:30;Group B:30;", ""]])
    outcomes = ictrp.split(text)
    assert [(o.record_key, o.reason) for o in outcomes] == [
        ("NCT04315948", None), ("line3", "malformed_row"), ("line4", "no_identifier"), ("NCT04315950", None)]
    assert (outcomes[0].record.phase, outcomes[0].record.enrollment) == ("PHASE3", 120)
    assert outcomes[3].record.enrollment == 60
