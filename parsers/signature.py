"""How `detect` recognises a layout from a page's content: the layout's `Signature`.

Signals: a brand or marker line near the top (after generic chrome), and the layout's
distinctive headings, matched tolerantly (case, plural, "&", the site's synonyms), so a page
with a few reworded headings is still recognised. `Evidence` is what one page shows for one
layout; an unknown_layout quarantine row describes the closest layout's evidence.
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from parsers.sections import MAX_HEADING_WORDS


@dataclass(frozen=True)
class Signature:
    """How `detect` recognises a layout from its content.

    brand: lines one of which must stand among the first `brand_window` non-blank lines
    (or `marker`, a regex one of those lines must match); headings: distinctive headings, of
    which at least `min_headings` must be present. Without the brand/marker, `strong_headings`
    distinctive headings are enough (a page whose chrome was cut off).
    """

    headings: frozenset[str]
    brand: frozenset[str] = frozenset()
    marker: re.Pattern[str] | None = None
    min_headings: int = 2
    strong_headings: int | None = None
    brand_window: int = 8

    def score(self, lines: "Sequence[str] | PageView", site: str | None = None) -> int:
        """0 = not this layout; higher = more evidence."""
        evidence = self.evidence(lines, site)
        return evidence.score if evidence.recognised else 0

    def evidence(self, lines: "Sequence[str] | PageView", site: str | None = None) -> "Evidence":
        """The signals a page gives for this layout: a brand or marker line near the top (after
        generic chrome), and distinctive headings, matched tolerantly (case, plural, "&",
        the site's synonyms) so a page with a few reworded headings is still recognised."""
        page = lines if isinstance(lines, PageView) else PageView.of(lines)
        wanted = _wanted(self, site)
        found = {wanted[key] for key in wanted.keys() & page.keys}
        return Evidence(self.anchored(page.top), len(found), len(self.headings), self.min_headings,
                        self.strong_headings)

    def anchored(self, top: Sequence[str]) -> bool:
        """The brand line, or a line the marker matches, stands among the page's first content
        lines (`PageView.top`)."""
        top = top[: self.brand_window]
        branded = any(line in self.brand for line in top) if self.brand else False
        return branded or (any(self.marker.match(line) for line in top) if self.marker else False)

    def shows_enough(self, lines: Sequence[str], site: str | None = None) -> bool:
        """At least `min_headings` distinctive headings stand on the page: `evidence(...).found
        >= min_headings`, reading the lines only until that many are found."""
        from parsers.headings import heading_key

        wanted = _wanted(self, site)
        found: set[str] = set()
        for line in lines:
            text = line.strip()
            if text and _short(text):
                heading = wanted.get(heading_key(text))
                if heading is not None:
                    found.add(heading)
                    if len(found) >= self.min_headings:
                        return True
        return False


@lru_cache(maxsize=64)  # a few signatures x sites, asked for every page
def _wanted(signature: Signature, site: str | None) -> dict[str, str]:
    """Heading key -> the distinctive heading it stands for (the heading's own words and the site's synonyms)."""
    from parsers.headings import SYNONYMS, heading_key

    wanted = {heading_key(h): h for h in signature.headings}
    wanted.update({heading_key(syn): canonical for syn, canonical in SYNONYMS.get(site or "", {}).items()
                   if canonical in signature.headings})
    return wanted


@dataclass(frozen=True)
class PageView:
    """What every signature reads from a page, computed once: the first content lines after
    generic chrome, and the heading keys of its short lines."""

    top: tuple[str, ...]
    keys: frozenset[str]

    @classmethod
    def of(cls, lines: Sequence[str]) -> "PageView":
        from parsers.headings import heading_key

        content = [text for text in map(str.strip, lines) if text]
        return cls(top_lines(content), frozenset(heading_key(line) for line in content if _short(line)))


def top_lines(lines: Sequence[str], window: int = 12) -> tuple[str, ...]:
    """The first `window` content lines of a page after generic chrome, stripped."""
    from parsers.chrome import is_generic_chrome

    top: list[str] = []
    for line in lines:
        if len(top) == window:
            break
        text = line.strip()
        if text and not is_generic_chrome(text):
            top.append(text)
    return tuple(top)


def _short(text: str) -> bool:
    """A stripped line short enough to be compared with headings (as parsers.sections does)."""
    return len(text) <= 80 and text.count(" ") < MAX_HEADING_WORDS


@dataclass(frozen=True)
class Evidence:
    anchored: bool  # the brand or marker line stands near the top
    found: int  # distinctive headings present
    total: int
    min_headings: int  # needed with the brand/marker
    strong_headings: int | None  # needed without it

    @property
    def recognised(self) -> bool:
        return (self.anchored and self.found >= self.min_headings) or (
            self.strong_headings is not None and self.found >= self.strong_headings)

    @property
    def score(self) -> int:
        return (100 if self.anchored else 0) + self.found

    def describe(self) -> str:
        needs = f"needs brand/marker + {self.min_headings}" + (
            f" or {self.strong_headings} without" if self.strong_headings is not None else "")
        return (f"score {self.score}: {'brand/marker line' if self.anchored else 'no brand/marker line'}, "
                f"{self.found} of {self.total} distinctive headings ({needs})")
