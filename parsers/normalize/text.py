"""Small text helpers shared by the normalizers, and the title -> acronym heuristic."""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from functools import cache, lru_cache

from parsers.normalize import Unmapped

_WS = re.compile(r"\s+")
# Unicode-aware: letters of any script survive, so a non-Latin value is never mistaken for "".
_NON_ALNUM = re.compile(r"[\W_]+")

# Spellings that mean "the page does not say", for every field. "N/A" is NOT here: for phase
# and allocation it means "not applicable" (the v2 value NA); fields where it means "unknown"
# add it themselves.
NOT_GIVEN: frozenset[str] = frozenset(
    {"", "not specified", "not available", "not provided", "not stated", "not given",
     "not reported", "not entered", "not selected", "unspecified", "none given", "no data",
     # EU CTR placeholders for an empty field
     "information not available in eudract", "information not present in eudract"}
)


def squash(raw: object) -> str:
    """str(raw) with NFKC compatibility folding, outer whitespace stripped, inner runs collapsed."""
    text = str(raw)
    if not text.isascii():  # ASCII is its own NFKC form (the common case, and a hot path)
        text = unicodedata.normalize("NFKC", text)
    return _WS.sub(" ", text).strip()


def fold_accents(text: str) -> str:
    """Drop combining marks after NFKD: "Sjögren" -> "Sjogren"."""
    if text.isascii():  # nothing to decompose
        return text
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def lookup_key(raw: object) -> str:
    """Case- and punctuation-insensitive key: "Active, not recruiting" == "ACTIVE_NOT_RECRUITING".

    Non-alphanumeric runs become one space, so separators ("_", "-", ",", "/") do not matter.
    Accents are folded ("Autorisé" == "autorise"); letters of other scripts are kept.
    A value made only of punctuation ("-", "/", "??") gets the empty key (= not given).
    """
    return _lookup_key(raw if type(raw) is str else str(raw))


@lru_cache(maxsize=1 << 14)  # every enum-like value of every page: the same few spellings recur
def _lookup_key(text: str) -> str:
    return _NON_ALNUM.sub(" ", fold_accents(squash(text)).casefold()).strip()


@lru_cache(maxsize=32)
def not_given_keys(spellings: frozenset[str] = NOT_GIVEN) -> frozenset[str]:
    """The lookup keys of a set of "not given" spellings (cached: the sets are module constants)."""
    return frozenset(lookup_key(s) for s in spellings)


def enum_table(enums: tuple[str, ...], extra: Mapping[str, str | None] | None = None) -> dict[str, str | None]:
    """A lookup table keyed by `lookup_key`: every enum under its own spelling, plus `extra` spellings."""
    table: dict[str, str | None] = {lookup_key(e): e for e in enums}
    for spelling, value in (extra or {}).items():
        table[lookup_key(spelling)] = value
    return table


def lookup(field: str, raw: object, table: Mapping[str, str | None],
           not_given: frozenset[str] = NOT_GIVEN) -> str | None:
    """Exact (key-insensitive) table lookup. None for missing/not-given, Unmapped otherwise."""
    if raw is None:
        return None
    key = lookup_key(raw)
    if key in table:
        return table[key]
    if key in not_given_keys(not_given):
        return None
    raise Unmapped(field, raw)


# Trailing "(TOKEN)" of a title: the token has no spaces, 2-20 characters.
_TRAILING_PAREN = re.compile(r"\(([^()\s]{2,20})\)\s*$")
_WORD = re.compile(r"[^\W_]+")
_POSSESSIVE = re.compile(r"[\'\u2019`\u00b4]s\b", re.IGNORECASE)
# Words an abbreviation may skip ("Disease of the Liver (DL)").
_SKIPPABLE = frozenset({"a", "an", "and", "at", "by", "for", "in", "of", "on", "or", "the", "to", "with"})


def _abbreviates(letters: str, words: list[str]) -> bool:
    """True if `letters` can be spelled from the END of `words`: every word used gives its first
    letter then optionally more of its letters in order; skippable words may give nothing.
    (A Schwartz-Hearst style check: "NSCLC" <- "non small cell lung cancer".)"""
    n_words = len(words)

    # memoized: without it, repeated letters ("(AAAAAAAAB)") make the search exponential
    @cache
    def match(a: int, w: int) -> bool:  # letters[a:] from words[w:], all of which must be used
        if a == len(letters):
            return all(word in _SKIPPABLE for word in words[w:])
        if w == n_words:
            return False
        word = words[w]
        if word in _SKIPPABLE and match(a, w + 1):
            return True
        if word[0] != letters[a]:
            return False
        # take word[0], then any in-order subsequence of word[1:] before moving on
        return in_word(a + 1, w, 1)

    @cache
    def in_word(a: int, w: int, pos: int) -> bool:
        if match(a, w + 1):
            return True
        if a == len(letters):
            return False
        found = words[w].find(letters[a], pos)
        while found != -1:
            if in_word(a + 1, w, found + 1):
                return True
            found = words[w].find(letters[a], found + 1)
        return False

    return any(match(0, start) for start in range(n_words - 1, -1, -1))


def acronym_from_title(title: str | None) -> str | None:
    """The trailing parenthesised token of a title when it looks like the study's acronym, else None.

    "... xerostomia due to Sjögrens syndrome (ASSIX)" -> "ASSIX". Rejected:
    - tokens with spaces, shorter than 2 or longer than 20 characters, fewer than two uppercase
      letters ("(2009)", "(Lyon)");
    - abbreviations of the words just before them, which name the condition, not the study:
      "Non-small Cell Lung Cancer (NSCLC)", "Primary Sjögren's Syndrome (pSS)".
    Measured against identificationModule.acronym in tests/parsers/normalize/test_text.py.
    """
    if not title:
        return None
    text = squash(title)
    match = _TRAILING_PAREN.search(text)
    if not match:
        return None
    token = match.group(1)
    if sum(ch.isupper() for ch in token) < 2:
        return None
    letters = "".join(_WORD.findall(fold_accents(token).casefold()))
    before = _POSSESSIVE.sub("", fold_accents(text[: match.start()]))
    words = _WORD.findall(before.casefold())[-(len(letters) + 5):]
    if letters and words and _abbreviates(letters, words):
        return None
    return token
