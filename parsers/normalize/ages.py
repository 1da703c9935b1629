"""Ages -> years (float).

Unit constants (documented so every source converts the same way):
- a year is 365.25 days (Julian year, the average calendar year);
- a month is 1/12 year (so "6 Months" = 0.5);
- a week is 7 days, so 1/(365.25/7) year: every unit derives from the one day count;
- a day is 1/365.25 year; hours and minutes follow from days.
CT.gov v2 writes "15 Years"; ICTRP writes "18", "18 years", "1years-old", ">= 20age old";
page layouts write ranges: "15 to 70 years old", "18+ years old", "Up to 65 years old".
"""
from __future__ import annotations

import re

from parsers.normalize import Unmapped
from parsers.normalize.text import NOT_GIVEN, lookup_key, squash

DAYS_PER_YEAR = 365.25
WEEKS_PER_YEAR = DAYS_PER_YEAR / 7
_YEARS_PER_UNIT = {
    "year": 1.0,
    "month": 1 / 12,
    "week": 1 / WEEKS_PER_YEAR,
    "day": 1 / DAYS_PER_YEAR,
    "hour": 1 / (DAYS_PER_YEAR * 24),
    "minute": 1 / (DAYS_PER_YEAR * 24 * 60),
}
_UNIT_SPELLINGS = {
    "year": "year", "years": "year", "yr": "year", "yrs": "year", "y": "year", "age": "year", "years old": "year",
    "month": "month", "months": "month", "mo": "month", "mos": "month", "m": "month",
    "week": "week", "weeks": "week", "wk": "week", "wks": "week", "w": "week",
    "day": "day", "days": "day", "d": "day",
    "hour": "hour", "hours": "hour", "h": "hour",
    "minute": "minute", "minutes": "minute", "min": "minute",
}
# "no limit" style answers: the bound is absent, not unknown. N/A = no limit on CT.gov.
_NO_BOUND = frozenset({"n a", "na", "no limit", "no limits", "none", "no maximum age", "no minimum age",
                       "not applicable", "any", "any age", "nd", "no age limit"})
_NOT_GIVEN_KEYS = frozenset(lookup_key(s) for s in NOT_GIVEN) | _NO_BOUND

_NUMBER = r"(\d{1,4}(?:[.,]\d{1,6})?)"  # bounded: no age needs more, and junk cannot overflow
_UNIT = r"(years?|yrs?|months?|mos?|weeks?|wks?|days?|hours?|minutes?|min|age|y|m|w|d|h)"
# One age: optional comparison sign, number, optional unit, optional "old" / "of age".
_AGE = re.compile(rf"^(?:>=|=>|>|≥|<=|=<|<|≤)?\s*{_NUMBER}\s*{_UNIT}?(?:[\s-]*old|\s+of\s+age)?$")


def age_to_years(raw: str | float | int | None) -> float | None:
    """One age -> years: "15 Years" -> 15.0, "6 Months" -> 0.5, "18" -> 18.0, "N/A" -> None.

    A bare number is read as years (ICTRP exports write "18"). Raises Unmapped otherwise.
    """
    if raw is None:
        return None
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        return float(raw)
    text = squash(raw).casefold()
    if lookup_key(text) in _NOT_GIVEN_KEYS:
        return None
    match = _AGE.match(text)
    if not match:
        raise Unmapped("age", raw)
    number = float(match.group(1).replace(",", "."))
    unit = _UNIT_SPELLINGS[match.group(2)] if match.group(2) else "year"
    return number * _YEARS_PER_UNIT[unit]


_RANGE_SEP = re.compile(r"\s*(?:\bto\b|–|—|-|~)\s*")
_TAIL_UNIT = re.compile(rf"\s*{_UNIT}(?:[\s-]*old|\s+of\s+age)?$")
# Open top: "18+ years old", "65 years and older", "at least 18 years", ">= 18 years".
_OPEN_TOP_PREFIX = re.compile(r"^(?:at least|over|above|older than|>=?|=>|≥)\s*(.+)$")
_OPEN_TOP_SUFFIX = re.compile(r"^(.+?)\s*(?:\+|\band (?:older|over|above)|\bor (?:older|over|above|more))\s*(.*)$")
# Open bottom: "up to 65 years old", "under 18 years old", "younger than 18", "<= 65 years".
_OPEN_BOTTOM = re.compile(r"^(?:up to|under|below|younger than|less than|<=?|=<|≤)\s*(.+)$")


