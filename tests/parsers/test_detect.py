"""Layout detection from content only."""
from __future__ import annotations

import json

import pytest

from parsers import UnknownLayout, detect, parse_text
from tests.parsers import test_ctgov_text, test_medpath, test_veeva
from tests.parsers.test_lines import lines_to_html


def test_every_seed_and_its_html_form(seeds_dir, golden):
    for name, expected in golden["pages"].items():
        text = (seeds_dir / name).read_text(encoding="utf-8")
        assert detect(text) == expected["source"], name
        assert detect(lines_to_html(text)) == expected["source"], name


@pytest.mark.parametrize("module, key", [(test_veeva, "veeva"), (test_medpath, "medpath"), (test_ctgov_text, "ctgov_text")])
def test_invented_pages_and_html(module, key):
    assert detect(module.page()) == key
    assert detect(lines_to_html(module.page())) == key


def test_veeva_without_its_brand_line_still_detected_by_headings():
    assert detect(test_veeva.page(drop=("chrome",))) == "veeva"


@pytest.mark.parametrize("text", [
    "",
    "   \n\n",
    "Dear team,\nthe meeting about Status and phase of the MedPath contract is moved.\nIdentifiers\nThanks",
    "MedPath\nA blog post about trials.\nConditions\nfever",
    "NCT ID: NCT01234567\nThis trial is great.",
    json.dumps({"protocolSection": {"identificationModule": {"nctId": "NCT01234567"}}, "note": "Basic Information Sponsors"}),
    "[1, 2, 3]",
    "<?xml version='1.0'?><clinical_study><brief_title>Status and phase</brief_title></clinical_study>",
    "<html><body><p>Hello</p></body></html>",
    "\x00\x01binary-ish\x02",
])
def test_unrelated_content_is_none(text):
    assert detect(text) is None


def test_parse_text_unknown_layout_raises_a_clear_error():
    with pytest.raises(UnknownLayout):
        parse_text("just some words")


def test_explicit_source_overrides_detection():
    record = parse_text(test_veeva.page(drop=("chrome",)), source="veeva")
    assert record.source == "veeva" and record.title.startswith("Oral Vitamin K2")
    with pytest.raises(ValueError):
        parse_text("x", source="nope")


def test_real_registry_exports_are_not_mistaken_for_pages():
    """CT.gov JSON/XML, EU CTR text, CTIS/ICTRP CSV: structured exports, not page layouts."""
    from tests.conftest import shared_path

    real = shared_path("real")
    checked = 0
    for folder in sorted(p for p in real.iterdir() if p.is_dir()):
        files = sorted(p for p in folder.rglob("*") if p.is_file() and p.stat().st_size < 20_000_000)[:40]
        for path in files:
            text = path.read_bytes().decode("utf-8", errors="replace")
            assert detect(text) is None, path
            checked += 1
    assert checked > 50


def test_ctgov_text_without_its_header_lines_is_still_detected():
    assert detect(test_ctgov_text.page(drop=("top",))) == "ctgov_text"


def _best_by_every_score(lines: list[str]) -> str | None:
    """detect_lines as the signatures define it: every layout's score on the whole page."""
    from parsers.signature import PageView
    from parsers.sources import layout_specs

    page = PageView.of(lines)
    best, best_score = None, 0
    for key, spec in layout_specs().items():
        score = spec.signature.score(page, key)
        if score > best_score:
            best, best_score = key, score
    return best


def test_the_early_answer_is_the_best_score(ctgov_v2_dir):
    """detect_lines stops reading a page once its one anchored layout shows enough headings; on
    real pages in every layout, and on pages that carry another layout's brand or marker too, lose
    their brand, or keep too few headings, it answers what every layout's score says."""
    import random

    from parsers.detect import detect_lines
    from parsers.lines import page_lines
    from tests.conftest import load_v2_study
    from tests.render.variants import LAYOUTS, variants_for

    rng = random.Random(7)
    studies = [load_v2_study(p) for p in sorted(ctgov_v2_dir.glob("NCT*.json"))[:60]]
    anchors = ["ClinicalTrials.Veeva", "MedPath", "NCT ID: NCT01234567"]
    checked = differs = 0
    for study in studies:
        for layout in LAYOUTS:
            for _, text in variants_for(layout, study):
                lines = page_lines(text, mark_headings=True)
                content = [i for i, line in enumerate(lines) if line.strip()]
                cut = lines[:content[rng.randrange(len(content))] + 1]  # a page cut short: few headings
                foreign = [rng.choice(anchors), *lines]  # a second brand or marker at the top
                unbranded = [line for line in lines if line.strip() not in anchors and "NCT ID:" not in line]
                for variant in (lines, cut, foreign, unbranded, foreign[:8]):
                    expected = _best_by_every_score(variant)
                    assert detect_lines(variant) == expected, (layout, study["protocolSection"]["identificationModule"]["nctId"])
                    checked += 1
                    differs += expected != layout
    assert checked > 2000 and differs > 50  # the variants reach the slow path's answers too
