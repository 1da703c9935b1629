"""Assembling small invented test pages from named sections (shared by the layout tests)."""
from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence


def assemble(sections: Mapping[str, Sequence[str]], *, drop: Iterable[str] = (),
             replace: Mapping[str, Sequence[str]] | None = None, order: Sequence[str] | None = None) -> str:
    """The page's lines, section by section: `drop` leaves sections out, `replace` swaps their
    lines, `order` reorders them (names not listed are left out)."""
    chosen = {**sections, **(replace or {})}
    dropped = set(drop)
    return "\n".join(line for name in (order or list(chosen)) if name not in dropped for line in chosen[name])


def real_page_lines(ctgov_v2_dir, studies: int = 40) -> list[str]:
    """The lines of the first `studies` real v2 studies rendered in every layout and variant (text
    and HTML), as the layout engine reads them: for tests of a per-line rule against real pages."""
    from parsers.lines import page_lines
    from tests.conftest import load_v2_study
    from tests.render.variants import LAYOUTS, variants_for

    lines: list[str] = []
    for path in sorted(ctgov_v2_dir.glob("NCT*.json"))[:studies]:
        for layout in LAYOUTS:
            for _, text in variants_for(layout, load_v2_study(path)):
                lines += page_lines(text, mark_headings=True)
    return lines
