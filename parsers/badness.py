"""ftfy's `is_bad` (does a line look like mojibake?), tried only where a match can start.

ftfy's badness regex is a large alternation that sre tries at every position of a line; on
the bench corpus that cost about 20 µs per non-ASCII line, most of decoding. Each branch of
the regex needs one of a few hundred non-ASCII characters (the "anchors") within its first
few characters, so a match can only start at most `lead` characters before an anchor.
`is_bad(line)` tries the regex there alone: the same answer as ftfy's, found faster.

The anchors and `lead` are read from ftfy's own regex at first use (sre's parse tree); if a
branch has no anchor at a bounded offset (a future ftfy), `is_bad` is ftfy's, unchanged.
"""
from __future__ import annotations

import re
from functools import lru_cache

try:  # Python 3.11+; sre_parse before
    from re import _constants as _c, _parser as _p  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover
    import sre_constants as _c  # type: ignore[no-redef]
    import sre_parse as _p  # type: ignore[no-redef]


def _chars(items) -> set[str] | None:
    """The characters of a character class, or None when it is not a plain list of them."""
    out: set[str] = set()
    for op, arg in items:
        if op is _c.LITERAL:
            out.add(chr(arg))
        elif op is _c.RANGE:
            out.update(chr(cp) for cp in range(arg[0], arg[1] + 1))
        else:  # NEGATE, CATEGORY (\s, \w ...): not enumerable
            return None
    return out


def _element(op, arg) -> tuple[set[str] | None, int | None]:
    """(its characters when it is one non-ASCII character or class, its greatest width)."""
    if op is _c.LITERAL:
        chars = {chr(arg)}
    elif op is _c.IN:
        chars = _chars(arg)
    elif op is _c.AT:
        return None, 0
    elif op is _c.MAX_REPEAT or op is _c.MIN_REPEAT:
        low, high, sub = arg
        width = sum(w for w in (_element(o, a)[1] for o, a in sub) if w is not None) \
            if all(_element(o, a)[1] is not None for o, a in sub) else None
        return None, None if width is None or high == _c.MAXREPEAT else high * width
    elif op is _c.ANY:
        return None, 1
    else:
        return None, None
    if chars is not None and all(ch > "\x7f" for ch in chars):
        return chars, 1
    return None, 1


def anchors_of(pattern: re.Pattern[str]) -> tuple[frozenset[str], int] | None:
    """(anchor characters, lead) such that every match of `pattern` has an anchor at most
    `lead` characters after its start; None when that cannot be shown from the parse tree."""
    if pattern.flags & (re.IGNORECASE | re.MULTILINE):
        return None
    tree = _p.parse(pattern.pattern, pattern.flags)
    branches = tree.data[0][1][1] if len(tree.data) == 1 and tree.data[0][0] is _c.BRANCH else [tree]
    anchors: set[str] = set()
    lead = 0
    for branch in branches:
        offset = 0
        for op, arg in branch.data:
            chars, width = _element(op, arg)
            if chars is not None:
                anchors |= chars
                lead = max(lead, offset)
                break
            if width is None:
                return None
            offset += width
        else:
            return None  # a branch without an anchor
    return frozenset(anchors), lead


@lru_cache(maxsize=1)
def _plan():
    from ftfy.badness import BADNESS_RE

    found = anchors_of(BADNESS_RE)
    if found is None:
        return BADNESS_RE, None, 0
    anchors, lead = found
    return BADNESS_RE, re.compile("[" + "".join(re.escape(ch) for ch in sorted(anchors)) + "]"), lead


def is_bad(line: str) -> bool:
    """ftfy.badness.is_bad(line), trying its regex only at the starts an anchor allows."""
    badness, anchor, lead = _plan()
    if anchor is None:
        return bool(badness.search(line))
    tried = 0  # starts below this were tried already
    for found in anchor.finditer(line):
        at = found.start()
        for start in range(max(tried, at - lead), at + 1):
            if badness.match(line, start):
                return True
        tried = at + 1
    return False
