"""The seed doses in ../shared/golden/seeds.json come out exactly.

Two routes: (1) records built here from the description lines of each seed page (no page parser
needed), (2) end to end through parsers.parse_text when it is available.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from parsers.doses import doses_for_record, extract_doses
from parsers.record import Intervention, SourceRecord

# Lines that introduce an arm / intervention description on the seed layouts (veeva: "Description:",
# ctgov_text: "Intervention:"). The description is the run of sentence lines that follows.
_MARKERS = {"Description:", "Intervention:"}


def _is_sentence(line: str) -> bool:
    return len(line.split()) >= 5 and not line.endswith(":")


def _description_records(page: str) -> SourceRecord:
    lines = [ln.strip() for ln in page.splitlines()]
    rec = SourceRecord(source="seed", parser_version="test")
    for i, line in enumerate(lines):
        if line not in _MARKERS:
            continue
        j = i + 1
        while j < len(lines) and _is_sentence(lines[j]):
            rec.interventions.append(Intervention(name="", description=lines[j]))
            j += 1
    return rec


def _key(d: dict) -> tuple:
    return (d["agent"], float(d["low"]), float(d["high"]), d["unit"], d["basis"])


def _keys(doses) -> list[tuple]:
    return sorted((d.agent, d.dose_low, d.dose_high, d.unit, d.basis) for d in doses)


def _pages(golden: dict, seeds_dir: Path):
    for name, expected in golden["pages"].items():
        if "doses" in expected:
            yield name, (seeds_dir / name).read_text(encoding="utf-8", errors="replace"), expected["doses"]


def test_golden_doses_from_description_lines(golden, seeds_dir):
    pages = list(_pages(golden, seeds_dir))
    assert len(pages) == 5
    for name, page, expected in pages:
        got = doses_for_record(_description_records(page))
        assert _keys(got) == sorted(_key(d) for d in expected), name


def test_lost_superscript_is_flagged_on_the_seed(golden, seeds_dir):
    for name, page, expected in _pages(golden, seeds_dir):
        for d in doses_for_record(_description_records(page)):
            restored = "exponent_restored" in d.flags
            # golden notes say which seed dose was written without its superscript
            notes = [e.get("note", "") for e in expected if _key(e)[1:] == (d.dose_low, d.dose_high, d.unit, d.basis)]
            assert restored == any("superscript" in n for n in notes), (name, d)


def test_golden_doses_end_to_end(golden, seeds_dir):
    import parsers

    parse_text = getattr(parsers, "parse_text", None)
    if parse_text is None:
        pytest.skip("parsers.parse_text is not there yet")
    for name, page, expected in _pages(golden, seeds_dir):
        record = parse_text(page)
        assert _keys(doses_for_record(record)) == sorted(_key(d) for d in expected), name
        # the eligibility criteria may hold prior-treatment doses; none of them may leak in
        criteria_doses = {(d.dose_low, d.unit) for c in record.criteria for d in extract_doses(c.text)}
        arm_doses = {(d.dose_low, d.unit) for d in doses_for_record(record)}
        assert not criteria_doses & arm_doses, name
        if name.startswith("001"):
            assert criteria_doses, "seed 001 criteria hold prior-treatment doses (e.g. a g/day regimen)"
