"""The renderers reproduce the structure of the sample pages (read from ../shared/seeds at test time).

These tests need no parser: they pin the renderers to the seeds, so a round-trip failure means
the parser, not a renderer that drifted from the real layout.
"""
from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from tests.render import ctgov_text
from tests.render.expected import age_years, expected
from tests.render.page import Page
from tests.render.study import Age, split_criteria
from tests.render.variants import Variant, apply, render_page, with_long_lists
from tests.render.veeva import age_range, enrollment_line

SEEDS = {"veeva": ("000", "003", "004"), "medpath": ("002",), "ctgov_text": ("001",)}
# Headings our renderers write that the five seed pages happen not to show (other study types,
# enrollment types, the dynamic arms / locations headers, the title).
NOT_IN_SEEDS = re.compile(
    r"^(Observational model|Time perspective|Actual Recruitment|Recruitment|Locations \(\d+\)|"
    r"\d+ participants in \d+ patient groups?|\d+ patient groups?)$"
)


def seed_lines(seeds_dir, layout: str) -> list[list[str]]:
    pages = []
    for prefix in SEEDS[layout]:
        (path,) = seeds_dir.glob(f"{prefix}_*.txt")
        pages.append(path.read_text(encoding="utf-8").splitlines())
    return pages


def headings(page: Page) -> list[str]:
    title = page.sections[1].lines[0].text if page.layout != "ctgov_text" else page.sections[0].lines[0].text
    return [line.text for line in page.lines() if line.kind == "heading" and line.text != title]


@pytest.mark.parametrize("layout", ["veeva", "medpath", "ctgov_text"])
def test_rendered_headings_are_the_seed_headings_in_seed_order(layout, seeds_dir, real_studies):
    seeds = seed_lines(seeds_dir, layout)
    known = {line for page in seeds for line in page}
    for study in real_studies[:60]:
        rendered = headings(render_page(layout, study))
        unknown = [h for h in rendered if h not in known and not NOT_IN_SEEDS.match(h)]
        assert not unknown, f"{layout} headings not on any seed page: {unknown}"
        for seed in seeds:
            shared = [h for h in rendered if h in seed]
            seed_order = sorted(shared, key=seed.index)
            assert shared == seed_order, f"{layout} heading order differs from the seed: {shared} vs {seed_order}"


def test_ctgov_text_explanations_are_our_own_sentences(seeds_dir):
    (seed,) = seed_lines(seeds_dir, "ctgov_text")
    seed_explanations = {seed[i + 1] for i, line in enumerate(seed[:-1]) if line in ctgov_text.EXPLANATIONS}
    assert len(seed_explanations) == len(ctgov_text.EXPLANATIONS)  # every heading is on the seed
    assert not seed_explanations & set(ctgov_text.EXPLANATIONS.values())


@pytest.mark.parametrize("layout", ["veeva", "medpath", "ctgov_text"])
def test_pages_have_the_seed_line_endings_and_no_final_newline(layout, seeds_dir, real_studies):
    seed = seed_lines(seeds_dir, layout)[0]
    text = render_page(layout, real_studies[0]).text()
    lines = text.splitlines()
    if layout == "ctgov_text":  # title, then "NCT ID: ..." and "Last Updated: ..." as on the seed
        assert [line.split(":")[0] for line in lines[1:3]] == [line.split(":")[0] for line in seed[1:3]]
    else:  # the site brand line
        assert lines[0] == seed[0]
    assert "\r" not in text and not text.endswith("\n")
    if layout != "ctgov_text":  # the CT.gov text rendering has no blank lines at all
        assert "\n\n\n" not in text
    else:
        assert "\n\n" not in text


def test_veeva_value_lines_follow_the_site_wording():
    assert age_range(Age(15, "years"), Age(70, "years")) == "15 to 70 years old"
    assert age_range(Age(6, "months"), Age(17, "years")) == "6 months to 17 years old"
    assert age_range(Age(18, "years"), None) == "18+ years old"
    assert age_range(None, Age(5, "years")) == "Up to 5 years old"
    assert age_range(None, None) is None
    assert enrollment_line(20, "ESTIMATED") == "20 estimated patients"
    assert enrollment_line(240, "ACTUAL") == "240 actual patients"
    assert enrollment_line(7, None) == "7 patients"


