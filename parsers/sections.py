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
from functools import lru_cache
from typing import TYPE_CHECKING

from parsers.headings import SYNONYMS, heading_key, heading_like, may_be_shaped, sentence_like, unknown_section_heading
from parsers.lines import is_item

if TYPE_CHECKING:
    from parsers.layout import LayoutSpec

UNKNOWN = "_unknown"
MAX_HEADING_WORDS = 7  # longer lines are never compared with headings tolerantly
TOP = "_top"  # as parsers.layout.TOP
ALONE = "_alone"  # the block of a line standing alone (where no marker block's markers apply)


@dataclass(frozen=True)
class Opening:
    name: str  # block name (UNKNOWN for a heading no layout knows)
    exact: bool  # the line is the heading as the layout prints it


_UNSEEN = object()  # a memo miss (None is a memoized answer)


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
        self.markers_in = spec.markers_in
        self._memo: dict[tuple, Opening | None] = {}
        self._base: dict[str, Opening | None] = {}  # text -> _anywhere(text)

    def match(self, text: str, in_prose: bool = False, first_value: bool = True, block: str | None = None) -> Opening | None:
        """in_prose: the line stands in free text; first_value: it is the first line under a
        heading (where a value word is a value: "Primary purpose" / "Treatment"); block: the
        block it stands in, when known."""
        if not text or len(text) > 80:
            return None
        # most lines: what they open does not depend on where they stand (nothing, or the
        # heading printed exactly): one lookup by text
        base = self._anywhere(text)
        if base is None or base.exact:
            return base
        markers = block is None or not self.markers_in or block in self.markers_in
        return _remembered(self._memo, (text, in_prose, first_value, markers), self._match,
                           text, in_prose, first_value, markers)

    def openings(self, texts: list[str]) -> list[Opening | None]:
        """Per line, what it opens where no context refuses one (see _anywhere): None there
        is None for `match` in any context, an exact opening is the same in any context; only
        the few other lines need `match` with their context."""
        anywhere = self._anywhere
        return [None if not text or len(text) > 80 else anywhere(text) for text in texts]

    def _anywhere(self, text: str) -> Opening | None:
        """The match where no context refuses one, memoized: None here is None everywhere (each
        context only refuses), and an exact match is exact everywhere (decided before any context)."""
        return _remembered(self._base, text, self._match, text, False, False, False)

    def _match(self, text: str, in_prose: bool, first_value: bool, markers: bool) -> Opening | None:
        name = self.exact.get(text.casefold())
        if name is not None:
            return Opening(name, True)
        for heading in self.patterned:
            if heading.matches(text):
                return Opening(heading.name, True)
        if is_item(text) or (markers and text.casefold() in self.not_headings):
            return None
        if in_prose and text.endswith(":"):
            return None  # "Study design:" in a description is a label of the text
        name = self.exact.get(text.rstrip(": ").casefold())
        if name is not None:
            return Opening(name, False)  # "Sex:": the printed heading with a colon
        name = self.tolerant.get(heading_key(text)) if text.count(" ") < MAX_HEADING_WORDS else None
        if name is not None and not (first_value and is_value_word(text)):
            return Opening(name, False)
        return None


def _remembered(memo: dict, key, compute, *args):
    """memo[key], computed as compute(*args) the first time (None is an answer too); the memo is
    emptied past 65,536 entries (pages repeat their headings, not their prose)."""
    found = memo.get(key, _UNSEEN)
    if found is _UNSEEN:
        if len(memo) > 1 << 16:
            memo.clear()
        found = memo[key] = compute(*args)
    return found


_MATCHERS: dict[int, tuple["LayoutSpec", _Matcher]] = {}


def matcher(spec: "LayoutSpec") -> _Matcher:
    cached = _MATCHERS.get(id(spec))
    if cached is None or cached[0] is not spec:
        cached = _MATCHERS[id(spec)] = (spec, _Matcher(spec))
    return cached[1]


