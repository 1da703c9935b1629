"""Which layout a page is, from its CONTENT only (never the file name or folder).

Each layout declares a `Signature` (brand line / marker line near the top + distinctive
headings); the best positive score wins. JSON, XML and unrecognised text give None: registry
exports (JSON, XML) are read by parsers.exports, anything else is quarantined as an unknown layout.
"""
from __future__ import annotations

import json
from collections.abc import Sequence

from parsers.lines import looks_like_html, page_lines
from parsers.sources import layout_specs


def detect_lines(lines: Sequence[str]) -> str | None:
    """The layout whose signature scores best (None: none recognises the page)."""
    from parsers.signature import PageView, top_lines

    specs = layout_specs()
    top = top_lines(lines)
    anchored = [key for key, spec in specs.items() if spec.signature.anchored(top)]
    if len(anchored) == 1 and specs[anchored[0]].signature.shows_enough(lines, anchored[0]):
        # the one anchored layout that is recognised scores 100 or more, every other one
        # (unanchored) at most its number of headings: the answer is known without counting
        # the rest of the page's headings
        return anchored[0]
    page = PageView.of(lines)
    best, best_score = None, 0
    for key, spec in specs.items():
        score = spec.signature.score(page, key)
        if score > best_score:
            best, best_score = key, score
    return best


def closest_layout(lines: Sequence[str]) -> str:
    """For a page no layout recognises: the layout with the most evidence, and what it lacks
    (the detail of an unknown_layout quarantine row)."""
    scored = [(spec.signature.evidence(lines, key), key) for key, spec in layout_specs().items()]
    evidence, key = max(scored, key=lambda pair: (pair[0].score, pair[0].found / max(pair[0].total, 1)))
    return f"closest layout {key} ({evidence.describe()})"


def is_markup_or_data(text: str) -> bool:
    """JSON or non-HTML XML: structured data, not a page of lines.

    JSON is confirmed by parsing it: a page may well start with "[" (a bracketed title)."""
    stripped = text.strip("\ufeff \t\r\n")
    head = stripped[:1]
    if head in ("{", "[") and stripped[-1:] in ("}", "]"):
        try:
            json.loads(stripped)
            return True
        except ValueError:
            return False
    return head == "<" and not looks_like_html(text)


def detect(text: str) -> str | None:
    """Source key ("veeva", "medpath", "ctgov_text") of a page given as text or HTML, else None."""
    if not text or not text.strip() or is_markup_or_data(text):
        return None
    return detect_lines(page_lines(text))
