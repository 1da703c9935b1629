"""By which route a dose is given, normalized to a small vocabulary.

A route word stated in the dose's clause wins ("IV", "p.o.", "s.c.", "orally", "by mouth",
"epidural"); failing that, a dosage form that has only one route implies it ("tablets",
"capsules", "granules", "syrup" are oral; "infusion", "drip" intravenous). "injection" alone
says no route. The text after the amount is read first, then the text before it.
"""
from __future__ import annotations

import re

ROUTES = ("oral", "intravenous", "subcutaneous", "intramuscular", "inhaled", "intranasal",
          "sublingual", "topical", "transdermal", "intravitreal", "intrathecal", "epidural",
          "intradermal", "intra-articular", "intratumoral", "rectal", "vaginal")

_STATED: list[tuple[str, str]] = [
    ("epidural", r"\bepidural(?:ly)?\b"),
    ("intrathecal", r"\bintrathecal(?:ly)?\b|\bi\.?t\.?h\b"),
    ("intravitreal", r"\bintravitreal(?:ly)?\b|(?-i:IVT)"),
    ("intra-articular", r"\bintra-?articular(?:ly)?\b"),
    ("intratumoral", r"\bintra-?tumou?ral(?:ly)?\b"),
    ("intradermal", r"\bintradermal(?:ly)?\b|\bi\.d\.\B"),
    ("subcutaneous", r"\bsubcutaneous(?:ly)?\b|(?<![A-Za-z])s\.\s?c\.?(?![A-Za-z])|(?<![A-Za-z])sc(?![A-Za-z])"),
    ("intramuscular", r"\bintramuscular(?:ly)?\b|(?<![A-Za-z])i\.m\.?(?![A-Za-z])|(?<![A-Za-z])(?-i:IM)(?![A-Za-z])"),
    ("intravenous", r"\bintravenous(?:ly)?\b|(?<![A-Za-z])(?:i\.\s?v\.?|iv\.?)(?![A-Za-z])"),
    ("sublingual", r"\bsublingual(?:ly)?\b"),
    ("intranasal", r"\bintra-?nasal(?:ly)?\b|\bnasal\s+spray\b"),
    ("inhaled", r"\binhal(?:ed|ation|er)\b|\bnebuli[sz](?:ed|ation|er)\b|\batomi[sz](?:ed|ation)\b|\baerosoli[sz]ed\b"),
    ("transdermal", r"\btransdermal(?:ly)?\b"),
    ("topical", r"\btopical(?:ly)?\b"),
    ("rectal", r"\brectal(?:ly)?\b|\bsuppositor(?:y|ies)\b"),
    ("vaginal", r"\bvaginal(?:ly)?\b|\bpessar(?:y|ies)\b"),
    ("oral", r"\boral(?:ly)?\b|(?<![A-Za-z])p\.\s?o\.?(?![A-Za-z])|(?<![A-Za-z])po(?![A-Za-z])"
             r"|\bper\s+os\b|\bby\s+mouth\b"),
]
_FORMS: list[tuple[str, str]] = [
    ("oral", r"\b(?:tablets?|tabs?|caps?|capsules?|pills?|granules?|syrup|comprim[ée]s?|sachets?|oral\s+liquid|"
             r"drops)\b"),
    ("intravenous", r"\binfus(?:ion|ions|ed)\b|\bdrip\b"),
]
_STATED_RE = [(route, re.compile(p, re.I)) for route, p in _STATED]
_FORMS_RE = [(route, re.compile(p, re.I)) for route, p in _FORMS]


def _nearest(patterns, text: str, lo: int, hi: int, anchor: int) -> tuple[str, int] | None:
    hits = [(abs(m.start() - anchor), route, m.end()) for route, regex in patterns
            for m in regex.finditer(text, lo, hi)]
    if not hits:
        return None
    _, route, end = min(hits)
    return route, end


def read_route(text: str, amount_start: int, amount_end: int, before: int, after: int) -> tuple[str | None, int]:
    """(route or None, where the route words end after the amount, else 0)."""
    for patterns in (_STATED_RE, _FORMS_RE):
        if (hit := _nearest(patterns, text, amount_end, after, amount_end)):
            return hit
        if (hit := _nearest(patterns, text, before, amount_start, amount_start)):
            return hit[0], 0
    return None, 0
