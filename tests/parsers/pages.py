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
