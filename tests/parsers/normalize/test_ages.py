from __future__ import annotations

import pytest

from parsers.normalize import Unmapped
from parsers.normalize.ages import WEEKS_PER_YEAR, age_groups_to_range, age_to_years, parse_age_range


def test_week_constant_is_the_contract_value():
    assert WEEKS_PER_YEAR == pytest.approx(365.25 / 7)


@pytest.mark.parametrize(("raw", "expected"), [
    ("15 Years", 15.0),
    ("1 Year", 1.0),
    ("6 Months", 0.5),
    ("18 Months", 1.5),
    ("2 Weeks", 2 * 7 / 365.25),
    ("28 Days", 28 / 365.25),
    ("12 Hours", 12 / (365.25 * 24)),
    ("18 years", 18.0),
    ("18", 18.0),
    ("0.1", 0.1),
    ("1years-old", 1.0),  # ICTRP
    (">= 20age old", 20.0),  # ICTRP (JPRN)
    (17, 17.0),
    ("N/A", None),
    ("No limit", None),
    ("", None),
    ("-", None),
    (None, None),
])
def test_age_to_years(raw, expected):
    result = age_to_years(raw)
    assert result == (None if expected is None else pytest.approx(expected))
    assert result is None or isinstance(result, float)


@pytest.mark.parametrize("raw", ["eighteen", "18 parsecs", "18-65", "Adults", "1" * 50])
def test_unparseable_age_is_unmapped(raw):
    with pytest.raises(Unmapped):
        age_to_years(raw)


@pytest.mark.parametrize(("raw", "expected"), [
    ("15 to 70 years old", (15.0, 70.0)),
    ("6 months to 17 years old", (0.5, 17.0)),
    ("18+ years old", (18.0, None)),
    ("65+ years", (65.0, None)),
    ("Up to 65 years old", (None, 65.0)),
    ("Under 18 years old", (None, 18.0)),
    ("65 years and older", (65.0, None)),
    ("18 years and over", (18.0, None)),
    ("18-64 years", (18.0, 64.0)),  # CTIS age group
    ("0-17 years", (0.0, 17.0)),
    ("Any age", (None, None)),
    ("", (None, None)),
    (None, (None, None)),
])
def test_parse_age_range(raw, expected):
    assert parse_age_range(raw) == expected


@pytest.mark.parametrize("raw", ["Adults", "15 to 70 parsecs", "18 years"])
def test_unparseable_age_range_is_unmapped(raw):
    with pytest.raises(Unmapped):
        parse_age_range(raw)


@pytest.mark.parametrize(("groups", "finer", "expected"), [
    (["Adults", "Elderly"], [], (18.0, None)),
    (["Adults"], [], (18.0, 64.0)),
    (["Children (2-11years)", "Adolescents (12-17 years)"], [], (2.0, 17.0)),  # EU CTR F.1 labels
    (["Infants and toddlers", "Under 18"], [], (28 / 365.25, 23 / 12)),  # "Under 18" only counts alone
    (["Under 18", "Adults"], [], (0.0, 64.0)),
    (["Newborns", "Adults"], [], (0.0, 64.0)),  # not contiguous: the outer bounds
    (["18-64 years", "65+ years"], ["65-84 years"], (18.0, 84.0)),  # CTIS: 65+ narrowed to 65-84
    (["65+ years", "18-64 years"], ["65-84 years", "85+ years"], (18.0, None)),
    (["0-17 years"], ["6-11 years", "12-17 years"], (6.0, 17.0)),
    ([], [], (None, None)),
])
def test_age_groups_to_range(groups, finer, expected):
    assert age_groups_to_range(groups, finer) == pytest.approx(expected)


def test_unknown_age_group_is_unmapped():
    with pytest.raises(Unmapped):
        age_groups_to_range(["Adults", "Grown-ups"])
