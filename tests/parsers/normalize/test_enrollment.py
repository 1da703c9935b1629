from __future__ import annotations

import pytest

from parsers.normalize import Unmapped
from parsers.normalize.enrollment import normalize_enrollment_type, parse_enrollment


@pytest.mark.parametrize(("raw", "expected"), [
    ("20 estimated patients", (20, "ESTIMATED")),
    ("20 actual patients", (20, "ACTUAL")),
    ("20 patients", (20, None)),
    ("20 participants", (20, None)),
    ("1,200 participants", (1200, None)),
    ("40", (40, None)),
    ("Actual: 59", (59, "ACTUAL")),
    ("59 (Actual)", (59, "ACTUAL")),
    ("ESTIMATED: 300", (300, "ESTIMATED")),
    ("Target: 40", (40, "ESTIMATED")),
    ("  7 subjects ", (7, None)),
    ("0", (0, None)),
    (40, (40, None)),
    ("", (None, None)),
    ("Not specified", (None, None)),
    (None, (None, None)),
])
def test_parse_enrollment(raw, expected):
    assert parse_enrollment(raw) == expected


@pytest.mark.parametrize("raw", [
    "twenty patients", "20 to 30", "1" * 5000, "Experimental group:30;Control group:30;", "20 actual estimated", "1.5",
    "20 mice",
])
def test_unparseable_enrollment_is_unmapped(raw):
    with pytest.raises(Unmapped):
        parse_enrollment(raw)


@pytest.mark.parametrize(("raw", "expected"), [
    ("Actual", "ACTUAL"), ("ACTUAL", "ACTUAL"), ("Anticipated", "ESTIMATED"), ("Estimated", "ESTIMATED"),
    ("ESTIMATED", "ESTIMATED"), ("Estimate", "ESTIMATED"), ("Target", "ESTIMATED"), ("", None), (None, None),
])
def test_normalize_enrollment_type(raw, expected):
    assert normalize_enrollment_type(raw) == expected


def test_unknown_enrollment_type_is_unmapped():
    with pytest.raises(Unmapped):
        normalize_enrollment_type("Guessed")