@lru_cache(maxsize=1 << 14)
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


def heading_positions(lines: list[str], spec: "LayoutSpec", markup: bool = False) -> dict[int, Opening]:
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
    alone = _alone_flags(texts)
    bases = match.openings(texts)
    if not spec.ordered_headings:
        positions = _free_positions(texts, bases, alone, spec, match)
        positions.update(_foreign_runs(texts, positions, spec))
    else:
        positions = _ordered_positions(texts, bases, spec, match)
    if markup:
        # in HTML only h1-h6 elements stand between blank lines: such a line is a heading,
        # unless it is the first line under a heading (a single value: "Sex" / "All")
        first_values = {next((j for j in range(i + 1, len(texts)) if texts[j]), -1) for i in positions}
        first = min(positions, default=len(texts))
        for i, text in enumerate(texts):
            if alone[i] and i > first and i not in positions and i not in first_values \
                    and heading_like(text.removesuffix(":")):  # "Funding Sources:" too
                positions[i] = Opening(UNKNOWN, False)
    return dict(sorted(positions.items()))


def _ordered_positions(texts: list[str], bases: list[Opening | None], spec: "LayoutSpec", match: _Matcher
                       ) -> dict[int, Opening]:
    found = [(i, opening) for i, base in enumerate(bases)
             if base is not None and (opening := base if base.exact else match.match(texts[i])) is not None]
    named: dict[str, list[tuple[int, Opening]]] = {}  # found, by heading name (in line order)
    for i, opening in found:
        named.setdefault(opening.name, []).append((i, opening))
    positions: dict[int, Opening] = {}
    # a heading printed exactly once opens its block wherever it stands (a reordered page) ...
    for heading in spec.headings:
        exact = [(i, o) for i, o in named.get(heading.name, ()) if o.exact]
        if len(exact) == 1:
            positions[exact[0][0]] = exact[0][1]
    # ... the others: from the last heading backwards, the LAST occurrence before the next heading
    placed = {o.name: i for i, o in positions.items()}
    limit = len(texts)
    for heading in reversed(spec.headings):
        if heading.name in placed:
            limit = min(limit, placed[heading.name]) if placed[heading.name] < limit else limit
            continue
        candidates = [(i, o) for i, o in named.get(heading.name, ()) if i < limit and i not in positions]
        # printed as the layout does first, then (a reworded one) followed by its explainer
        chosen = max(candidates, default=None, key=lambda c: (
            c[1].exact, spec.explainer_after_heading and _explainer_follows(texts, c[0]), c[0]))
        if chosen is not None:
            positions[chosen[0]] = chosen[1]
            limit = chosen[0]
    placed_names = {o.name for o in positions.values()}
    for heading in spec.headings:  # out of order and not printed exactly: placed when it is the only candidate
        candidates = [(i, o) for i, o in named.get(heading.name, ()) if i not in positions]
        if heading.name not in placed_names and len(candidates) == 1:
            positions[candidates[0][0]] = candidates[0][1]
    if not spec.explainer_after_heading:
        return dict(sorted(positions.items()))
    prose = _prose_lines(positions, len(texts), spec, spec.prose_blocks | spec.described_blocks)
    first = min(positions, default=len(texts))  # the title and header lines are not sections
    for i in range(first + 1, len(texts)):
        text = texts[i]
        if i in positions or not may_be_shaped(text):  # both tests below need the shape: asked once
            continue
        if (unknown_section_heading(text) or (i not in prose and heading_like(text))) and _explainer_follows(texts, i):
            positions[i] = Opening(UNKNOWN, False)  # a heading no layout knows, with its explainer
    return dict(sorted(positions.items()))


