"""The heading matcher's one-lookup fast path answers exactly as the full, context-aware match."""
from __future__ import annotations

import pytest

from parsers.headings import SYNONYMS
from parsers.sections import ALONE, TOP, _Matcher, matcher
from parsers.sources import layout_specs


def _candidate_lines(spec) -> list[str]:
    """Every way a line can meet the matcher: headings as printed and reworded, synonyms,
    marker lines, value words, list items, free-text labels, long and empty lines."""
    lines = ["", "x" * 81, "Treatment", "Treatment:", "Phase 2", "All", "Yes", "Randomized", "Study design:",
             "The study design is described below.", "1. Conditions", "• Interventions", "- Locations"]
    for heading in spec.headings:
        if heading.pattern is not None:
            continue
        text = heading.text or heading.name
        lines += [text, text.upper(), text.lower(), f"{text}:", f"{text} :", f"{text}s", text.rstrip("s"),
                  text.replace(" and ", " & "), f"• {text}", f"{text} (continued)"]
    lines += list(SYNONYMS.get(spec.key, {}))
    lines += [line for line in spec.not_headings] + [line.rstrip(":") for line in spec.not_headings]
    return lines


@pytest.mark.parametrize("key", sorted(layout_specs()))
def test_fast_path_matches_the_full_match_in_every_context(key):
    spec = layout_specs()[key]
    fast = matcher(spec)
    blocks = [None, TOP, ALONE, *sorted({h.name for h in spec.headings})]
    checked = 0
    for text in _candidate_lines(spec):
        for in_prose in (False, True):
            for first_value in (False, True):
                for block in blocks:
                    markers = block is None or not fast.markers_in or block in fast.markers_in
                    expected = _Matcher(spec)._match(text, in_prose, first_value, markers) if text and len(text) <= 80 else None
                    assert fast.match(text, in_prose, first_value, block) == expected, (text, in_prose, first_value, block)
                    checked += 1
    assert checked > 1000


@pytest.mark.parametrize("key", sorted(layout_specs()))
def test_openings_are_the_context_free_answers(key):
    spec = layout_specs()[key]
    lines = _candidate_lines(spec)
    openings = matcher(spec).openings(lines)
    assert len(openings) == len(lines)
    for text, opening in zip(lines, openings):
        expected = _Matcher(spec)._match(text, False, False, False) if text and len(text) <= 80 else None
        assert opening == expected, text
    assert any(o is not None and o.exact for o in openings) and any(o is not None and not o.exact for o in openings)


def test_the_shape_pretest_never_refuses_a_heading(ctgov_v2_dir):
    """heading_like / unknown_section_heading skip their memoized test for lines that cannot have
    a heading's shape; on every line of real pages in every layout, and on lines at the edges of
    that shape (five words, a trailing colon, surrounding spaces, lower case, digits), they answer
    as the memoized test does alone."""
    from parsers.headings import (
        _heading_like,
        _unknown_section_heading,
        heading_like,
        unknown_section_heading,
    )
    from tests.parsers.pages import real_page_lines

    lines = ["Data Sharing Statement", "Data Sharing Plan Statement Here", "Data Sharing Plan Statement Here Now",
             "  Funding Sources:  ", "Ask a Question", "Study Updates:", "Related trials near you", "related trials",
             "OTHER", "Phase 2 Results", "Éligibility Information", "", " ", ":", "Trial Documents ::", "A",
             "Collaborators\t", "Publication Summary Update Note Link", *real_page_lines(ctgov_v2_dir)]
    shaped = 0
    for line in dict.fromkeys(lines):
        assert heading_like(line) == _heading_like(line), line
        assert unknown_section_heading(line) == _unknown_section_heading(line), line
        shaped += _heading_like(line) + _unknown_section_heading(line)
    assert shaped > 100  # the pages' own headings reach the memoized tests


def test_heading_key_skips_the_punctuation_pass_only_where_it_would_change_nothing(ctgov_v2_dir):
    """heading_key blanks punctuation with a regex only for lines that hold something other than
    ASCII letters, digits and spaces; on every line of real pages and on edge lines it gives the
    key of the one-pass rule."""
    import re

    from parsers.headings import _singular, heading_key
    from tests.parsers.pages import real_page_lines

    def one_pass(text: str) -> str:
        text = text.casefold().replace("&", " and ").replace("(s)", "s")
        return " ".join(_singular(w) for w in re.sub(r"[^\w\s]+", " ", text).split())

    lines = ["Condition(s):", "Study & Design", "STUDY_TYPE", "Sex:", "Ages\teligible", "Études", "ÉTUDE(S)",
             "Phase 2/3", "", " ", "Key Information", "Eligibility Criteria", *real_page_lines(ctgov_v2_dir)]
    for line in dict.fromkeys(lines):
        assert heading_key.__wrapped__(line) == one_pass(line), line
    assert heading_key("Condition(s):") == "condition" and heading_key("Study & Design") == "study and design"
