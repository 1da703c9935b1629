"""The raw strings of the seed pages normalize to the golden values (../shared/golden/seeds.json).

A tiny "value on the line after the label" reader stands in for the real parsers here: the
point is the normalizers, so it only reads labels whose value sits on the next line.
"""
from __future__ import annotations

import pytest

from parsers.normalize.ages import parse_age_range
from parsers.normalize.design import (
    normalize_allocation, normalize_healthy_volunteers, normalize_intervention_model, normalize_masking,
    normalize_primary_purpose, normalize_study_type,
)
from parsers.normalize.enrollment import parse_enrollment
from parsers.normalize.phase import normalize_phase
from parsers.normalize.sex import normalize_sex
from parsers.normalize.status import normalize_status


def _after(lines: list[str], label: str) -> str:
    index = lines.index(label)
    return next(line for line in lines[index + 1:] if line.strip())


def _veeva_values(text: str) -> dict[str, object]:
    lines = [line.strip() for line in text.splitlines()]
    start = lines.index("Status and phase") + 2  # a blank line, then status, then one line per phase
    block = lines[start:lines.index("", start)]
    enrollment, enrollment_type = parse_enrollment(_after(lines, "Enrollment"))
    low, high = parse_age_range(_after(lines, "Ages"))
    return {
        "status": normalize_status(block[0]),
        "phase": normalize_phase(block[1:]),
        "study_type": normalize_study_type(_after(lines, "Study type")),
        "enrollment": enrollment,
        "enrollment_type": enrollment_type,
        "sex": normalize_sex(_after(lines, "Sex")),
        "min_age_years": low,
        "max_age_years": high,
        "healthy_volunteers": normalize_healthy_volunteers(_after(lines, "Volunteers")),
        "primary_purpose": normalize_primary_purpose(_after(lines, "Primary purpose")),
        "allocation": normalize_allocation(_after(lines, "Allocation")),
        "intervention_model": normalize_intervention_model(_after(lines, "Interventional model")),
        "masking": normalize_masking(_after(lines, "Masking")),
    }


def test_veeva_seed_values_match_golden(seeds_dir, golden):
    pages = {name: page for name, page in golden["pages"].items() if page["source"] == "veeva"}
    assert len(pages) == 3
    for name, expected in pages.items():
        got = _veeva_values((seeds_dir / name).read_text(encoding="utf-8"))
        for field, value in got.items():
            assert value == expected[field], (name, field)


def test_medpath_seed_status_and_sex_match_golden(seeds_dir, golden):
    name = next(n for n, page in golden["pages"].items() if page["source"] == "medpath")
    lines = [line.strip() for line in (seeds_dir / name).read_text(encoding="utf-8").splitlines()]
    expected = golden["pages"][name]
    assert normalize_status(_after(lines, "Status")) == expected["status"]
    assert normalize_sex(_after(lines, "Sex")) == expected["sex"]
    assert parse_enrollment(_after(lines, "Target Recruitment"))[0] == expected["enrollment"]


@pytest.mark.parametrize("field", ["status", "phase", "study_type"])
def test_ctgov_text_seed_enums_are_fixed_points(golden, field):
    funcs = {"status": normalize_status, "phase": normalize_phase, "study_type": normalize_study_type}
    page = next(p for p in golden["pages"].values() if p["source"] == "ctgov_text")
    assert funcs[field](page[field]) == page[field]
