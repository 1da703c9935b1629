"""Every seed page parses to the values pinned in ../shared/golden/seeds.json (doses and
same_condition are checked by their owners' tests)."""
from __future__ import annotations

import pytest

from parsers import detect, parse_text
from parsers.identifiers import best_trial_id
from parsers.record import SCALAR_FIELDS

NOT_HERE = {"doses", "source"}


def _actual(record, key):
    if key == "trial_id":
        return best_trial_id(record.identifiers)
    if key == "identifiers":
        return [[i.value, i.id_type] for i in record.identifiers]
    if key == "conditions":
        return [c.name for c in record.conditions]
    if key == "interventions":
        return [[i.intervention_type, i.name] for i in record.interventions]
    if key == "arms":
        return [[a.label, a.arm_type] for a in record.arms]
    if key == "sponsors":
        return [[s.name, s.agency_class] for s in record.sponsors if s.role in ("lead", "collaborator")]
    if key == "n_arms":
        return len(record.arms)
    if key.startswith("n_") and key.endswith("_criteria"):
        kind = key[2:-len("_criteria")]
        return sum(1 for c in record.criteria if c.kind == kind)
    if key == "countries":
        return record.countries
    if key in SCALAR_FIELDS:
        return getattr(record, key)
    raise AssertionError(f"golden key {key!r} has no comparison here")


@pytest.mark.parametrize("name", ["000_a4e30c7a1d2c5fc1.txt", "001_0a12e7ce44983e1f.txt",
                                  "002_f3087dbd2f331037.txt", "003_a088c8f5c9a0d108.txt",
                                  "004_6506320b35fc07cc.txt"])
def test_seed_matches_golden(name, seeds_dir, golden):
    expected = golden["pages"][name]
    text = (seeds_dir / name).read_text(encoding="utf-8")
    assert detect(text) == expected["source"]
    record = parse_text(text)
    assert record.source == expected["source"]
    mismatches = {}
    for key, value in expected.items():
        if key in NOT_HERE:
            continue
        got = _actual(record, key)
        if got != value:
            mismatches[key] = (got, value)
    assert not mismatches, mismatches


def test_seed_files_are_all_pinned(seeds_dir, golden):
    assert sorted(p.name for p in seeds_dir.iterdir()) == sorted(golden["pages"])


@pytest.mark.parametrize("name", ["000_a4e30c7a1d2c5fc1.txt", "001_0a12e7ce44983e1f.txt",
                                  "002_f3087dbd2f331037.txt", "003_a088c8f5c9a0d108.txt",
                                  "004_6506320b35fc07cc.txt"])
def test_seed_parses_without_losing_lines(name, seeds_dir):
    """The seeds are the layout references: nothing on them may end up unread."""
    record = parse_text((seeds_dir / name).read_text(encoding="utf-8"))
    assert not [w for w in record.warnings if w.startswith(("unused_lines", "section_error", "unmapped_value"))]


@pytest.mark.parametrize("name", ["000_a4e30c7a1d2c5fc1.txt", "002_f3087dbd2f331037.txt",
                                  "003_a088c8f5c9a0d108.txt"])
def test_seed_as_crlf_bom_text_parses_the_same(name, seeds_dir):
    text = (seeds_dir / name).read_text(encoding="utf-8")
    plain = parse_text(text).to_dict()
    noisy = parse_text("\ufeff" + text.replace("\n", "\r\n"))
    assert noisy.to_dict() == plain


@pytest.mark.parametrize("name", ["000_a4e30c7a1d2c5fc1.txt", "001_0a12e7ce44983e1f.txt",
                                  "002_f3087dbd2f331037.txt", "003_a088c8f5c9a0d108.txt"])
def test_truncated_and_shuffled_seeds_never_raise(name, seeds_dir, golden):
    """Truncated scrapes and jumbled sections still give a record (with warnings), never an exception."""
    import random

    source = golden["pages"][name]["source"]
    lines = (seeds_dir / name).read_text(encoding="utf-8").split("\n")
    for cut in range(0, len(lines), 3):
        parse_text("\n".join(lines[:cut]), source=source)
    rng = random.Random(7)
    for _ in range(30):
        shuffled = lines[:]
        rng.shuffle(shuffled)
        record = parse_text("\n".join(shuffled), source=source)
        assert record.source == source


@pytest.mark.parametrize("name", ["000_a4e30c7a1d2c5fc1.txt", "001_0a12e7ce44983e1f.txt",
                                  "002_f3087dbd2f331037.txt", "003_a088c8f5c9a0d108.txt",
                                  "004_6506320b35fc07cc.txt"])
def test_seed_saved_as_html_matches_golden(name, seeds_dir, golden):
    from tests.parsers.test_lines import lines_to_html

    expected = golden["pages"][name]
    record = parse_text(lines_to_html((seeds_dir / name).read_text(encoding="utf-8")))
    assert record.source == expected["source"]
    mismatches = {k: (_actual(record, k), v) for k, v in expected.items()
                  if k not in NOT_HERE and _actual(record, k) != v}
    assert not mismatches, mismatches