def test_criteria_text_splits_into_inclusion_and_exclusion_items():
    text = "Inclusion Criteria:\n\n* Adults\n* Signed \\<consent\\>\n\nExclusion Criteria:\n\n1. Pregnancy\n2. HIV"
    assert split_criteria(text) == (["Adults", "Signed <consent>"], ["Pregnancy", "HIV"])
    assert split_criteria(text, unescape=False)[0] == ["Adults", "Signed \\<consent\\>"]


def test_expected_ages_convert_units_to_years():
    assert age_years(Age(6, "months")) == 0.5
    assert age_years(Age(1, "year")) == 1.0
    assert age_years(Age(14, "days")) == pytest.approx(14 / 365.25)
    assert age_years(None) is None


class _Visible(HTMLParser):
    """Visible text of saved HTML (script, style and the tab title dropped), and the <li> texts."""

    def __init__(self):
        super().__init__()
        self.skip = 0
        self.text: list[str] = []
        self.items: list[str] = []
        self.in_li = False

    def handle_starttag(self, tag, attrs):
        self.skip += tag in ("script", "style", "title")
        self.in_li = tag == "li"

    def handle_endtag(self, tag):
        self.skip -= tag in ("script", "style", "title")
        self.in_li = self.in_li and tag != "li"

    def handle_data(self, data):
        shown = " ".join(data.split())  # a browser collapses whitespace runs
        if not self.skip and shown:
            self.text.append(shown)
            if self.in_li:
                self.items.append(shown)


@pytest.mark.parametrize("layout", ["veeva", "medpath", "ctgov_text"])
def test_html_variant_shows_the_same_lines_as_the_text_page(layout, real_studies):
    study = real_studies[5]
    page = render_page(layout, study)
    html = apply(page, Variant(html=True, crlf=True, bom=True))
    assert html.startswith("\ufeff<!DOCTYPE html>") and "\n" not in html.replace("\r\n", "")
    visible = _Visible()
    visible.feed(html.lstrip("\ufeff"))
    # list items lose their marker (the browser draws it); every other line is shown as is
    shown = [(line.text if line.kind == "item" else line.shown).strip() for line in page.lines()]
    assert visible.text == [line for line in shown if line]
    assert all(not item.startswith(("•", "* ")) for item in visible.items)
    if "&" in page.text():  # e.g. MedPath's "Recruitment & Eligibility"
        assert "&amp;" in html


def test_deleting_an_optional_section_removes_only_that_section(real_studies):
    page = render_page("veeva", real_studies[0])
    name = page.optional_names()[0]
    shown = apply(page, Variant(omit=frozenset([name])))
    assert name not in shown.splitlines()
    assert expected(real_studies[0], "veeva")["title"] in shown.splitlines()


def test_long_list_copy_multiplies_every_list_without_touching_the_original(real_studies):
    study = real_studies[0]
    before = expected(study, "veeva")
    big = expected(with_long_lists(study, copies=40), "veeva")
    assert len(big["conditions"]) == len(before["conditions"]) + 39
    assert len(big["interventions"]) == len(before["interventions"]) + 39
    assert expected(study, "veeva") == before


def blank_around(lines: list[str], heading: str) -> tuple[bool, bool]:
    i = lines.index(heading)
    return (i > 0 and not lines[i - 1].strip()), (i + 1 < len(lines) and not lines[i + 1].strip())


@pytest.mark.parametrize("layout", ["veeva", "medpath"])
def test_headings_sit_between_blank_lines_as_on_the_seed(layout, seeds_dir, real_studies):
    """A heading is followed by a blank line exactly where the seed has one; and on pages with all
    of the seed's sections it is preceded by one exactly where the seed has one."""
    pages = [render_page(layout, study) for study in real_studies[:80]]
    rendered = [(page, headings(page), page.text().splitlines()) for page in pages]
    vocabulary = {h for _, page_headings, _ in rendered for h in page_headings}
    checked = 0
    for seed in seed_lines(seeds_dir, layout):
        wanted = [h for h in dict.fromkeys(seed) if h in vocabulary and seed.count(h) == 1]
        for page, page_headings, lines in rendered:
            complete = set(wanted) <= set(page_headings)  # else a missing section changes neighbours
            for heading in wanted:
                if heading not in page_headings:
                    continue
                before, after = blank_around(lines, heading)
                seed_before, seed_after = blank_around(seed, heading)
                assert after == seed_after, (layout, heading, page.nct_id, "blank after")
                assert before == seed_before or not complete, (layout, heading, page.nct_id, "blank before")
                checked += 1
    assert checked > 500
