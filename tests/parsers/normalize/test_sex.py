from __future__ import annotations

import pytest

from parsers.normalize import Unmapped
from parsers.normalize.sex import normalize_sex


@pytest.mark.parametrize(("raw", "expected"), [
    ("All", "ALL"), ("ALL", "ALL"), ("Both", "ALL"), ("Female, Male", "ALL"), ("Male and Female", "ALL"),
    ("Both males and females", "ALL"), ("Male", "MALE"), ("MALE", "MALE"), ("Female", "FEMALE"),
    ("FEMALE", "FEMALE"), ("Females", "FEMALE"),
    ("<br>Female: yes<br>Male: yes<br>", "ALL"),  # EUCTR via ICTRP
    ("<br>Female: yes<br>Male: no<br>", "FEMALE"),
    ("Not specified", None), ("", None), ("N/A", None), (None, None),
])
def test_normalize_sex(raw, expected):
    assert normalize_sex(raw) == expected


@pytest.mark.parametrize("raw", ["Pregnant women only", "Hermaphrodite snails"])
def test_unknown_sex_is_unmapped(raw):
    with pytest.raises(Unmapped):
        normalize_sex(raw)
