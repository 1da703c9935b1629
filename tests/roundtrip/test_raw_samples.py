"""raw/ holds the invented sample pages: current with their generator, parseable, linkable."""
from __future__ import annotations

import pytest

from tests.render.samples import ORVATIDE_EU_CT, RAW_DIR, SAMPLES, sample_text

LAYOUT_OF = {"veeva_": "veeva", "medpath_": "medpath", "ctgov_text_": "ctgov_text"}


def layout_of(name: str) -> str:
    return next(layout for prefix, layout in LAYOUT_OF.items() if name.startswith(prefix))


def ids(record) -> set[tuple[str, str]]:
    return {(i.value, i.id_type) for i in record.identifiers}


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_raw_sample_is_current_with_its_generator(name):
    assert (RAW_DIR / name).read_text(encoding="utf-8") == sample_text(name), (
        f"raw/{name} is stale: run `python -m tests.render.samples`")


def test_raw_samples_cover_every_layout_and_form():
    names = sorted(SAMPLES)
    assert sum(n.startswith("veeva_") and n.endswith(".txt") for n in names) >= 2
    assert any(n.startswith("veeva_") and n.endswith(".html") for n in names)
    assert sum(n.startswith("medpath_") for n in names) >= 2
    assert sum(n.startswith("ctgov_text_") for n in names) >= 2


def test_raw_samples_copy_no_long_line_of_the_seed_pages(seeds_dir):
    # the project hook rejects any seed line of 70+ characters found in tracked files
    seed_lines = {line.strip() for path in seeds_dir.glob("*.txt")
                  for line in path.read_text(encoding="utf-8").splitlines() if len(line.strip()) >= 70}
    ours = [RAW_DIR / name for name in SAMPLES] + sorted((RAW_DIR.parent / "tests" / "render").glob("*.py"))
    copied = [(p.name, line) for p in ours for line in p.read_text(encoding="utf-8").splitlines()
              if any(seed in line for seed in seed_lines)]
    assert not copied


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_raw_sample_is_detected_and_parsed(name, parser_api):
    parse_text, detect = parser_api
    text = (RAW_DIR / name).read_text(encoding="utf-8")
    assert detect(text) == layout_of(name)
    record = parse_text(text)
    assert record.source == layout_of(name)
    assert record.title and record.status


def test_velmoraxin_pages_share_the_nct_id_and_disagree_on_enrollment(parser_api):
    parse_text, _ = parser_api
    veeva = parse_text((RAW_DIR / "veeva_velmoraxin.txt").read_text(encoding="utf-8"))
    ctgov = parse_text((RAW_DIR / "ctgov_text_velmoraxin.txt").read_text(encoding="utf-8"))
    assert ("NCT09412573", "NCT") in ids(veeva) & ids(ctgov)
    assert (veeva.enrollment, veeva.enrollment_type) == (120, "ESTIMATED")
    assert (ctgov.enrollment, ctgov.enrollment_type) == (118, None)


def test_orvatide_medpath_page_links_to_the_veeva_page_only_through_the_eu_ct_number(parser_api):
    parse_text, _ = parser_api
    medpath = parse_text((RAW_DIR / "medpath_orvatide_eu.txt").read_text(encoding="utf-8"))
    veeva = parse_text((RAW_DIR / "veeva_orvatide.html").read_text(encoding="utf-8"))
    assert not any(t == "NCT" for _, t in ids(medpath))
    assert (ORVATIDE_EU_CT, "EU_CT") in ids(medpath) & ids(veeva)
    assert ("NCT09387140", "NCT") in ids(veeva)
