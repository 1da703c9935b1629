"""condition_key(name): a spelling-insensitive key, so the same condition written differently meets.

General rules, applied in this order (none special-cases a disease name):
1. Unicode: NFKC, accents folded ("Sjögren" -> "sjogren"), case folded.
2. Possessive "'s" dropped ("Crohn's" -> "crohn"); other punctuation becomes a space.
3. British -> American spelling by letter pattern: "ae" -> "e" (leukaemia, haem-, paediatric),
   "oe" -> "e" (oesophageal, oedema, diarrhoea), "-our" -> "-or" for words of 6+ letters
   (tumour, behaviour; short words like "four"/"hour" are left alone), "-isation" -> "-ization".
4. One-edit typos of a short list of condition head nouns are corrected, only for tokens of
   6+ letters ("syndrone" -> "syndrome", "diseases" -> "disease"); shorter tokens are too
   likely to be a different real word.
5. A token right before a head noun loses a trailing "s": eponyms are written "Crohns disease",
   "Crohn's disease" and "Crohn disease" (words ending in -ss/-us/-is keep it: "stress disorder").
6. Standalone roman numerals after type/stage/grade/class/phase become digits ("type ii" -> "type 2").
Different conditions stay apart: digits and letters are kept ("type 1" vs "type 2", "hepatitis b"
vs "hepatitis c") and no word is dropped ("lupus" vs "lupus nephritis").
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from parsers.normalize.text import fold_accents

# Nouns that end condition names; typo correction and the eponym rule are anchored on them.
HEAD_NOUNS: tuple[str, ...] = (
    "syndrome", "disease", "disorder", "cancer", "carcinoma", "tumor", "neoplasm", "lymphoma",
    "leukemia", "sarcoma", "melanoma", "myeloma", "infection", "deficiency", "failure",
    "arthritis", "dermatitis", "hepatitis", "nephritis", "sclerosis", "fibrosis", "anemia",
    "hypertension", "diabetes", "injury", "palsy", "dystrophy", "encephalitis", "insufficiency",
    "inflammation", "fracture", "ulcer", "stenosis", "neuropathy", "myopathy", "cardiomyopathy",
    "pneumonia", "malformation",
)
_HEAD_SET = frozenset(HEAD_NOUNS)
_MIN_TYPO_LEN = 6
_POSSESSIVE = re.compile(r"['\u2019\u2018`\u00b4]s\b")
_NON_ALNUM = re.compile(r"[\W_]+")  # unicode-aware: non-Latin names keep their letters
_ROMAN = {"i": "1", "ii": "2", "iii": "3", "iv": "4", "v": "5", "vi": "6"}
_ROMAN_AFTER = frozenset({"type", "stage", "grade", "class", "phase"})


@lru_cache(maxsize=1 << 14)  # the same condition names recur across pages and sources
def condition_key_of(name: str, normalized: str | None) -> str:
    """The condition's spelling-insensitive key: the parser's, else condition_key(name)."""
    return normalized or condition_key(name)


def condition_key(name: str | None) -> str:
    """"Sjögrens Syndrone" and "Sjogren's Syndrome" -> "sjogren syndrome"; "" for empty input."""
    if not name:
        return ""
    text = fold_accents(unicodedata.normalize("NFKC", name)).casefold()
    text = _POSSESSIVE.sub("", text)
    tokens = [_americanize(t) for t in _NON_ALNUM.sub(" ", text).split()]
    tokens = [_correct_head_noun(t) for t in tokens]
    out: list[str] = []
    for i, token in enumerate(tokens):
        following = tokens[i + 1] if i + 1 < len(tokens) else None
        if following in _HEAD_SET and token not in _HEAD_SET:
            token = _drop_eponym_s(token)
        if out and out[-1] in _ROMAN_AFTER and token in _ROMAN:
            token = _ROMAN[token]
        out.append(token)
    return " ".join(out)


def _americanize(token: str) -> str:
    if token.isdigit():
        return token
    token = token.replace("ae", "e").replace("oe", "e")
    if len(token) >= 6 and token.endswith("our"):
        token = token[:-3] + "or"
    if token.endswith("isation") or token.endswith("isations"):
        token = token.replace("isation", "ization")
    return token


def _drop_eponym_s(token: str) -> str:
    if len(token) > 3 and token.endswith("s") and not token.endswith(("ss", "us", "is")):
        return token[:-1]
    return token


@lru_cache(maxsize=1 << 14)  # compared with every head noun: the same words recur
def _correct_head_noun(token: str) -> str:
    if len(token) < _MIN_TYPO_LEN or token in _HEAD_SET:
        return token
    matches = [noun for noun in HEAD_NOUNS if _within_one_edit(token, noun)]
    return matches[0] if len(matches) == 1 else token


def _within_one_edit(a: str, b: str) -> bool:
    """True when a and b differ by one substitution, insertion, deletion or adjacent swap."""
    if a == b:
        return True
    la, lb = len(a), len(b)
    if abs(la - lb) > 1:
        return False
    if la == lb:
        diffs = [i for i in range(la) if a[i] != b[i]]
        if len(diffs) == 1:
            return True
        return len(diffs) == 2 and diffs[1] == diffs[0] + 1 and a[diffs[0]] == b[diffs[1]] and a[diffs[1]] == b[diffs[0]]
    if la > lb:
        a, b = b, a
    # b is one longer: deleting one character of b gives a
    i = 0
    while i < len(a) and a[i] == b[i]:
        i += 1
    return a[i:] == b[i + 1:]