def parse_age_range(raw: str | None) -> tuple[float | None, float | None]:
    """A page's age phrase -> (min_years, max_years); an open side is None.

    "15 to 70 years old" -> (15.0, 70.0); "6 months to 17 years old" -> (0.5, 17.0);
    "18+ years old" / "65 years and older" -> (18.0, None) / (65.0, None);
    "Up to 65 years old" / "Under 18 years old" -> (None, 65.0) / (None, 18.0); "Any age" -> (None, None).
    "Under 18" is kept as max 18: the page does not say whether 18 itself is excluded, so we do
    not invent a smaller bound. A lone age ("18 years") is not a range and raises Unmapped.
    """
    if raw is None:
        return None, None
    text = squash(raw).casefold()
    if lookup_key(text) in _NOT_GIVEN_KEYS:
        return None, None
    try:
        if match := _OPEN_BOTTOM.match(text):
            return None, age_to_years(_strip_old(match.group(1)))
        if match := _OPEN_TOP_PREFIX.match(text):
            return age_to_years(_strip_old(match.group(1))), None
        if match := _OPEN_TOP_SUFFIX.match(text):
            return age_to_years(_strip_old(f"{match.group(1)} {match.group(2)}")), None
        parts = _RANGE_SEP.split(text)
        if len(parts) == 2 and all(parts):
            lower, upper = parts
            tail = _TAIL_UNIT.search(upper)
            if tail and not _TAIL_UNIT.search(lower):
                lower = f"{lower} {tail.group(1)}"  # "15 to 70 years old": one unit for both sides
            return age_to_years(lower), age_to_years(_strip_old(upper))
    except Unmapped:
        pass
    raise Unmapped("age_range", raw)


def _strip_old(text: str) -> str:
    """Drop a trailing "old" / "of age" so age_to_years sees "<number> <unit>"."""
    return re.sub(r"(?:[\s-]*old|\s+of\s+age)$", "", text.strip())


# EU age groups (EU CTR F.1 / summary "Population Age"): the register's own bounds. "Under 18"
# is the summary's umbrella for the paediatric groups: it counts only when none is listed.
_EU_AGE_GROUPS: dict[str, tuple[float, float | None]] = {
    "in utero": (0.0, 0.0),
    "preterm newborn infants": (0.0, 27 / DAYS_PER_YEAR),
    "newborns": (0.0, 27 / DAYS_PER_YEAR),
    "infants and toddlers": (28 / DAYS_PER_YEAR, 23 / 12),
    "children": (2.0, 11.0),
    "adolescents": (12.0, 17.0),
    "adults": (18.0, 64.0),
    "elderly": (65.0, None),
}
_UMBRELLA_UNDER_18 = "under 18"
_PAREN = re.compile(r"\([^()]*\)")


def _eu_group(raw: str) -> tuple[float, float | None] | None:
    return _EU_AGE_GROUPS.get(lookup_key(_PAREN.sub(" ", raw)))


def _group_bounds(raw: str) -> tuple[float | None, float | None]:
    """One age group: an EU CTR name ("Adults", "Newborns (0-27 days)") or a range ("18-64 years", "65+ years")."""
    if (eu := _eu_group(raw)) is not None:
        return eu
    if lookup_key(raw) == _UMBRELLA_UNDER_18:
        return 0.0, 17.0
    return parse_age_range(raw)


def age_groups_to_range(groups: list[str], refinements: list[str] | None = None) -> tuple[float | None, float | None]:
    """Age groups a trial enrols -> (min_years, max_years): the lowest bound and the highest one
    (None when a group is open-ended: "Elderly", "65+ years").

    EU CTR names use the register's bounds ("Adults" = 18-64, "Children" = 2-11, "Newborns" =
    0-27 days); ranges ("18-64 years") are read by parse_age_range. `refinements` are narrower
    ranges inside a group (CTIS "Age range secondary identifier": "65-84 years" inside "65+
    years"): a group with refinements inside it is replaced by them. Raises Unmapped on a group
    it does not know. [] -> (None, None).
    """
    names = [g.strip() for g in groups if g and g.strip()]
    paediatric = any((eu := _eu_group(g)) is not None and eu[1] is not None and eu[1] < 18 for g in names)
    bounds = [_group_bounds(g) for g in names if not (paediatric and lookup_key(g) == _UMBRELLA_UNDER_18)]
    finer = [_group_bounds(r) for r in (refinements or []) if r and r.strip()]
    ranges: list[tuple[float | None, float | None]] = []
    for low, high in bounds:
        inside = [f for f in finer if _within(f, (low, high))]
        ranges.extend(inside or [(low, high)])
    if not ranges:
        return None, None
    lows = [low for low, _ in ranges if low is not None]
    highs = [high for _, high in ranges if high is not None]  # one open end leaves that end open
    return (min(lows) if len(lows) == len(ranges) else None), (max(highs) if len(highs) == len(ranges) else None)


def _within(inner: tuple[float | None, float | None], outer: tuple[float | None, float | None]) -> bool:
    (i_low, i_high), (o_low, o_high) = inner, outer
    if i_low is None or o_low is None or i_low < o_low:
        return False
    if o_high is None:
        return True
    return i_high is not None and i_high <= o_high
