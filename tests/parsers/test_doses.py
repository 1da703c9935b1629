"""Dose grammar: number forms, units, basis, what is skipped, agents, records.

Every string here is typed for the test (cell-dose spellings follow the forms listed in
anchors.md §7 and the literature it cites); none is copied from ../shared.
"""
from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from parsers.doses import DoseMention, doses_for_record, extract_doses, normalize_agent
from parsers.record import Arm, Criterion, Intervention, SourceRecord


def one(text: str, **kw) -> DoseMention:
    found = extract_doses(text, **kw)
    assert len(found) == 1, found
    return found[0]


def values(text: str) -> list[tuple[float, float, str, str]]:
    return [(d.dose_low, d.dose_high, d.unit, d.basis) for d in extract_doses(text)]


# ---------------------------------------------------------------- number forms

@pytest.mark.parametrize("text, low, high", [
    ("2.5 mg", 2.5, 2.5),
    ("1,5 mg", 1.5, 1.5),                      # decimal comma
    ("1,250 mg", 1250, 1250),                  # thousands comma
    ("1,000,000 cells", 1e6, 1e6),
    ("1 000 000 cells", 1e6, 1e6),             # thousands space
    ("1.0E+6 cells", 1e6, 1e6),
    ("2e7 cells", 2e7, 2e7),
    ("1 x 10^6 cells", 1e6, 1e6),
    ("1×10⁶ cells", 1e6, 1e6),
    ("1 x 10*6 cells", 1e6, 1e6),
    ("2.5 x 10(7) cells", 2.5e7, 2.5e7),
    ("1.5 x 10e6 cells", 1.5e6, 1.5e6),
    ("5 × 10\\^8 cells", 5e8, 5e8),            # markdown-escaped caret
    ("10^6 cells", 1e6, 1e6),
    ("10⁷ cells", 1e7, 1e7),
    ("10(6) cells", 1e6, 1e6),
    ("2 million cells", 2e6, 2e6),
    ("1.5 billion cells", 1.5e9, 1.5e9),
    ("0.8-1.8 g", 0.8, 1.8),
    ("0.8–1.8 g", 0.8, 1.8),                   # en dash
    ("1 to 3 mg", 1, 3),
    ("100-300 million cells", 1e8, 3e8),       # the word applies to both ends
    ("1-2 x 10^6 cells", 1e6, 2e6),            # the multiplier applies to both ends
    ("1 x 10^6 - 5 x 10^6 cells", 1e6, 5e6),
])
def test_number_forms(text, low, high):
    d = one(text)
    assert (d.dose_low, d.dose_high) == (low, high)
    assert "exponent_restored" not in d.flags


@pytest.mark.parametrize("text, value", [
    ("106 cells/kg", 1e6),
    ("2 × 107 cells", 2e7),
    ("1.5 x 108 CD34+ cells/kg", 1.5e8),
    ("3 x 1012 vg/kg", 3e12),
])
def test_lost_superscript_restored_only_before_counts(text, value):
    d = one(text)
    assert d.dose_low == d.dose_high == value
    assert "exponent_restored" in d.flags


def test_lost_superscript_not_applied_to_mass():
    assert values("106 mg") == [(106.0, 106.0, "mg", "total")]
    # "3 x 100 µg" is three doses of 100 µg, not 3e0: each amount is one administration
    assert values("3 x 100 µg") == [(100.0, 100.0, "mcg", "per_dose")]


# ---------------------------------------------------------------- units and basis

@pytest.mark.parametrize("text, unit, basis", [
    ("5 mg/kg", "mg", "per_kg"),
    ("5 mg per kg", "mg", "per_kg"),
    ("5 mg/kg body weight", "mg", "per_kg"),
    ("5 mg/kg of body weight", "mg", "per_kg"),
    ("75 mg/m2", "mg", "per_m2"),
    ("75 mg/m²", "mg", "per_m2"),
    ("75 mg/m^2", "mg", "per_m2"),
    ("75 mg per square meter", "mg", "per_m2"),
    ("2 g/day", "g", "per_day"),
    ("2 g per day", "g", "per_day"),
    ("20 ug/dose", "mcg", "per_dose"),
    ("2 Gy per fraction", "Gy", "per_dose"),
    ("50 mcg", "mcg", "total"),
    ("50 µg", "mcg", "total"),
    ("50 micrograms", "mcg", "total"),
    ("4 milligrams", "mg", "total"),
    ("20 ml", "mL", "total"),
    ("20 cc", "mL", "total"),
    ("2000 IU", "IU", "total"),
    ("12 units", "U", "total"),
    ("1e11 vg", "vg", "total"),
    ("1 x 10^9 PFU", "PFU", "total"),
    ("10^7 TCID50", "TCID50", "total"),
    ("3x10^12 particle units", "vp", "total"),
    ("2 mmol", "mmol", "total"),
])
def test_units_and_basis(text, unit, basis):
    d = one(text)
    assert (d.unit, d.basis) == (unit, basis)


