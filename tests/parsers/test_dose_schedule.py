"""Dose fields an analyst compares and sums: scaling, amount_per, frequency, daily amount, cycle,
route, agent. Every string is typed for the test (made-up agents); none is copied from ../shared.
"""
from __future__ import annotations

import pytest

from parsers.doses import FREQUENCIES, FREQUENCY_MEANINGS, ROUTES, DoseMention, derive_basis, extract_doses


def one(text: str) -> DoseMention:
    found = extract_doses(text)
    assert len(found) == 1, found
    return found[0]


# ---------------------------------------------------------------- scaling, amount_per, basis

@pytest.mark.parametrize("text, scaling, amount_per", [
    ("Drugex 5 mg", "flat", None),                                    # the text does not say
    ("Drugex 10 mg once daily", "flat", "administration"),             # a frequency: each time
    ("Drugex 2 g/day", "flat", "day"),
    ("Drugex 1.5 mg/kg·d for 3 days", "per_kg", "day"),
    ("Drugex 15 mg/kg/dose every 8 hours", "per_kg", "administration"),
    ("Drugex 75 mg/m2 on day 1", "per_m2", "administration"),          # a day position
    ("a total dose of 60 Gy", "flat", "course"),
    ("50 Gy in 25 fractions", "flat", "course"),
    ("45Gy/25 fractions", "flat", "course"),
    ("2 Gy per fraction", "flat", "administration"),
    ("a single dose of 0.5 mg/kg of Drugex", "per_kg", "administration"),
    ("Drugex 600 mg in two divided doses", "flat", "day"),
    ("Drugex 40 mg total daily dose", "flat", "day"),
    ("syrup 15 ml each time", "flat", "administration"),
    ("a 20 mL/kg bolus of saline", "per_kg", "administration"),
])
def test_scaling_and_amount_per(text, scaling, amount_per):
    d = one(text)
    assert (d.scaling, d.amount_per) == (scaling, amount_per)
    assert d.basis == derive_basis(scaling, amount_per)


def test_basis_is_derived_from_scaling_and_amount_per():
    assert derive_basis("per_kg", "day") == "per_kg"
    assert derive_basis("flat", "day") == "per_day"
    assert derive_basis("flat", "administration") == "per_dose"
    assert derive_basis("flat", "course") == "total"
    assert derive_basis("flat", None) == "total"


# ---------------------------------------------------------------- frequency and daily amount

@pytest.mark.parametrize("text, frequency", [
    ("Drugex 10 mg qd", "QD"), ("Drugex 10 mg QD", "QD"), ("Drugex 10 mg once daily", "QD"),
    ("Drugex 10 mg daily", "QD"), ("Drugex 10 mg once per day", "QD"), ("Drugex 10 mg every day", "QD"),
    ("Drugex 10 mg OD", "QD"), ("Drugex 10 mg, Q.D.", "QD"), ("Drugex 10 mg one a day", "QD"),
    ("Drugex 25mg BID", "BID"), ("Drugex 25 mg twice a day", "BID"), ("Drugex 25 mg b.i.d.", "BID"),
    ("Drugex 5 mg three times a day", "TID"), ("Drugex 5 mg, tid", "TID"), ("Drugex 5 mg 4 times daily", "QID"),
    ("Drugex 3 mg once daily at bedtime", "QHS"), ("Drugex 3 mg qhs", "QHS"),
    ("Drugex 1 g every 8 hours", "Q8H"), ("Drugex 1 g q6h", "Q6H"),
    ("Drugex 250 mcg every other day", "QOD"), ("Drugex 1.6 mg SC QOD", "QOD"),
    ("Drugex 300 mg once weekly", "QW"), ("Drugex 300 mg qw", "QW"), ("Drugex 300 mg twice weekly", "BIW"),
    ("Drugex 200 mg every two weeks", "Q2W"), ("Drugex 10 mg/kg Q3W", "Q3W"), ("Drugex 480 mg every 4 weeks", "Q4W"),
    ("Drugex 200 mg q3wks", "Q3W"), ("Drugex 300 mg once a month", "QM"), ("Drugex 300 mg every 30 days", "QM"),
    ("Drugex 675 mg quarterly", "Q3M"),
    ("Drugex 1.25 mg IV x 1", "ONCE"), ("a single dose of 4 mg Drugex", "ONCE"),
    ("Drugex 2.5 mg as needed", "PRN"), ("Drugex 2.5 mg when headache attack", "PRN"),
    ("Drugex 2 mg/kg by continuous infusion", "CONTINUOUS"),
    ("Drugex 5 mg", None), ("Drugex 40 mg/day", None),                 # "/day" is amount_per, not how often
    ("Drugex 6 mg/m2 (5 days/week)", None),
])
def test_frequency_vocabulary(text, frequency):
    d = one(text)
    assert d.frequency == frequency
    assert d.doses_per_day == (FREQUENCIES[frequency] if frequency else None)


