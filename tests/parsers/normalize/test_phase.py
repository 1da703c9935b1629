"""normalize_phase: labelled raw strings -> v2 phase label, plus real ICTRP / CTIS phase columns."""
from __future__ import annotations

import csv

import pytest

from parsers.normalize import Unmapped
from parsers.normalize.phase import normalize_phase, phase_list
from parsers.normalize.vocab import is_phase_label
from tests.conftest import shared_path

MATRIX_1_2 = (
    "Human pharmacology (Phase I): yes\nTherapeutic exploratory (Phase II): yes\n"
    "Therapeutic confirmatory - (Phase III): no\nTherapeutic use (Phase IV): no\n"
)
MATRIX_NONE = MATRIX_1_2.replace("yes", "no")
MATRIX_BLANK_2 = (
    "\n      Human pharmacology (Phase I): \n      Therapeutic exploratory (Phase II): yes\n"
    "      Therapeutic confirmatory - (Phase III): \n      Therapeutic use (Phase IV): no\n"
)

CASES = [
    # CT.gov enums / display strings / page layouts
    ("PHASE1", "PHASE1"),
    ("PHASE1/PHASE2", "PHASE1/PHASE2"),
    ("PHASE1, PHASE2", "PHASE1/PHASE2"),
    ("PHASE2, PHASE1", "PHASE1/PHASE2"),
    ("Phase 1/Phase 2", "PHASE1/PHASE2"),
    ("Phase 1/2", "PHASE1/PHASE2"),
    ("Phase 2/3", "PHASE2/PHASE3"),
    ("Early Phase 1", "EARLY_PHASE1"),
    ("EARLY_PHASE1", "EARLY_PHASE1"),
    ("Phase 0", "EARLY_PHASE1"),
    ("N/A", "NA"),
    ("Not Applicable", "NA"),
    ("NA", "NA"),
    ("  phase   4 ", "PHASE4"),
    (["Phase 2", "Phase 1"], "PHASE1/PHASE2"),  # Veeva: one line per phase
    (["Phase 1"], "PHASE1"),
    # CTIS wording
    ("Phase I and Phase II (Integrated)- First administration to humans", "PHASE1/PHASE2"),
    ("Therapeutic confirmatory  (Phase III)", "PHASE3"),
    ("Phase III and phase IV (Integrated)", "PHASE3/PHASE4"),
    ("Human Pharmacology (Phase I)- Bioequivalence Study", "PHASE1"),
    ("Therapeutic use (Phase IV)", "PHASE4"),
    # EUCTR yes/no matrix
    (MATRIX_1_2, "PHASE1/PHASE2"),
    (MATRIX_BLANK_2, "PHASE2"),
    (MATRIX_NONE, None),
    # ICTRP short forms
    ("1", "PHASE1"),
    ("2/3", "PHASE2/PHASE3"),
    ("2-3", "PHASE2/PHASE3"),
    ("0", None),  # ChiCTR default: not evidence of phase 0 (see phase.py)
    ("Retrospective study", None),
    # OpenTrials processors/base/normalizers/phases_variations.json (labelled cases, rewritten)
    ("IIB", "PHASE2"),
    ("Phase 1b/2a", "PHASE1/PHASE2"),
    ("Phase IIa", "PHASE2"),
    ("Phase III/IV", "PHASE3/PHASE4"),
    ("II-III", "PHASE2/PHASE3"),
    ("II (Phase II study)", "PHASE2"),
    ("I-IIA", "PHASE1/PHASE2"),
    ("Phase4", "PHASE4"),
    ("Phase2/Phase3", "PHASE2/PHASE3"),
    ("Phase I,II", "PHASE1/PHASE2"),
    ("I+II (Phase I+Phase II)", "PHASE1/PHASE2"),
    ("0(exploratory trials))", "EARLY_PHASE1"),
    ("Post-market", "PHASE4"),
    ("IV", "PHASE4"),
    ("n\\a", "NA"),
    ("Not selected", None),
    ("Not entered", None),
    # not given
    ("", None),
    ("Not specified", None),
    (None, None),
    ([], None),
]


@pytest.mark.parametrize(("raw", "expected"), CASES)
def test_normalize_phase(raw, expected):
    assert normalize_phase(raw) == expected


@pytest.mark.parametrize("raw", [
    "Phase 5", "Pilot study", "Other", "Bioequivalence", "2020", "New Treatment Measure Clinical Study",
    "Diagnostic New Technique Clincal Study", ["Phase 2", "N/A"],
])
def test_unrecognised_phase_is_unmapped(raw):
    with pytest.raises(Unmapped) as err:
        normalize_phase(raw)
    assert err.value.field == "phase"


def test_phase_list_round_trip():
    assert phase_list("PHASE1/PHASE2") == ["PHASE1", "PHASE2"]
    assert phase_list(None) == []


def _column(path, name):
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return [row[name] for row in csv.DictReader(handle)]


def test_every_ictrp_phase_value_is_recognised_or_flagged():
    values = []
    for path in sorted(shared_path("real", "ictrp").glob("*.csv")):
        values += _column(path, "Phase")
    results, unmapped = {}, set()
    for raw in values:
        try:
            results[raw] = normalize_phase(raw)
        except Unmapped:
            unmapped.add(raw)
    assert len(values) > 2000
    # only ChiCTR's "New Treatment Measure Clinical Study" (a category, not a phase) is left
    assert unmapped == {"New Treatment Measure Clinical Study"}
    assert all(v is None or is_phase_label(v) for v in results.values())
    assert results["Phase 2/Phase 3"] == "PHASE2/PHASE3"
    assert results["1-2"] == "PHASE1/PHASE2"


def test_every_ctis_phase_value_maps_to_a_phase():
    path = next(shared_path("real", "euctr", "ctis").glob("*.csv"))
    values = _column(path, "Trial phase")
    mapped = [normalize_phase(v) for v in values]
    assert len(values) > 100
    assert all(is_phase_label(v) for v in mapped)  # every CTIS trial states a phase