def test_per_kg_per_day_is_per_kg_daily():
    d = one("Cyclophosphamide 50 mg/kg/day for 4 days")
    assert (d.basis, d.schedule) == ("per_kg", "daily")


def test_total_basis_is_flagged_only_when_assumed():
    assert "basis_assumed_total" in one("Drugex 5 mg").flags
    assert "basis_assumed_total" not in one("a total dose of 0.8-1.8g").flags


@pytest.mark.parametrize("text", [
    "Concentration: 200 mg / ml",          # strength of a formulation
    "oral solution 0.5 g/mL",
    "blood glucose <70 mg/dl",             # lab threshold
    "glucose 7-10 mmol/L",
    "neutrophils 1.5 x 109/L",
    "1.5 µg/min for 20 minutes",           # a rate
    "0.5 mL/kg/h for 6 h",
    "carboplatin AUC 5 on day 1",
    "2% lidocaine",
    "12 months", "Day 1", "phase 2", "2 cycles", "18 G needle",
    "FPG of ≥ 7.0 mmol",                    # threshold, even without a volume
    "CD4 T cells", "NKG2D CAR-NK cells",    # markers, not cell counts
    "neutrophil count below 1500 cells",
    "NK cells (>5x10^9)",                   # a threshold; no piece of it may be read either
    "",
])
def test_not_doses(text):
    assert extract_doses(text) == []


def test_cell_unit_written_before_the_number():
    d = one("umbilical cord MSCs (2×10^6/kg)")
    assert (d.dose_low, d.unit, d.basis, d.agent) == (2e6, "cells", "per_kg", "mesenchymal stem cells")
    assert "unit_inferred" in d.flags
    # a plain number after a cell word is not a cell dose
    assert extract_doses("NK cells (2 infusions)") == []


def test_glued_forms():
    assert values("Drugex 1gx2 days") == [(1.0, 1.0, "g", "total")]
    # an amount given on a day is one administration
    assert values("80mg on day1,80mg on day4") == [(80.0, 80.0, "mg", "per_dose")] * 2
    assert values("6 x 140µL sprays") == [(140.0, 140.0, "uL", "per_dose")]
    assert values("syrup 60ml each time") == [(60.0, 60.0, "mL", "per_dose")]


def test_samples_taken_are_not_doses():
    assert extract_doses("About 20 ml of blood will be drawn at baseline") == []


def test_amount_in_a_stated_volume_is_a_dose():
    assert values("levodrug (1 mg/20 ml)") == [(1.0, 1.0, "mg", "total")]


# ---------------------------------------------------------------- source text, agent, schedule

def test_source_text_is_the_exact_span():
    text = "Patients get Zorbitinib 40 mg/kg IV every 2 weeks."
    d = one(text)
    assert d.source_text == "40 mg/kg"
    assert d.source_text in text


def test_agent_before_after_and_of():
    assert one("Zorbitinib 40 mg daily").agent == "zorbitinib"
    assert one("25 IU of Botulinum Toxin Type A").agent == "botulinum toxin type a"
    assert one("Zorbitinib will be administered orally at a dose of 165 mg").agent == "zorbitinib"
    assert one("inject 40 mg Triamcinolone").agent == "triamcinolone"


def test_cell_agent_from_the_unit_or_the_sentence():
    assert one("2 x 10^6 MSC/kg").agent == "mesenchymal stem cells"
    assert one("100 million allogeneic umbilical cord mesenchymal stromal cells").agent == "mesenchymal stem cells"
    d = one("Bone marrow mesenchymal stem cells will be infused at 106 cells/kg")
    assert d.agent == "mesenchymal stem cells"


def test_agent_hint_used_and_flagged_when_text_names_none():
    d = one("40 mg once daily", agent_hint="Zorbitinib")
    assert d.agent == "zorbitinib"
    assert "agent_inferred" in d.flags
    d = one("Drugex 40 mg once daily", agent_hint="Zorbitinib")
    assert d.agent == "drugex" and "agent_inferred" not in d.flags