def test_every_frequency_is_documented_with_its_doses_per_day():
    assert set(FREQUENCIES) == set(FREQUENCY_MEANINGS)
    assert FREQUENCIES["QW"] == pytest.approx(1 / 7)
    assert FREQUENCIES["BID"] == 2 and FREQUENCIES["ONCE"] is None


def test_raw_schedule_text_is_kept():
    assert one("Drugex 25 mg twice a day").schedule == "twice a day"
    assert one("Drugex 10 mg/kg Q3W").schedule == "Q3W"


@pytest.mark.parametrize("text, daily", [
    ("Drugex 25mg BID", (50.0, 50.0)),                                 # per administration x 2
    ("Drugex 0.8-1.0 mg/kg/day", (0.8, 1.0)),                          # stated per day, in mg/kg
    ("Drugex 2 g/day, BID", (2.0, 2.0)),                               # the day's amount, not x 2
    ("Drugex 15 mg/kg/dose every 8 hours", (45.0, 45.0)),
    ("Drugex 300 mg once weekly", (300 / 7, 300 / 7)),                 # an average over the week
    ("Drugex 60-75 mg/m2 Q3W", (60 / 21, 75 / 21)),
    ("Drugex 5 mg", (None, None)),                                     # how often is not said
    ("Drugex 4 mg IV x 1", (None, None)),                              # once: no daily amount
    ("Drugex 2.5 mg as needed", (None, None)),
    ("a total dose of 1000 mg of Drugex", (None, None)),
])
def test_daily_amount_only_where_computable(text, daily):
    d = one(text)
    if daily[0] is None:
        assert (d.daily_low, d.daily_high) == (None, None)
    else:
        assert (d.daily_low, d.daily_high) == pytest.approx(daily)


def test_frequency_before_the_amount_and_not_from_the_previous_mention():
    d = one("Drugex will be given orally, once per day, 60 mg")
    assert (d.frequency, d.route) == ("QD", "oral")
    first, second = extract_doses("Drugex: 160 mg po qd Blandex: 8 mg per day, orally administered")
    assert (first.frequency, first.route) == ("QD", "oral")
    assert (second.frequency, second.amount_per, second.route) == (None, "day", "oral")


# ---------------------------------------------------------------- cycles

@pytest.mark.parametrize("text, frequency, cycle_days, days_on", [
    ("Drugex 1250 mg/m2 twice daily on days 1-14 of each 21-day cycle", "BID", 21, 14),
    ("Drugex 30 mg/m2 weekly on Days 1, 8, and 15 of each 21-day cycle", "QW", 21, 3),
    ("Drugex 500 mg/m2 (D1, Q3W)", "Q3W", 21, 1),
    ("Drugex 150mg D8-21 q3wks", None, 21, 14),                        # the period is the cycle
    ("Drugex 12 mg daily for 14 days every 21 days cycle", "QD", 21, 14),
    ("Drugex 840 mg on Days 1 and 15 of each 28 day cycle", None, 28, 2),
    ("Drugex 8 mg BID in 21 day cycles", "BID", 21, None),
    ("Drugex 135 mg/m2 on Day 1 of each 21-28 day cycle", None, None, None),  # a range: not one length
    ("Drugex 75 mg/m2 on day 1", None, None, None),                    # no cycle: no days_on
])
def test_cycles(text, frequency, cycle_days, days_on):
    d = one(text)
    assert (d.frequency, d.cycle_days, d.days_on) == (frequency, cycle_days, days_on)


# ---------------------------------------------------------------- route

@pytest.mark.parametrize("text, route", [
    ("Drugex 40 mg p.o./day", "oral"), ("Drugex 40 mg PO", "oral"), ("Drugex 40 mg orally", "oral"),
    ("Drugex 40 mg by mouth", "oral"), ("Drugex 200 mg tablets", "oral"), ("cap Drugex 75 mg", "oral"),
    ("Drugex 5 mg/kg IV", "intravenous"), ("Drugex 25 mg/m² i.v over 1 h", "intravenous"),
    ("Drugex 15 mg/kg by intravenous drip infusion", "intravenous"), ("Drugex 200 ml infusion", "intravenous"),
    ("Drugex 1.6 mg sc qd", "subcutaneous"), ("Drugex 140 mg s.c. in week 4", "subcutaneous"),
    ("Drugex 44 mcg subcutaneously", "subcutaneous"), ("Drugex 1 g IM", "intramuscular"),
    ("Drugex inhalation, 20ug each time", "inhaled"), ("Drugex 2.5mg by sublingual administration", "sublingual"),
    ("epidural 20 ml Drugex", "epidural"), ("Drugex 0.5 mg intravitreal injection", "intravitreal"),
    ("Drugex 4mg injection", None), ("Drugex 5 mg", None),
])
def test_route(text, route):
    d = one(text)
    assert d.route == route
    assert route is None or route in ROUTES


