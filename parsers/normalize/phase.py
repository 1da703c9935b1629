"""Phase: any registry's wording -> v2 phases, ascending, joined "/" ("PHASE1/PHASE2").

Accepted shapes (parsed by structure, not by a list of whole strings):
- CT.gov enums and display strings: "PHASE1", "PHASE1, PHASE2", "Phase 1/Phase 2", "Early Phase 1";
- arabic or roman numerals with separators: "Phase 1/2", "Phase I/II", "2-3", "Phase II,III",
  "I+II (Phase I+Phase II)", sub-phases "IIb"/"Phase 3A" (folded into their phase: v2 has no
  sub-phases);
- CTIS wording: "Therapeutic confirmatory  (Phase III)", "Phase I and Phase II (Integrated)- First
  administration to humans";
- the EUCTR yes/no matrix ("Human pharmacology (Phase I): yes\\nTherapeutic exploratory (Phase II): no ...");
- a list of such strings (Veeva prints "Phase 2" and "Phase 1" on separate lines).

Decisions (documented because registries disagree):
- "Phase 0" = EARLY_PHASE1, as CT.gov itself renders it. A BARE "0" is ChiCTR's default choice and
  is used by its observational and diagnostic studies as often as by drug trials (ICTRP COVID
  export: 213 rows, 41 of them observational/diagnostic), so it does not say phase 0 -> None.
- "Retrospective study" (a ChiCTR option in the phase field) is observational: v2 gives
  observational studies no phase -> None.
- "Post-market(ing)" -> PHASE4 (a post-marketing study is phase 4 by definition).
- An EUCTR matrix with no "yes" says nothing -> None.
- "NA" combined with a real phase is contradictory -> Unmapped.
Anything else with no recognisable phase ("Pilot study", "Bioequivalence", "Phase 5") -> Unmapped.
"""
from __future__ import annotations

import re

from parsers.normalize import Unmapped
from parsers.normalize.text import lookup_key, not_given_keys, squash
from parsers.normalize.vocab import PHASE_NA, PHASE_ORDER

FIELD = "phase"

_NOT_APPLICABLE = frozenset({"na", "n a", "not applicable", "not applicable n a", "n a not applicable"})
_NO_PHASE = frozenset({"0", "retrospective study"})
_POST_MARKETING = frozenset({"post market", "post marketing", "postmarketing", "post marketing study"})

_NUMERALS = {"0": 0, "1": 1, "2": 2, "3": 3, "4": 4, "i": 1, "ii": 2, "iii": 3, "iv": 4}
# A phase numeral, optionally with a sub-phase letter ("iib", "3a"); "phase2" is split first.
_NUMERAL = re.compile(r"^(0|1|2|3|4|iv|iii|ii|i)([ab])?$")
# Words that may surround phase numerals without changing their meaning (CTIS/EUCTR/registry prose).
_FILLER = frozenset({
    "phase", "phases", "and", "or", "to", "a", "b", "integrated", "human", "pharmacology", "therapeutic",
    "exploratory", "confirmatory", "use", "first", "administration", "humans", "other", "bioequivalence",
    "study", "studies", "trial", "trials", "clinical",
})
_MATRIX_ROW = re.compile(r"\(\s*phase\s*([ivx\d]+)\s*\)\s*:\s*(yes|no)?", re.IGNORECASE)
_EARLY = re.compile(r"\bearly\s+phase\s*(?:1|i)\b")


def normalize_phase(raw: str | list[str] | tuple[str, ...] | None) -> str | None:
    """Raw phase text (or several lines of it) -> "PHASE1/PHASE2" | "EARLY_PHASE1" | "NA" | None."""
    if raw is None:
        return None
    if isinstance(raw, (list, tuple)):
        return _join(_merge([_phase_set(item) for item in raw], raw))
    return _join(_phase_set(raw))


def phase_list(value: str | None) -> list[str]:
    """A normalized phase label back to the v2 list: "PHASE1/PHASE2" -> ["PHASE1", "PHASE2"]."""
    return value.split("/") if value else []


def _join(phases: set[str] | None) -> str | None:
    if phases is None:
        return None
    if phases == {PHASE_NA}:
        return PHASE_NA
    return "/".join(p for p in PHASE_ORDER if p in phases)


def _merge(parts: list[set[str] | None], raw: object) -> set[str] | None:
    given = [p for p in parts if p]
    if not given:
        return None
    merged = set().union(*given)
    if PHASE_NA in merged and len(merged) > 1:
        raise Unmapped(FIELD, raw)
    return merged


def _phase_set(raw: object) -> set[str] | None:
    text = squash(raw)
    key = lookup_key(text)
    if key in not_given_keys() or key in _NO_PHASE:
        return None
    if key in _NOT_APPLICABLE:
        return {PHASE_NA}
    if key in _POST_MARKETING:
        return {"PHASE4"}
    rows = _MATRIX_ROW.findall(text)
    if len(rows) >= 2:
        return _matrix(rows, raw)
    return _numerals(key, raw)


def _matrix(rows: list[tuple[str, str]], raw: object) -> set[str] | None:
    phases: set[str] = set()
    for numeral, answer in rows:
        number = _NUMERALS.get(numeral.casefold())
        if number is None or number == 0:
            raise Unmapped(FIELD, raw)
        if answer.casefold() == "yes":
            phases.add(PHASE_ORDER[number])
    return phases or None


def _numerals(key: str, raw: object) -> set[str]:
    phases: set[str] = set()
    if _EARLY.search(key):
        phases.add("EARLY_PHASE1")
        key = _EARLY.sub(" ", key)
    # "phase2" / "phase1" (v2 enums, "Phase2/Phase3") -> "phase 2"
    key = re.sub(r"phase(?=\d|i|v)", "phase ", key)
    for word in key.split():
        match = _NUMERAL.match(word)
        if match:
            phases.add(PHASE_ORDER[_NUMERALS[match.group(1)]])  # 0 -> EARLY_PHASE1 (index 0)
        elif word not in _FILLER:
            raise Unmapped(FIELD, raw)
    if not phases:
        raise Unmapped(FIELD, raw)
    return phases