def test_listed_doses_share_the_agent():
    assert [d.agent for d in extract_doses("Zorbitinib 6mg/8mg/10mg qd")] == ["zorbitinib"] * 3


@pytest.mark.parametrize("text, schedule", [
    ("2 x 10^6 MSC/kg, repeated after three months", "repeated after three months"),
    ("Drugex 200 mg every two weeks", "every two weeks"),
    ("Drugex 2.5 mg/kg once weekly", "once weekly"),
    ("Drugex 10 mg/kg Q3W", "Q3W"),
    ("Drugex 5 mg", None),
])
def test_schedule(text, schedule):
    assert one(text).schedule == schedule


@pytest.mark.parametrize("name", ["MSC", "MSCs", "hUC-MSCs", "AlloMSC", "mesenchymal stem cells",
                                  "Mesenchymal Stromal Cells", "Human umbilical cord-derived MSCs"])
def test_normalize_agent_msc_spellings(name):
    assert normalize_agent(name) == "mesenchymal stem cells"


def test_normalize_agent_drugs():
    assert normalize_agent("  Cyclophosphamide ") == "cyclophosphamide"
    assert normalize_agent("Tecfidera®") == "tecfidera"
    assert normalize_agent("Botulinum  Toxin Type A") == "botulinum toxin type a"


@pytest.mark.parametrize(("name", "agent"), [
    ("Velmoraxin 40 mg", "velmoraxin"),
    ("Remdesivir 200 mg/day", "remdesivir"),
    ("Drug X 0.5-1 mg/kg", "drug x"),
    ("Insulin 10 IU", "insulin"),
    ("Vitamin D3", "vitamin d3"),  # a name ending in a digit keeps it: no unit follows
    ("Interleukin 2", "interleukin 2"),
])
def test_normalize_agent_drops_a_trailing_strength(name, agent):
    assert normalize_agent(name) == agent


def test_record_doses_meet_when_the_hint_names_a_strength():
    """The intervention named 'Velmoraxin 40 mg' and its arm text give one dose, not two."""
    record = SourceRecord(source="ctgov_text", parser_version="t")
    record.interventions = [Intervention(name="Velmoraxin 40 mg", description="One 40 mg tablet by mouth once daily.")]
    record.arms = [Arm(label="A", description="Velmoraxin 40 mg by mouth once daily for 12 weeks.")]
    doses = doses_for_record(record)
    assert [(d.agent, d.dose_low, d.unit) for d in doses] == [("velmoraxin", 40.0, "mg")]


# ---------------------------------------------------------------- records

def test_doses_for_record_reads_arms_and_interventions_only():
    rec = SourceRecord(source="test", parser_version="t")
    rec.brief_summary = "Cells at a dose of 5 x 10^6 cells/kg in the summary."
    rec.criteria = [Criterion("inclusion", 1, "prior MMF 2 g / day for three months"),
                    Criterion("inclusion", 2, "prednisone more than 20 mg/day")]
    rec.interventions = [Intervention(name="Drug: Zorbitinib", description="40 mg once daily")]
    rec.arms = [Arm(label="A", description="Zorbitinib 40 mg once daily", interventions=["Drug: Zorbitinib"]),
                Arm(label="B", description=None)]
    doses = doses_for_record(rec)
    assert [(d.agent, d.dose_low, d.unit, d.frequency, d.basis) for d in doses] == [
        ("zorbitinib", 40.0, "mg", "QD", "per_dose")]
    # the criteria do hold doses: the record-level function must be what leaves them out
    assert extract_doses(rec.criteria[0].text)


def test_doses_for_record_dedups_repeated_rendering():
    text = "Drugex 1 g total. Bone marrow mesenchymal stem cells infused at 2 x 10^6 cells/kg"
    rec = SourceRecord(source="test", parser_version="t",
                       interventions=[Intervention(name="X", description=text)] * 2)
    assert len(doses_for_record(rec)) == 2


# ---------------------------------------------------------------- robustness

@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(list("0123456789 .,-x×^*/()eE+mgkLlcelsMSC⁶µ%≥\n;")
                                + ["mg", " cells", " x 10^", "/kg", " million", "/m2", "/day", " of "]),
                max_size=30).map("".join))
def test_never_raises_and_spans_come_from_the_text(text):
    for d in extract_doses(text):
        assert d.source_text and d.source_text in text
        assert d.dose_low <= d.dose_high
