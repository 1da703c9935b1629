"""One quantity read at a match of the grammar: its numbers, unit, and what the unit's suffix says.

The suffix right after a unit decides the body-size scaling ("/kg", "/m2") and, when it says
so, what the amount is per ("/day" a day, "/dose" or "each time" one administration, "/15
fractions" a whole course). Rates and concentrations after a unit reject the mention.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from parsers.doses.agent import count_noun_before, end_of_clause
from parsers.doses.grammar import (
    _COMPARISON_BEFORE, _CONCENTRATION, _COUNT_UNITS, _IN_VOLUME, _PER_DAY, _PER_DOSE, _PER_KG,
    _PER_M2, _PER_WEEK, _RATE, _SAMPLING, _UNITLESS_END, _WORD_MULT, _clean, _read_number,
    _restore_lost_power, _scale, _unit_of,
)

# "carboplatin at area under the curve 2mg/m2", "AUC 5 mg/mL/min": an exposure target, not an amount
_TARGET_BEFORE = re.compile(r"(?:\barea\s+under\s+the\s+curve|\bAUC)\s*(?:of|=|:)?\s*$", re.I)
# "37.5Gy/15 fractions", "40Gy/20f": the amount is the whole course, split in fractions.
_PER_COURSE = re.compile(r"\s*/\s*\d+\s*(?:fractions?|fx|f)\b", re.I)


@dataclass(frozen=True)
class Suffix:
    end: int  # where the suffix ends
    scaling: str = "flat"  # per_kg | per_m2 | flat
    amount_per: str | None = None  # day | administration | course | None (not said here)
    schedule: str | None = None  # schedule implied by the suffix ('daily' for mg/kg/day)
    reject: str | None = None  # 'rate' | 'concentration': not a dose


def read_suffix(text: str, pos: int) -> Suffix:
    """What the text right after a unit says about the amount (see Suffix)."""
    if (m := _IN_VOLUME.match(text, pos)):
        return Suffix(m.end())
    if (m := _PER_COURSE.match(text, pos)):
        return Suffix(m.end(), amount_per="course")
    for regex, scaling in ((_PER_KG, "per_kg"), (_PER_M2, "per_m2")):
        if (m := regex.match(text, pos)):
            end = m.end()
            if (d := _PER_DAY.match(text, end)):
                return Suffix(d.end(), scaling, "day", "daily")
            if (d := _PER_DOSE.match(text, end)):
                return Suffix(d.end(), scaling, "administration")
            if _RATE.match(text, end) or _CONCENTRATION.match(text, end):
                return Suffix(end, reject="rate")
            return Suffix(end, scaling)
    if (m := _PER_DAY.match(text, pos)):
        return Suffix(m.end(), amount_per="day")
    if (m := _PER_DOSE.match(text, pos)):
        return Suffix(m.end(), amount_per="administration")
    if (m := _PER_WEEK.match(text, pos)):
        return Suffix(m.end(), schedule="weekly")  # an amount per week: neither a day nor a dose
    if _RATE.match(text, pos):
        return Suffix(pos, reject="rate")
    if _CONCENTRATION.match(text, pos):
        return Suffix(pos, reject="concentration")
    return Suffix(pos)


def read_quantity(text: str, m: re.Match) -> tuple[int, int, dict] | None:
    unit, _ = _unit_of(m)
    if _COMPARISON_BEFORE.search(text[max(0, m.start() - 12):m.start()]) or _TARGET_BEFORE.search(
            text[max(0, m.start() - 30):m.start()]):
        return None
    flags: list[str] = []
    unit_before = None
    if unit is None:
        # only a written power of ten / word multiplier counts as a dose without a unit after it
        powered = any(m.group(g) for g in ("asci", "acaret", "ae", "aparen", "asup", "apcaret", "apsup",
                                           "apparen", "aword", "bsci", "bcaret", "be", "bparen", "bsup",
                                           "bword"))
        unit_before = count_noun_before(text, m.start()) if powered else None
        if unit_before is None or not _UNITLESS_END.match(text, m.end()):
            return None
        unit = "cells"
        flags.append("unit_inferred")
    a_val, a_exp, a_lost, a_word, _ = _read_number(m, "a")
    has_b = m.group("bnum") is not None
    if has_b:
        b_val, b_exp, b_lost, b_word, _ = _read_number(m, "b")
    else:
        b_val, b_exp, b_lost, b_word = a_val, a_exp, a_lost, a_word
    count = unit in _COUNT_UNITS
    if (a_lost or b_lost) and not count:
        return None  # "3 x 100 µg": not a flattened exponent
    if a_lost or b_lost:
        flags.append("exponent_restored")
    # a range's multiplier/word written once applies to both ends: "1-2 x 10^6", "100-300 million"
    if has_b and a_exp is None and a_word is None:
        a_exp, a_word = b_exp, b_word
    if count:  # bare flattened power: "106 cells/kg"
        for key, exp_name in (("anum", "a"), ("bnum", "b")):
            if m.group(key) is None:
                continue
            e = (a_exp if exp_name == "a" else b_exp)
            w = (a_word if exp_name == "a" else b_word)
            if e is None and w is None and not m.group(exp_name + "sci"):
                lost = _restore_lost_power(m.group(key))
                if lost is not None:
                    if exp_name == "a":
                        a_val, a_exp = 1.0, lost
                    else:
                        b_val, b_exp = 1.0, lost
                    if "exponent_restored" not in flags:
                        flags.append("exponent_restored")
        if has_b and a_exp is None and a_word is None:
            a_exp, a_word = b_exp, b_word
    low = _clean(_scale(a_val, a_exp, a_word))
    high = _clean(_scale(b_val, b_exp, b_word)) if has_b else low
    if has_b and high < low:
        return None  # "5-1 mg" is not a range we can trust (dates, codes)
    if high == 0:
        return None  # "0mg": a typo or a placebo, not a dose
    if unit in _COUNT_UNITS and low < 1000:
        return None  # "CD4 T cells", "2 CAR-NK cells": markers and counts, not a cell dose
    suffix = read_suffix(text, m.end())
    end = suffix.end
    if suffix.reject or _SAMPLING.search(text, end, end_of_clause(text, end)):
        return None
    # an agent named in a cell unit ("MSC/kg", "... mesenchymal stem cells")
    cell_agent = None
    if unit_before:
        cell_agent = unit_before
    elif unit == "cells":
        phrase = m.group("cells")
        words = [w for w in phrase.split() if w.lower() not in _WORD_MULT]
        phrase = " ".join(words)
        if phrase.lower() not in {"cell", "cells"}:
            cell_agent = phrase
    return m.start(), end, {"low": low, "high": high, "unit": unit, "suffix": suffix,
                            "flags": flags, "cell_agent": cell_agent}


