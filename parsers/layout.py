"""The shared layout engine: lines -> chrome dropped -> named blocks -> fields.

A source is a `LayoutSpec` (see parsers/sources/*): its headings, its chrome lines, where its
footer starts, and one small reader per block. The engine does everything else the same way
for every source: it drops site chrome wherever it stands (parsers/chrome.py), cuts the page
into blocks at its headings, read tolerantly (parsers/sections.py, parsers/headings.py), runs
each block's reader inside a guard (a broken section becomes a warning, the rest of the page
is still used), turns lines a reader did not use into "unused_lines" warnings, so nothing is
lost silently, and says how the page departs from its layout (parsers/drift.py).

Also here: the helpers readers share: `normalized` (normalizer call that records the raw
string and turns `Unmapped` into an "unmapped_value" warning), `fill_slots` (positional values
recognised by shape), and simple line-shape tests (list items: parsers/criteria.py).
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from parsers.chrome import looks_like_chrome, remove_chrome
from parsers.drift import warn_layout_drift
from parsers.headings import heading_shaped
from parsers.identifiers import classify_identifier, is_registry_type
from parsers.normalize import Unmapped
from parsers.normalize.conditions import condition_key
from parsers.normalize.text import acronym_from_title
from parsers.normalize.types import normalize_intervention_type
from parsers.record import Condition, Identifier, SourceRecord
from parsers.sections import UNKNOWN, heading_positions
from parsers.signature import Evidence, Signature  # noqa: F401 (spec modules import them from here)

# A reader fills the record from one block and returns the lines it did not use.
Reader = Callable[[SourceRecord, "Block"], "list[str] | None"]


@dataclass(frozen=True)
class Heading:
    """A section heading: the block `name`, and the exact line (case-insensitive) or a regex."""

    name: str
    text: str | None = None
    pattern: re.Pattern[str] | None = None

    def matches(self, line: str) -> bool:
        if self.pattern is not None:
            return bool(self.pattern.fullmatch(line))
        return line.casefold() == (self.text or self.name).casefold()


@dataclass
class Block:
    name: str  # heading name; TOP for the lines before the first heading
    heading: str | None  # the heading line as shown
    exact: bool = True  # the heading is worded as the layout prints it (else: a tolerant match)
    after_blank: bool = False  # a blank line stands before the heading (in HTML: an h1-h6 heading)
    lines: list[str] = field(default_factory=list)  # content lines, blanks kept as ""
    explainer: str | None = None  # the fixed sentence under the heading (layouts that have one)

    @property
    def values(self) -> list[str]:
        """Non-blank content lines, stripped."""
        return [line.strip() for line in self.lines if line.strip()]


TOP = "_top"


@dataclass(frozen=True)
class LayoutSpec:
    key: str
    headings: tuple[Heading, ...]
    readers: dict[str, Reader]  # block name -> reader; TOP reads the lines before the first heading
    signature: Signature
    # extra lines dropped wherever they stand (the sites' own lists are in parsers/chrome.py)
    chrome: frozenset[str] = frozenset()
    chrome_patterns: tuple[re.Pattern[str], ...] = ()
    brand: frozenset[str] = frozenset()  # dropped when it is the first non-blank line
    footer_markers: frozenset[str] = frozenset()  # the page is cut from the LAST such line on
    explainer_after_heading: bool = False  # each heading is followed by one fixed sentence
    ordered_headings: bool = False  # headings usually come in `headings` order (see parsers.sections)
    finish: Callable[[SourceRecord], None] | None = None  # cross-block steps after all readers
    read_first: tuple[str, ...] = ()  # blocks other readers depend on (read before page order)
    not_headings: frozenset[str] = frozenset()  # marker lines a tolerant match must not take ("Treatment:") ...
    markers_in: frozenset[str] = frozenset()  # ... inside these blocks (empty: anywhere)
    prose_blocks: frozenset[str] = frozenset()  # free-text blocks: a "Label:" line there is text
    usual_order: tuple[str, ...] = ()  # block names in page order, when `headings` is not in that order
    blank_rhythm: bool = True  # the page text separates blocks with blank lines
    list_blocks: frozenset[str] = frozenset()  # blocks whose values stand on consecutive lines (one run)
    described_blocks: frozenset[str] = frozenset()  # name lines followed by description sentences (arms)


# --- engine -------------------------------------------------------------------------------------

def strip_chrome(lines: list[str], spec: LayoutSpec, removed: list[str] | None = None) -> list[str]:
    """Drop the brand line at the top, the footer, the site's chrome lines and generic chrome
    (parsers/chrome.py) wherever they stand; keep blank lines. Generic chrome lines removed
    are appended to `removed`."""
    out, generic = remove_chrome(lines, spec.key)  # first, so chrome past the footer is counted too
    if removed is not None:
        removed.extend(generic)
    first = next((i for i, line in enumerate(out) if line.strip()), None)
    if first is not None and out[first].strip() in spec.brand:
        out = out[first + 1:]
    if spec.footer_markers:
        content_start = next((i for i, line in enumerate(out) if line.strip()), 0)
        marks = [i for i, line in enumerate(out) if line.strip() in spec.footer_markers and i > content_start]
        if marks:
            out = out[: marks[-1]]
    if not spec.chrome and not spec.chrome_patterns:
        return out
    return [line for line in out if not _is_chrome(line.strip(), spec)]


def _is_chrome(line: str, spec: LayoutSpec) -> bool:
    if not line:
        return False
    return line in spec.chrome or any(p.fullmatch(line) for p in spec.chrome_patterns)


def split_blocks(lines: list[str], spec: LayoutSpec, markup: bool = False) -> list[Block]:
    """Cut the page at its headings (see `parsers.sections.heading_positions` for which lines
    open a block); markup: the lines come from HTML, headings between blank lines."""
    positions = heading_positions(lines, spec, markup)  # in line order
    starts = list(positions)
    blocks = [Block(TOP, None, lines=lines[:starts[0] if starts else len(lines)])]
    for start, end in zip(starts, [*starts[1:], len(lines)]):
        opening = positions[start]
        block = Block(opening.name, lines[start].strip(), exact=opening.exact,
                      after_blank=start > 0 and not lines[start - 1].strip(), lines=lines[start + 1:end])
        if spec.explainer_after_heading:
            # the first line under the heading is dropped by POSITION: the wording of these
            # sentences is site copy, not data
            first = next((i for i, line in enumerate(block.lines) if line.strip()), None)
            if first is not None:
                block.explainer = block.lines.pop(first).strip()
        blocks.append(block)
    return blocks


def parse_lines(lines: list[str], spec: LayoutSpec, record: SourceRecord, markup: bool = False) -> SourceRecord:
    """Fill `record` from a page's lines with the layout `spec`. Never raises on content.

    markup: the lines come from HTML, with each h1-h6 heading between blank lines."""
    removed: list[str] = []
    kept = strip_chrome(lines, spec, removed)
    blocks = split_blocks(kept, spec, markup)
    warn_layout_drift(record, blocks, spec, removed, lines, markup)  # spacing: as the page shows it
    blocks.sort(key=lambda b: 0 if b.name in spec.read_first else 1)  # stable: page order otherwise
    for block in blocks:
        reader = spec.readers.get(block.name)
        if reader is None:
            if block.name == UNKNOWN:
                record.warn("unknown_heading", repr(block.heading))
            if block.values:
                record.warn("unused_lines", f"{block.heading or block.name} n={len(block.values)}")
            continue
        try:
            unused = reader(record, block)
        except Exception as exc:  # a malformed section must not lose the rest of the page
            record.warn("section_error", f"{block.heading or block.name}: {type(exc).__name__}: {exc}")
            continue
        unused = [u for u in (unused or []) if u.strip()]
        if unused:
            if heading_shaped(unused[0]):
                # most likely a section this spec does not know yet: name it, so it can be added
                record.warn("unknown_heading", repr(unused[0].strip()))
            record.warn("unused_lines", f"{block.heading or 'top'} n={len(unused)}")
            record.raw.setdefault("unused_lines", "")
            record.raw["unused_lines"] += "".join(f"[{block.heading or 'top'}] {u.strip()}\n" for u in unused)
    if spec.finish is not None:
        try:
            spec.finish(record)
        except Exception as exc:
            record.warn("section_error", f"finish: {type(exc).__name__}: {exc}")
    _common_finish(record)
    return record


def _common_finish(record: SourceRecord) -> None:
    """Steps every layout shares once all blocks are read."""
    if record.title is None:
        record.warn("missing_field", "title")
    elif record.acronym is None:
        record.acronym = acronym_from_title(record.title)
    if not record.identifiers:
        record.warn("missing_field", "identifiers")


# --- helpers for readers ----------------------------------------------------------------------

def normalized(record: SourceRecord, field_name: str, fn: Callable[[Any], Any], raw: Any,
               *, store: bool = True, raw_key: str | None = None) -> Any:
    """fn(raw) with the raw string kept in record.raw; Unmapped -> warning, None.

    The one place where normalizer failures become "unmapped_value: field='raw'" warnings.
    """
    if raw is None:
        return None
    record.raw[raw_key or field_name] = raw if isinstance(raw, str) else "\n".join(map(str, raw))
    try:
        value = fn(raw)
    except Unmapped:
        record.warn("unmapped_value", f"{field_name}={raw!r}")
        return None
    if store:
        setattr(record, field_name, value)
    return value


def read_title(record: SourceRecord, parts: Sequence[str]) -> None:
    """The title from the lines before the layout's next anchor: a title wrapped over two or
    three lines is joined (and said so); a title that is site furniture is refused."""
    parts = [p.strip() for p in parts if p.strip()]
    if not parts:
        return
    if len(parts) > 3:
        record.warn("suspect_value", f"title: {len(parts)} lines before the next anchor")
        return
    title = " ".join(parts)
    if any(looks_like_chrome(p, record.source) for p in parts) or _ui_token(title):
        record.warn("suspect_value", f"title={title!r} reads like site chrome")
        return
    if len(parts) > 1:
        record.warn("joined_lines", f"title from {len(parts)} lines")
    record.title = record.raw["title"] = title


def _ui_token(text: str) -> bool:
    """One plain word ("Compare", "Overview", "O"): a button or an avatar, not a trial title
    (a one-word title is an acronym: capitals or digits, "ASPIRE-2")."""
    return " " not in text and (len(text) < 3 or (text.isalpha() and not text.isupper()))


# What `attempt` returns when a normalizer does not recognise a line (None is a real answer:
# "a known way of saying not given").
NOT_RECOGNISED = object()


def attempt(fn: Callable[[Any], Any], raw: Any) -> Any:
    """fn(raw), or NOT_RECOGNISED when fn raises Unmapped (or chokes on it): a shape test."""
    try:
        return fn(raw)
    except (ValueError, TypeError):  # Unmapped is a ValueError
        return NOT_RECOGNISED


@dataclass(frozen=True)
class Slot:
    """One positional value: `accept(line)` returns the normalized value, or raises Unmapped.

    A slot that `accepts_none` also takes lines its normalizer maps to None ("N/A" for an age):
    the position is filled, the value stays null."""

    name: str
    accept: Callable[[str], Any]
    accepts_none: bool = False


def fill_slots(lines: Iterable[str], slots: Sequence[Slot]) -> tuple[dict[str, tuple[str, Any]], list[str]]:
    """Assign each value line to the FIRST remaining slot that accepts it (slots keep their order).

    Values of layouts that print unlabeled values by position (the CT.gov-style text) are
    recognised by shape; order only breaks ties between slots that accept the same line.
    Returns ({slot name: (raw line, value)}, lines no slot accepted).
    """
    filled: dict[str, tuple[str, Any]] = {}
    unused: list[str] = []
    for line in lines:
        text = line.strip()
        if not text:
            continue
        for slot in slots:
            if slot.name in filled:
                continue
            value = attempt(slot.accept, text)
            if value is NOT_RECOGNISED or (value is None and not slot.accepts_none):
                continue
            filled[slot.name] = (text, value)
            break
        else:
            unused.append(text)
    return filled, unused


def join_text(lines: Iterable[str]) -> str | None:
    """Free text of a block: its non-blank lines, stripped, one per line; None when empty."""
    text = "\n".join(line.strip() for line in lines if line.strip())
    return text or None


def text_reader(field_name: str, not_given: Callable[[str | None], str | None] = lambda text: text):
    """Reader of a free-text block into one field; the raw text is kept even when `not_given`
    says it means "nothing" (MedPath's "Not available")."""
    def read(record: SourceRecord, block: Block) -> None:
        text = join_text(block.lines)
        if text:
            record.raw[field_name] = text
        setattr(record, field_name, not_given(text))
    return read


def pair_reader(raw_key: str, fn: Callable[[str], tuple[Any, Any] | None], fields: tuple[str, str]):
    """Reader of a one-value block whose normalizer yields two fields at once
    (enrollment count + type, minimum + maximum age); later lines are returned unused."""
    def read(record: SourceRecord, block: Block) -> list[str]:
        values = block.values
        if values:
            result = normalized(record, raw_key, fn, values[0], store=False)
            if result:
                for name, value in zip(fields, result):
                    setattr(record, name, value)
        return values[1:]
    return read


ISO_DATE = re.compile(r"^\d{4}(?:-\d{2}(?:-\d{2})?)?$")
_FLAG = re.compile("[\U0001F1E6-\U0001F1FF]{2}")
_LEADING_FLAGS = re.compile("^(?:[\U0001F1E6-\U0001F1FF]{2})+")


def is_flag(line: str) -> bool:
    """A line made only of regional-indicator flag emoji."""
    return bool(line) and not _FLAG.sub("", line).strip()


def strip_flag(line: str) -> tuple[bool, str]:
    """(had a leading flag, rest)."""
    match = _LEADING_FLAGS.match(line)
    if match:
        return True, line[match.end():].strip()
    return False, line


# Country names that contain a comma ("Korea, Republic of", "Iran, Islamic Republic of",
# "Taiwan, Province of China", "Congo, The Democratic Republic of the"): the ISO 3166 style.
_COUNTRY_TAIL = re.compile(r"(?:.*\bof(?: the)?|Province of .+|The .+)", re.IGNORECASE)


def split_place(place: str) -> tuple[str | None, str | None, str | None]:
    """"City, State, Country" / "City, Country" / "Country" -> (city, state, country)."""
    parts = [p.strip() for p in place.split(",") if p.strip()]
    if len(parts) >= 2 and _COUNTRY_TAIL.fullmatch(parts[-1]):
        parts[-2:] = [f"{parts[-2]}, {parts[-1]}"]
    if not parts:
        return None, None, None
    if len(parts) == 1:
        return None, None, parts[0]
    if len(parts) == 2:
        return parts[0], None, parts[1]
    return parts[0], parts[1], parts[-1]


def dedup(values: Iterable[str]) -> list[str]:
    out: list[str] = []
    for value in values:
        if value and value not in out:
            out.append(value)
    return out


# --- field readers shared by several layouts --------------------------------------------------

def add_conditions(record: SourceRecord, lines: Iterable[str]) -> None:
    for name in dedup(line.strip() for line in lines):
        record.conditions.append(Condition(name, condition_key(name)))


def typed_name(line: str) -> tuple[str | None, str | None, str]:
    """"Biological: MSC" -> ("BIOLOGICAL", "Biological", "MSC"); a line whose prefix is not an
    intervention type (or has none) is all name: (None, None, line)."""
    text = line.strip()
    head, sep, tail = text.partition(": ")
    if sep and tail.strip():
        value = attempt(normalize_intervention_type, head)
        if value is not NOT_RECOGNISED and value is not None:
            return value, head, tail.strip()
    return None, None, text


def add_identifier(record: SourceRecord, raw: str, field_name: str, default_type: str = "OTHER",
                   force_type: str | None = None) -> None:
    """One id from a structured id field, typed by its shape (classify_identifier).

    force_type overrides a NON-registry type only (a registry-shaped value keeps its registry)."""
    found = classify_identifier(raw, default_type)
    if found is None:
        record.warn("not_an_identifier", f"{field_name}={raw!r}")
        return
    value, id_type = found
    if force_type and not is_registry_type(id_type):
        id_type = force_type
    if any(i.value == value and i.id_type == id_type for i in record.identifiers):
        return
    record.identifiers.append(Identifier(value, id_type, raw, field_name))
