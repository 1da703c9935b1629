"""Layout drift as a property: real studies rendered in each layout, changed the ways sites
change (tests/drift/mutations.py), parsed, and compared with the same page unchanged.

Property: a field the parser fills on a changed page equals its value on the unchanged page
(never a plausible wrong value); most fields are still read; the page says it drifted.
Sample: PAGES_PER_CASE pages per (kind, layout), drawn with a fixed seed (about 3,200 pages,
half a minute of CPU); TRIALBRIDGE_DRIFT_PAGES=1000 runs a larger sample.
"""
from __future__ import annotations

import os
import random

import pytest

import parsers
from tests.drift.harness import run
from tests.drift.mutations import KIND_NAMES, REWORDINGS, _headed, _reworded
from tests.render.variants import LAYOUTS, render_page

PAGES_PER_CASE = int(os.environ.get("TRIALBRIDGE_DRIFT_PAGES", "100"))
RECOVERY_FLOOR = {"chrome_top": 0.97, "chrome_middle": 0.97, "chrome_bottom": 0.97, "unknown_section": 0.97,
                  "reorder": 0.97, "reword": 0.85}


@pytest.fixture(scope="module")
def report(real_studies):
    return run(real_studies, PAGES_PER_CASE)


@pytest.fixture(scope="module")
def real_studies(ctgov_v2_dir):
    from tests.conftest import load_v2_study

    return [load_v2_study(path) for path in sorted(ctgov_v2_dir.glob("NCT*.json"))]


def test_sample_covers_every_kind_layout_and_form(report):
    print(report.summary())
    assert report.total >= 3000 or PAGES_PER_CASE < 100
    assert set(report.pages) == set(KIND_NAMES)
    assert {(layout, form) for layout in LAYOUTS for form in ("text", "html")} <= set(report.forms)


def test_no_mutated_page_gives_a_wrong_value(report):
    assert not report.wrong, "\n".join(map(str, report.wrong[:20]))


@pytest.mark.parametrize("kind", sorted(RECOVERY_FLOOR))
def test_fields_are_recovered(report, kind):
    assert report.recovery(kind) >= RECOVERY_FLOOR[kind], report.summary()


def test_no_mutated_page_is_quarantined(report):
    """Every mutation leaves most headings recognisable: none may cost the page."""
    assert not sum(report.quarantined.values()), report.summary()


def test_mutated_pages_carry_a_drift_warning(report):
    """Every mutated page says it drifted, including the two places where a section whose
    heading no rule names reads like content: after a MedPath outcome table (measure and
    time-frame lines stand alone there as a heading does) and after the last arm of the CT.gov
    text Study Groups (a group without interventions reads alike): there it is named as a
    possible_heading."""
    assert not report.unflagged, report.unflagged


def test_pages_with_most_headings_recognisable_are_detected(real_studies):
    """No brand line, and up to half the headings reworded by case, punctuation, "&" or
    plural: the layout is still recognised (detection matches headings tolerantly)."""
    rng = random.Random(9)
    generic = {name: fn for name, fn in REWORDINGS.items() if name != "synonym"}
    checked = 0
    for study in rng.sample(real_studies, 40):
        for layout in LAYOUTS:
            page = render_page(layout, study)
            page.sections = [s for s in page.sections if s.name not in ("chrome", "brand")]
            for index in rng.sample(_headed(page), len(_headed(page)) // 2):
                heading = page.sections[index].lines[0]
                new = rng.choice(list(generic.values()))(heading.text)
                page.sections[index].lines[0] = type(heading)(new, "heading")
            assert parsers.detect(page.text()) == layout, page.text()[:400]
            checked += 1
    assert checked == 120


def test_unknown_layout_names_the_closest_layout():
    page = "\n".join(["Some portal", "", "A trial about something", "", "Identifiers", "", "NCT01234567", "",
                      "Study type", "", "Interventional"])
    with pytest.raises(parsers.UnknownLayout) as error:
        parsers.parse_text(page)
    assert "closest layout veeva (score 2: no brand/marker line, 2 of 8 distinctive headings" in str(error.value)


def test_generator_rewording_changes_the_heading():
    rng = random.Random(1)
    assert all(_reworded(text, rng) not in (None, text) for text in ("Conditions", "Study & Design", "Sex"))