def _foreign_runs(texts: list[str], positions: dict[int, Opening], spec: "LayoutSpec") -> dict[int, Opening]:
    """Headings no rule names, found by structure: a list block's values stand on consecutive
    lines, so a later run of lines in it belongs to another section. Where values follow
    their heading after a blank line (Veeva, and any h1-h6 heading in HTML), the next run
    starts with that section's heading; where they follow it directly (MedPath text), the
    heading is the last line of the run, glued to the list, when a blank line follows it."""
    found: dict[int, Opening] = {}
    starts = sorted(positions)
    for k, start in enumerate(starts):
        if positions[start].name not in spec.list_blocks:
            continue
        end = starts[k + 1] if k + 1 < len(starts) else len(texts)
        first = next((i for i in range(start + 1, end) if texts[i]), None)
        if first is None:
            continue
        run_end = next((i for i in range(first, end) if not texts[i]), end)
        rest = next((i for i in range(run_end, end) if texts[i]), None)
        if rest is None:
            continue
        if first > start + 1:
            found[rest] = Opening(UNKNOWN, False)
        elif run_end - first >= 2 and heading_like(texts[run_end - 1]):
            found[run_end - 1] = Opening(UNKNOWN, False)
    return found


def _alone_flags(texts: list[str]) -> list[bool]:
    """Per line: blank lines before and after it (a heading's place in text, an h1-h6
    element's in HTML); the first and last lines never stand alone."""
    blank = [not text for text in texts]
    return [False, *[before and after for before, after in zip(blank, blank[2:])], False][:len(texts)]


def _free_positions(texts: list[str], bases: list[Opening | None], alone: list[bool], spec: "LayoutSpec",
                    match: _Matcher) -> dict[int, Opening]:
    positions: dict[int, Opening] = {}
    used: set[str] = set()
    # a heading that stands alone somewhere (blank lines around it: Veeva text, any h1-h6 in
    # HTML) opens its block there, not at an earlier line of free text that repeats it
    plain = [(i, o) for i, o in enumerate(bases) if o is not None and o.exact]
    alone_names = {o.name for i, o in plain if alone[i]}
    printed = {o.name for _, o in plain}
    current = None
    first_value = False  # no line yet since the last heading
    for i, text in enumerate(texts):
        if not text:  # a blank line opens nothing and is no value
            continue
        in_prose = current in spec.prose_blocks
        # a marker line ("Treatment:") is a marker inside its block, unless it stands alone as headings do
        opening = bases[i]
        if opening is not None and not opening.exact:
            opening = match.match(text, in_prose, first_value, ALONE if alone[i] else current or TOP)
        if opening is None and in_prose and text.endswith(":"):
            # "Exclusion criteria:" in free text is that heading only when the page never prints it plain
            name = match.exact.get(text.rstrip(": ").casefold())
            opening = Opening(name, False) if name is not None and name not in printed else None
        if opening is not None and opening.name in alone_names and not alone[i]:
            opening = None
        if opening is not None and not opening.exact and opening.name in printed:
            opening = None  # the page prints this heading as the layout does: a variant elsewhere is text
        if opening is not None and opening.name not in used:
            positions[i] = opening
            used.add(opening.name)
            current, first_value = opening.name, True
            continue
        if opening is None and (not in_prose or alone[i]) and unknown_section_heading(text):
            positions[i] = Opening(UNKNOWN, False)
            current, first_value = UNKNOWN, True
            continue
        first_value = False
    return positions


def _prose_lines(positions: dict[int, Opening], n: int, spec: "LayoutSpec", names: frozenset[str]) -> set[int]:
    """Indexes of lines inside the blocks `names` (free text, where a heading-like line is text)."""
    out: set[int] = set()
    starts = sorted(positions)
    for k, start in enumerate(starts):
        if positions[start].name in names:
            end = starts[k + 1] if k + 1 < len(starts) else n
            out.update(range(start + 1, end))
    return out


def _explainer_follows(texts: list[str], i: int) -> bool:
    """The next non-blank line is a sentence (the fixed explainer a heading has in this layout)."""
    return sentence_like(next((texts[j] for j in range(i + 1, len(texts)) if texts[j]), ""))


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
