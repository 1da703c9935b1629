"""Criteria blocks -> items: list markers, placeholders ("None", "N/A") and a heading the page
added below the list (the item reader every layout and the CT.gov JSON reader share)."""
from __future__ import annotations

import re
from collections.abc import Sequence

from parsers.headings import heading_like
from parsers.layout import join_text
from parsers.lines import split_item
from parsers.record import Criterion, SourceRecord


def read_items(lines: Sequence[str]) -> tuple[list[str], list[str]]:
    """List items of a block: (items, other lines).

    With list markers present, only marked lines are items (a preamble sentence is not a
    criterion); with none at all, each non-blank line is one item.
    """
    values = [line for line in lines if line.strip()]
    split = [split_item(value) for value in values]
    marked = [(is_item, text) for is_item, text in split if not _placeholder(text)]
    # a marked placeholder ("• None") still says the block is a marked list
    if any(is_item for is_item, _ in split):
        items = [text for is_item, text in marked if is_item and text]
        others = [text for is_item, text in marked if not is_item]
        return items, others
    items = [text for _, text in marked if text]
    cut = _standalone_heading(lines)
    if cut is not None and cut in items[1:]:
        # unmarked items end at a heading-like line standing alone: a section the page added
        return items[:items.index(cut)], items[items.index(cut):]
    return items, []


def _standalone_heading(lines: Sequence[str]) -> str | None:
    texts = [line.strip() for line in lines]
    return next((t for i, t in enumerate(texts) if 0 < i < len(texts) - 1 and not texts[i - 1]
                 and not texts[i + 1] and heading_like(t)), None)


_NOT_ALNUM = re.compile(r"[^0-9a-z]+")
_PLACEHOLDERS = frozenset({"", "nil", "none", "na", "n a", "not applicable", "not specified", "not available"})


# 15 ASCII letters or digits: more than any placeholder holds (each stays one [0-9a-z] when
# casefolded), so most items (criteria sentences) are decided without normalizing them.
_WORDY = re.compile(r"(?:[^0-9A-Za-z]*+[0-9A-Za-z]){15}")


def _placeholder(text: str) -> bool:
    """A line that only says "nothing here" ("-", "Nil", "None", "N/A") is not an item."""
    if _WORDY.match(text):
        return False
    return _NOT_ALNUM.sub(" ", text.casefold()).strip() in _PLACEHOLDERS


def add_criteria(record: SourceRecord, kind: str, lines: Sequence[str]) -> None:
    """Criteria of one kind from a block; the whole block text is kept in raw."""
    items, others = read_items(lines)
    start = sum(1 for c in record.criteria if c.kind == kind)
    record.criteria.extend(Criterion(kind, start + n, text) for n, text in enumerate(items, 1))
    block_text = join_text(lines)
    if block_text:
        key = f"{kind}_criteria"
        record.raw[key] = (record.raw[key] + "\n" + block_text) if key in record.raw else block_text
    if others:
        # not criteria (a preamble or a note between items), but kept in raw above
        record.warn("criteria_note", f"{kind} n={len(others)}")
