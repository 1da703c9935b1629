"""The shared layout engine: chrome, blocks, guarded readers, slots, items."""
from __future__ import annotations

import re

from parsers.criteria import read_items
from parsers.layout import (
    TOP, Block, Heading, LayoutSpec, Signature, Slot, fill_slots, normalized, parse_lines,
    split_blocks, split_place, strip_chrome,
)
from parsers.normalize import Unmapped
from parsers.record import SourceRecord


def _spec(**kwargs) -> LayoutSpec:
    defaults = dict(key="test", headings=(Heading("Colour"), Heading("Size"), Heading("Groups", pattern=re.compile(r"\d+ groups"))),
                    readers={}, signature=Signature(headings=frozenset({"Colour"})))
    defaults.update(kwargs)
    return LayoutSpec(**defaults)


def _record() -> SourceRecord:
    return SourceRecord(source="test", parser_version="0")


def test_strip_chrome_drops_brand_footer_from_last_marker_and_chrome_lines():
    spec = _spec(brand=frozenset({"Brand"}), footer_markers=frozenset({"Brand"}), chrome=frozenset({"Menu"}))
    lines = ["", "Brand", "Menu", "Title", "Colour", "Brand new", "Brand", "footer text"]
    assert strip_chrome(lines, spec) == ["Title", "Colour", "Brand new"]


def test_split_blocks_by_heading_text_and_pattern_first_occurrence_wins():
    blocks = split_blocks(["Title", "Colour", "red", "", "Size", "Colour", "3 groups", "a"], _spec())
    assert [(b.name, b.values) for b in blocks] == [
        (TOP, ["Title"]), ("Colour", ["red"]), ("Size", ["Colour"]), ("Groups", ["a"])]
    assert blocks[-1].heading == "3 groups"


def test_explainer_sentence_is_dropped_by_position():
    spec = _spec(explainer_after_heading=True)
    blocks = split_blocks(["Colour", "Any words at all here.", "red", "Size", "Other words.", "Size is 3"], spec)
    assert blocks[1].explainer == "Any words at all here."
    assert blocks[1].values == ["red"]
    assert blocks[2].values == ["Size is 3"]


def test_guarded_readers_unused_lines_and_unknown_blocks_become_warnings():
    def colour(record, block):
        record.title = block.values[0]
        return block.values[1:]

    def size(record, block):
        raise RuntimeError("broken section")

    spec = _spec(readers={"Colour": colour, "Size": size})
    record = parse_lines(["Colour", "red", "blue", "Size", "9", "2 groups", "x"], spec, _record())
    assert record.title == "red"
    assert "unused_lines: Colour n=1" in record.warnings
    assert "section_error: Size: RuntimeError: broken section" in record.warnings
    assert "unused_lines: 2 groups n=1" in record.warnings  # no reader for that block
    assert "blue" in record.raw["unused_lines"]


def test_normalized_keeps_raw_and_turns_unmapped_into_a_warning():
    def fn(raw):
        if raw == "ok":
            return "OK"
        raise Unmapped("phase", raw)

    record = _record()
    assert normalized(record, "phase", fn, "ok") == "OK" and record.phase == "OK"
    assert normalized(record, "status", fn, "Phase 7") is None
    assert record.status is None
    assert record.raw == {"phase": "ok", "status": "Phase 7"}
    assert record.warnings == ["unmapped_value: status='Phase 7'"]


def _number(line):
    if not line.isdigit():
        raise Unmapped("n", line)
    return int(line)


def _na_or_number(line):
    return None if line == "N/A" else _number(line)


def test_fill_slots_first_remaining_slot_that_accepts():
    slots = (Slot("low", _na_or_number, accepts_none=True), Slot("high", _na_or_number, accepts_none=True),
             Slot("word", lambda s: s if s.isalpha() else (_ for _ in ()).throw(Unmapped("w", s))))
    filled, unused = fill_slots(["N/A", "abc", "65", "??", "7"], slots)
    assert filled == {"low": ("N/A", None), "word": ("abc", "abc"), "high": ("65", 65)}
    assert unused == ["??", "7"]


def test_fill_slots_missing_value_does_not_shift_the_others():
    slots = (Slot("count", _number), Slot("word", lambda s: s.upper() if s.isalpha() else (_ for _ in ()).throw(Unmapped("w", s))))
    filled, unused = fill_slots(["ready"], slots)
    assert filled == {"word": ("ready", "READY")} and unused == []


def test_read_items_with_markers_ignores_preamble_without_markers_each_line():
    assert read_items(["Patients are excluded if:", "  1. a", "", "  2. b"]) == (["a", "b"], ["Patients are excluded if:"])
    assert read_items(["first rule", "", "second rule"]) == (["first rule", "second rule"], [])


def test_split_place():
    assert split_place("Nantes, Pays de la Loire, France") == ("Nantes", "Pays de la Loire", "France")
    assert split_place("Lyon, France") == ("Lyon", None, "France")
    assert split_place("France") == (None, None, "France")


def test_any_mix_of_known_headings_and_junk_never_raises():
    from hypothesis import given, settings, strategies as st

    from parsers import parse_text
    from parsers.sources import layout_specs

    words = sorted({h.text or h.name for spec in layout_specs().values() for h in spec.headings if h.pattern is None})
    words += ["Intervention:", "Description:", "Treatment:", "Experimental group", "Role: X", "Site contact",
              "\U0001F1E9\U0001F1F0", "N/A", "OTHER", "12 Years", "2020-01-01", "3 participants", "• x", "1. y", "", ":"]
    line = st.one_of(st.sampled_from(words), st.text(max_size=30))

    @settings(max_examples=150, deadline=None)
    @given(st.lists(line, max_size=60), st.sampled_from(sorted(layout_specs())))
    def run(lines, source):
        record = parse_text("\n".join(lines), source=source)
        assert record.source == source
        assert not [w for w in record.warnings if w.startswith("section_error")], record.warnings

    run()


def test_placeholder_lines_are_not_items():
    assert read_items(["  • Adults", "  • -", "  • N/A"]) == (["Adults"], [])
    assert read_items(["Nil"]) == ([], [])


def test_a_marked_placeholder_keeps_the_block_a_marked_list():
    """"• None" alone is still a marked list: unmarked lines after it (a section the page
    added, with no rule naming its heading) are not criteria."""
    lines = ["• None", "", "Ask a Question", "", "Send your question to the study team."]
    assert read_items(lines) == ([], ["Ask a Question", "Send your question to the study team."])