def test_stated_route_beats_a_dosage_form():
    assert one("Drugex tablets 10 mg dissolved and given iv").route == "intravenous"


# ---------------------------------------------------------------- agent

@pytest.mark.parametrize("text, agent", [
    ("160mg Cohort5", None),                                           # a cohort label, not a product
    ("Cohort 4: 8 mg BID", None),
    ("maintenance dose of 240 mg twice a day", None),
    ("Drugex oral liquid 60ml each time", "drugex"),                    # forms are not the name
    ("Blandex Granules 8g / time", "blandex"),
    ("Tab drugex 400 mg single dose", "drugex"),
    ("Drugexa Pegol (DXP) 400 mg sc", "drugexa pegol"),                 # the brackets hold a synonym
    ("2 ml of 0.75% drugexaine", "drugexaine"),                         # a strength before the name
    ("loading dose 600mg as drugex base", "drugex"),
    ("pemetrexed 500 mg/m2", "pemetrexed"),                             # -xed is a drug stem
    ("C213 3.8 mg", "c213"),                                            # a product code, not a day code
    ("Drugex 150mg D8-21", "drugex"),
    ("40 Gy of whole brain irradiation", None),                         # a target, not an agent
    ("24 Gy Strontium90", "strontium90"),
])
def test_agent_is_a_product_or_nothing(text, agent):
    assert one(text).agent == agent


def test_criteria_style_thresholds_and_targets_are_not_doses():
    assert extract_doses("carboplatin at area under the curve 2mg/m2") == []
    assert extract_doses("Drugex (5mg/1ml)") == []


def test_the_next_doses_words_are_not_this_ones():
    first, second = extract_doses("Drugex 15mg/kg by intravenous drip infusion on day 1, blandex once daily at 150mg/day")
    assert (first.agent, first.frequency, first.route) == ("drugex", None, "intravenous")
    assert (second.agent, second.frequency) == ("blandex", "QD")
    first, second = extract_doses("drugex 500mg qd po plus Blandex 150mg tid po")
    assert (first.frequency, first.route, second.frequency, second.agent) == ("QD", "oral", "TID", "blandex")
    gy, mg = extract_doses("68 Gy (2.0 Gy per fraction) with chemotherapy consisting of weekly drugex at 50mg/m2")[1:]
    assert (gy.frequency, mg.frequency, mg.agent) == (None, "QW", "drugex")


def test_schedule_phrases_seen_in_registry_text():
    assert one("Drugex 1.25 mg IV x 1, may repeat if needed").frequency == "ONCE"   # "if needed" is not PRN
    assert one("Drugex 240 mg twice a day, slower escalation if necessary").frequency == "BID"
    assert one("HUMSCs 5 × 10^7 cells / time, once / week").frequency == "QW"
    assert one("Drugex 180mg / time, 1 time / day").frequency == "QD"
    d = one("Blandex: 8 mg per day, orally.The treatment cycle is every 3 weeks")
    assert (d.amount_per, d.frequency, d.cycle_days) == ("day", None, 21)   # a period of a daily dose is its cycle


def test_agent_needs_words_that_tie_it_to_the_amount():
    assert one("Green banana biomass will be added to the diet as 4.5 g per day").agent is None
    assert one("infused as fast as possible, either continuously or intermittently (i.e. 200-800 ml at a time)").agent is None
    assert one("Drugex will be administered orally at a dose of 165 mg").agent == "drugex"
    assert one("Name: drugex Dose: 1000 mg/m2 Mode of administration: intravenous").agent == "drugex"


def test_a_record_keeps_one_dose_completed_by_its_repeats():
    from parsers.doses import doses_for_record
    from parsers.record import Arm, Intervention, SourceRecord

    record = SourceRecord(source="ctgov_text", parser_version="t")
    record.arms = [Arm(label="A", description="Drugex 40 mg once daily for 16 weeks.")]
    record.interventions = [Intervention(name="Drugex 40 mg", description="One 40 mg tablet by mouth once daily.")]
    [dose] = doses_for_record(record)
    assert (dose.agent, dose.frequency, dose.route, dose.daily_low) == ("drugex", "QD", "oral", 40.0)


@pytest.mark.parametrize("name, key", [
    ("Drugex 40 mg film-coated tablets", "drugex"),
    ("Drugex Hydrochloride Tablets", "drugex hydrochloride"),
    ("Thymex for injection", "thymex"),
    ("Blandex oral liquid", "blandex"),
    ("Tablets", "tablets"),                      # nothing else to keep: left as it is
])
def test_normalize_agent_drops_dosage_forms(name, key):
    from parsers.doses import normalize_agent

    assert normalize_agent(name) == key
