"""Which lines of a page open its sections, tolerant of reworded, reordered and unknown headings.

A line opens a section when it reads like one of the layout's headings: exactly, or after
`heading_key` (case, punctuation, "&"/"and", singular/plural) directly or through the site's
synonyms (parsers/headings.py). A tolerant match is refused where it would misread content:
a list item, a value word ("Treatment" is a primary purpose, not "Treatments"), a layout's
own marker line ("Treatment:"), or a "Label:" line inside free text. A line that reads like
a heading no layout knows (`unknown_section_heading`) opens an UNKNOWN section, so its lines
are not read as part of the section above it.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from parsers.headings import SYNONYMS, heading_key, unknown_section_heading
from parsers.lines import is_item

if TYPE_CHECKING:
    from parsers.layout import LayoutSpec

UNKNOWN = "_unknown"


@dataclass(frozen=True)
class Opening:
    name: str  # block name (UNKNOWN for a heading no layout knows)
    exact: bool  # the line is the heading as the layout prints it


class _Matcher:
    def __init__(self, spec: "LayoutSpec") -> None:
        fixed = [h for h in spec.headings if h.pattern is None]
        self.exact = {(h.text or h.name).casefold(): h.name for h in fixed}
        self.patterned = [h for h in spec.headings if h.pattern is not None]
        self.tolerant = {heading_key(h.text or h.name): h.name for h in fixed}
        names = {h.name for h in spec.headings}
        for synonym, canonical in SYNONYMS.get(spec.key, {}).items():
            if canonical not in names:
                raise ValueError(f"synonym {synonym!r} of {spec.key} names no heading: {canonical!r}")
            self.tolerant.setdefault(heading_key(synonym), canonical)
        self.not_headings = {line.casefold() for line in spec.not_headings}

    def match(self, text: str, in_prose: bool = False) -> Opening | None:
        if not text or len(text) > 80:
            return None
        name = self.exact.get(text.casefold())
        if name is not None:
            return Opening(name, True)
        for heading in self.patterned:
            if heading.matches(text):
                return Opening(heading.name, True)
        if text.casefold() in self.not_headings or is_item(text) or (in_prose and text.endswith(":")):
            return None
        name = self.tolerant.get(heading_key(text))
        if name is not None and not is_value_word(text):
            return Opening(name, False)
        return None


_MATCHERS: dict[int, tuple["LayoutSpec", _Matcher]] = {}


def matcher(spec: "LayoutSpec") -> _Matcher:
    cached = _MATCHERS.get(id(spec))
    if cached is None or cached[0] is not spec:
        cached = _MATCHERS[id(spec)] = (spec, _Matcher(spec))
    return cached[1]


def is_value_word(text: str) -> bool:
    """A line some field normalizer accepts (a status, phase, sex, design word): a value, never a heading."""
    from parsers.layout import NOT_RECOGNISED, attempt
    from parsers.normalize import design
    from parsers.normalize.phase import normalize_phase
    from parsers.normalize.sex import normalize_sex
    from parsers.normalize.status import normalize_status

    normalizers = (normalize_status, normalize_phase, normalize_sex, design.normalize_primary_purpose,
                   design.normalize_study_type, design.normalize_allocation, design.normalize_masking,
                   design.normalize_intervention_model, design.normalize_observational_model)
    return any(attempt(fn, text) not in (NOT_RECOGNISED, None) for fn in normalizers)


def heading_positions(lines: list[str], spec: "LayoutSpec") -> dict[int, Opening]:
    """{line index: Opening} of the lines that open blocks.

    Free layouts: each heading opens at most one block, its first occurrence (a later line that
    reads like a used heading stays content). Layouts with a fixed heading order: chosen from
    the last heading backwards, each heading is its LAST occurrence before the next heading, so
    a line of free text that repeats a heading (an arm description holding the line
    "Interventions") stays content of the section it is in; a heading found only once but out
    of that order (a reordered page) still opens its block.
    """
    texts = [line.strip() for line in lines]
    match = matcher(spec)
    if not spec.ordered_headings:
        return _free_positions(texts, spec, match)
    found = [(i, opening) for i, text in enumerate(texts) if (opening := match.match(text)) is not None]
    positions: dict[int, Opening] = {}
    limit = len(texts)
    for heading in reversed(spec.headings):
        # the heading as printed wins over a tolerant match (an intervention named "Intervention")
        index = max((i for i, o in found if o.name == heading.name and o.exact and i < limit), default=None)
        if index is None:
            index = max((i for i, o in found if o.name == heading.name and i < limit), default=None)
        if index is not None:
            positions[index] = next(o for i, o in found if i == index)
            limit = index
    chosen = {o.name for o in positions.values()}
    for name in {o.name for _, o in found} - chosen:
        places = [(i, o) for i, o in found if o.name == name]
        if len(places) == 1:
            positions[places[0][0]] = places[0][1]
    prose = _prose_lines(positions, len(texts), spec)
    for i, text in enumerate(texts):
        if i not in positions and i not in prose and unknown_section_heading(text) \
                and (not spec.explainer_after_heading or _explainer_follows(texts, i)):
            positions[i] = Opening(UNKNOWN, False)
    return dict(sorted(positions.items()))


def _free_positions(texts: list[str], spec: "LayoutSpec", match: _Matcher) -> dict[int, Opening]:
    positions: dict[int, Opening] = {}
    used: set[str] = set()
    current = None
    for i, text in enumerate(texts):
        in_prose = current in spec.prose_blocks
        opening = match.match(text, in_prose)
        if opening is not None and opening.name not in used:
            positions[i] = opening
            used.add(opening.name)
            current = opening.name
        elif opening is None and not in_prose and unknown_section_heading(text):
            positions[i] = Opening(UNKNOWN, False)
            current = UNKNOWN
    return positions


def _prose_lines(positions: dict[int, Opening], n: int, spec: "LayoutSpec") -> set[int]:
    """Indexes of lines inside free-text blocks (a heading-like line there is text)."""
    out: set[int] = set()
    starts = sorted(positions)
    for k, start in enumerate(starts):
        if positions[start].name in spec.prose_blocks:
            end = starts[k + 1] if k + 1 < len(starts) else n
            out.update(range(start + 1, end))
    return out


def _explainer_follows(texts: list[str], i: int) -> bool:
    """The next non-blank line is a sentence (the fixed explainer a heading has in this layout)."""
    nxt = next((t for t in texts[i + 1:] if t), "")
    return nxt.endswith(".") and len(nxt.split()) >= 4


def order_departures(names: list[str], spec: "LayoutSpec") -> list[tuple[str, str]]:
    """(heading, the heading it now follows) for each heading that stands earlier than usual."""
    usual = {name: n for n, name in enumerate(spec.usual_order or tuple(h.name for h in spec.headings))}
    out = []
    highest: str | None = None
    for name in names:
        if name not in usual:
            continue
        if highest is not None and usual[name] < usual[highest]:
            out.append((name, highest))
        elif highest is None or usual[name] > usual[highest]:
            highest = name
    return out
