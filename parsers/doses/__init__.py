"""Dose mentions read from intervention and arm free text (the package's policy, in one place).

No registry publishes a structured dose for these trials, and generic quantity parsers get the
cell-therapy forms wrong (anchors.md §7), so this module reads doses with a small grammar:

    quantity := number [multiplier] unit [basis]       e.g. "1 x 10^6 cells/kg"
              | number SEP number [multiplier] unit      e.g. "100-300 million cells", "0.8-1.8g"

Numbers: decimals ("0.5", European "1,5"), thousands separators ("1,250", "1 000 000"),
E-notation ("1.0E+6", "1e6"), multipliers ("x 10^6", "×10⁶", "x 10*6", "x 10(6)", "x 10e6"),
bare powers ("10^6", "10⁶", "10(6)"), words ("2 million", "1.5 billion"). A range's multiplier
or word applies to both ends ("1-2 x 10^6" = 1e6..2e6).

Lost superscripts: scraped pages often flatten 10⁶ to "106". "106 cells/kg" and "2 × 107 cells"
are read as powers of ten ONLY when the unit is a count (cells, vg, PFU, vp, TCID50), where a
literal 106 would be an absurd dose; the mention is flagged `exponent_restored`. "106 mg" stays 106.

Policy decisions (documented here because callers rely on them):
- scaling: per_kg ("/kg", "per kg", "/kg body weight"), per_m2 ("/m2", "/m²", "/m^2", "per
  square meter", "/BSA"), else flat.
- amount_per: what the amount is per, only when the text says so, else null.
  day: "/day", "/d", "per day", "per night", "mg/kg/day", "mg/kg·d", "daily dose of",
  "in two divided doses". administration: "/dose", "per time", "each time", "per fraction",
  "at a time", "single dose", "loading dose", "3 x 100 µg", a stated frequency ("10 mg OD" is
  10 mg each time), or a day position ("on day 1", "D1", "in week 4"). course: "a total (dose)
  of", "in 20 fractions", "/15 fractions".
- basis (kept for callers, derived): scaling when not flat, else per_day / per_dose / total
  from amount_per (total = a course, or not said; flagged `basis_assumed_total` when not said).
- frequency (parsers.doses.frequency.FREQUENCIES, with doses_per_day), cycle_days and days_on;
  `schedule` keeps the frequency words as written. route: parsers.doses.route.ROUTES.
- daily_low / daily_high: the amount per day, in the mention's unit and scaling: the amount when
  it is stated per day, else amount x doses_per_day when it is per administration and the
  frequency has a fixed count (QW gives 1/7 of the amount: an average over the week). Null
  otherwise (ONCE, PRN, CONTINUOUS, no frequency, a course): never a guess.
- agent: the product the amount belongs to, normalized (parsers.doses.agent.normalize_agent);
  null rather than a phrase that is not a product ("Cohort 4", "weight-based option").
- concentrations ("200 mg/mL", "0.5 g/mL", "70 mg/dl", "7 mmol/L", "109/L") and rates
  ("1.5 µg/min", "0.5 mL/kg/h") are NOT doses and are skipped: they describe a formulation or a
  lab value, not an amount given. An amount in a stated volume ("1 mg/20 ml", "225 mg/1.5 mL")
  IS a dose: the amount is kept.
- radiation doses in Gy are kept (unit "Gy"); "AUC 5" (carboplatin target) and "%" are not units.
- "3 x 100 µg" is three doses of 100 µg: a multiplier whose power is not a written exponent is
  only accepted before a count unit.
- a cell unit written BEFORE a power of ten ("mesenchymal stem cells (1×10^6/kg)") gives unit
  "cells", flagged `unit_inferred`; a plain number after a cell word does not.
- counts below 1000 ("CD4 T cells", "2 CAR-NK cells") are markers, not cell doses; numbers after
  a comparison ("≥ 7.0 mmol", "below 1500 cells", "more than 20 mg") are thresholds; amounts in
  a clause saying they are taken/drawn/collected are samples. None of these are returned.
- unit spellings: mg, mcg (µg, μg, ug), ng, g (lower-case only: "18 G" is a needle gauge), mL
  (ml, cc), uL (µL), L, mmol, mEq, IU, U (units), Gy, cGy, cells, vg, vp (viral/particle units),
  PFU, TCID50.

Pure functions, no I/O. Source spans are exact slices of the input text (no normalization
before matching: NFKC would turn "10⁶" into "106").
"""
from parsers.doses.agent import normalize_agent
from parsers.doses.extract import DoseMention, derive_basis, extract_doses
from parsers.doses.frequency import FREQUENCIES, FREQUENCY_MEANINGS
from parsers.doses.records import DescribedDoses, described_doses, doses_for_record, merge_repeats
from parsers.doses.route import ROUTES

__all__ = ["DescribedDoses", "DoseMention", "FREQUENCIES", "FREQUENCY_MEANINGS", "ROUTES", "derive_basis", "described_doses",
           "doses_for_record", "extract_doses", "merge_repeats", "normalize_agent"]
