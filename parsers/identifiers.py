"""Trial identifiers: recognise, canonicalise and rank registry ids (WHO primary registries + EU).

The SHAPE of a value decides its registry type, never the label a source put on it (a CT.gov
secondary id typed EUDRACT_NUMBER that reads "2022-503007-22" is an EU CT number).

Patterns follow the "Registry identifier regex table" of docs/anchors.md (itself based on
maia-sh/ctregistries `inst/extdata/registries.csv`), rewritten for Python `re`:
- the variable-width lookbehind `(?<!IRCT|PACTR|\\d)` of the EudraCT pattern becomes a fixed
  left boundary "(?<![A-Za-z0-9])" plus an explicit optional prefix (EUCTR, EudraCT, CTIS);
- every id needs a left and right boundary (no letter or digit glued on), so "XNCT04578639X"
  and "NCT04578639X" are not ids, while "NCT01882777_2" still yields NCT01882777;
- a short label may sit between prefix and number ("DRKS Number: 00003246", "NCT#00379470",
  "DRKS-IDDRKS00025222"): the noise seen in EUCTR and PubMed text;
- NL + 2-4 digits only: CCMO/ABR dossier numbers are NL + 5 digits ("NL26560.042.09", "NL68327");
- short prefixes that are also words or language codes (NL, NTR, PER, RBR) are matched
  upper-case only ("per 100 000", "nl)277" are prose, not ids).

Choices (documented because two public projects disagree):
- NCT, DRKS, UMIN, KCT, RPCEC, EudraCT serials must start with their registry's zero run
  ("NCT12345678" and "DRKS 12345678" are ctregistries true negatives);
- ACTRN: a trailing "p" is dropped from the canonical form (ICTRP TrialIDs never carry it);
- ChiCTR keeps the registry's own spelling "ChiCTR"; jRCT keeps "jRCT" + lower-case letter;
- ReBEC keeps the case of its suffix in the canonical value; link_key lower-cases it so that an
  upper-cased copy (gregory-ai upper-cases them) still joins;
- IRCT: 10 to 14 digits then N + 1-3 digits (covers the old Persian-year ids "IRCT1388..." and
  the gregory-ai example "IRCT2017010805N1", which ctregistries' 20\\d{10,12} rejects);
- NTR, NL and NL-OMON are all type NTR but stay distinct values: the NTR->NL renumbering and
  OMON gave the same trial different numbers, so they are never rewritten into each other;
- an EU CT number without its resubmission suffix ("2022-503007-22", seen in CT.gov
  EUDRACT_NUMBER fields) is EU_CT with no suffix; link_key joins it with its suffixed forms;
- old UMIN ids "JPRN-C000000123" become "UMIN000000123" [unverified numbering equivalence];
  a bare "C000000123" is not recognised (too many false hits, e.g. "ZINC000052955").
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache

REGISTRY_ID_TYPES: frozenset[str] = frozenset({
    "NCT", "EU_CT", "EUDRACT", "ISRCTN", "CHICTR", "ACTRN", "JRCT", "UMIN", "JAPICCTI", "JMACCT",
    "CTRI", "DRKS", "IRCT", "KCT", "NTR", "PACTR", "RBR", "TCTR", "SLCTR", "LBCTR", "ITMCTR",
    "PER", "RPCEC", "WHO_UTN",
})
NON_REGISTRY_ID_TYPES: frozenset[str] = frozenset({"ORG_STUDY_ID", "GRANT", "OTHER"})
ID_TYPES: frozenset[str] = REGISTRY_ID_TYPES | NON_REGISTRY_ID_TYPES

# best_trial_id: after NCT, EU_CT and EUDRACT, the other registries in this fixed order
# (older / larger registries first; the WHO UTN is a universal number, not a registration: last).
OTHER_REGISTRY_ORDER: tuple[str, ...] = (
    "ISRCTN", "ACTRN", "CHICTR", "CTRI", "DRKS", "IRCT", "JRCT", "UMIN", "JAPICCTI", "JMACCT",
    "KCT", "NTR", "PACTR", "RBR", "TCTR", "SLCTR", "LBCTR", "ITMCTR", "PER", "RPCEC", "WHO_UTN",
)

# ---------------------------------------------------------------------------------------------
# text cleaning

_DASHES = "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d"
_SPACES = "\u00a0\u2007\u2009\u200a\u202f\u3000"
# 1:1 character map so that spans in the cleaned text index the original text too
_ONE_TO_ONE = str.maketrans(_DASHES + _SPACES + "\t\r\n", "-" * len(_DASHES) + " " * (len(_SPACES) + 3))

_B = r"(?<![A-Za-z0-9])"  # left boundary: no letter or digit glued before the id
_E = r"(?![A-Za-z0-9])"  # right boundary ("_" is allowed: "NCT01882777_2")
# a label between prefix and number: "Number:", "No.", "ID", "#", and the typo "NT" seen in EUCTR.
# Bounded, and with one way only to split "no.no." (a `\.?` after the word would make matching
# exponential on "NCT no.no.no...").
_GAP = r"\W{0,10}"
_LABEL = rf"(?:{_GAP}(?i:number|num|nos?|nr|id|nt)){{0,4}}{_GAP}"
_JPRN = r"(?:(?i:JPRN)\W{0,3})?"  # ICTRP prefixes Japanese ids with "JPRN-"


@dataclass(frozen=True)
class _Spec:
    id_type: str
    pattern: re.Pattern[str]
    canonical: Callable[[re.Match[str]], str]
    serial: Callable[[re.Match[str]], str]  # digits that must not be all zero
    trigger: str  # upper-case literal that must occur in the text (cheap prefilter)


def _spec(id_type: str, regex: str, canonical, serial=None, trigger: str = "") -> _Spec:
    return _Spec(id_type, re.compile(regex, re.ASCII), canonical, serial or (lambda m: m.group(1)), trigger or id_type)


def _prefixed(prefix: str, body: str, *, repeat_prefix: bool = False, jprn: bool = False) -> str:
    """PREFIX [label] [PREFIX again] BODY with boundaries on both sides."""
    again = rf"(?:{prefix}{_GAP})?" if repeat_prefix else ""
    lead = (_B + _JPRN) if jprn else ""
    return rf"{lead}{_B}{prefix}{_LABEL}{again}{body}{_E}"


_EU_PREFIX = rf"(?:{_B}(?i:EUCTR|EudraCT|CTIS|EU\W?CT)(?:{_GAP}(?i:number|no|nr|id)){{0,4}}{_GAP}|{_B})"

_SPECS: tuple[_Spec, ...] = (
    _spec("NCT", _prefixed("(?i:NCT)", r"(0\d{7})"), lambda m: "NCT" + m.group(1)),
    # EU CT (CTIS): YYYY-5NNNNN-CC[-RR]; the last pair is the resubmission number
    _spec("EU_CT", rf"{_EU_PREFIX}(20\d\d) ?- ?(5\d{{5}}) ?- ?(\d\d)(?: ?- ?(\d\d))?(?![A-Za-z0-9]|-\d)",
          lambda m: f"{m.group(1)}-{m.group(2)}-{m.group(3)}" + (f"-{m.group(4)}" if m.group(4) else ""),
          serial=lambda m: m.group(2)[1:], trigger="-"),
    # EudraCT: YYYY-0NNNNN-CC, optionally an EUCTR member-state record suffix (-ES, /IT, -3RD)
    _spec("EUDRACT", rf"{_EU_PREFIX}(20\d\d) ?- ?(0\d{{5}}) ?- ?(\d\d)(?:[-/](?:[A-Z]{{2}}|(?i:3rd))(?![A-Za-z0-9]))?"
                     r"(?![A-Za-z0-9]|-\d)",
          lambda m: f"{m.group(1)}-{m.group(2)}-{m.group(3)}", serial=lambda m: m.group(2), trigger="-"),
    _spec("ISRCTN", _prefixed("(?i:ISRCTN)", r"(\d{8})"), lambda m: "ISRCTN" + m.group(1)),
    _spec("ACTRN", _prefixed("(?i:ACTRN|ANZCTR)", r"(12\d{12})[pP]?"), lambda m: "ACTRN" + m.group(1),
          serial=lambda m: m.group(1)[3:], trigger="CTR"),
    _spec("CHICTR", _prefixed("(?i:ChiCTR)", r"(?:(\d{10})|([A-Za-z]{3})-?(\d{8}))"),
          lambda m: "ChiCTR" + (m.group(1) or f"-{m.group(2).upper()}-{m.group(3)}"),
          serial=lambda m: m.group(1) or m.group(3)),
    _spec("KCT", _prefixed("(?i:KCT)", r"(0\d{6})"), lambda m: "KCT" + m.group(1)),
    _spec("CTRI", rf"{_B}(?i:CTRI)\s*/?\s*(20\d\d)\s*/\s*(\d{{2,3}})\s*/\s*(\d{{6}}){_E}",
          lambda m: f"CTRI/{m.group(1)}/{m.group(2)}/{m.group(3)}", serial=lambda m: m.group(3)),
    _spec("DRKS", _prefixed("(?i:DRKS)", r"(000\d{5})", repeat_prefix=True), lambda m: "DRKS" + m.group(1)),
    _spec("IRCT", _prefixed("(?i:IRCT)", r"((?:13|14|20)\d{8,12})[Nn](\d{1,3})"),
          lambda m: f"IRCT{m.group(1)}N{m.group(2)}"),
    _spec("JRCT", rf"{_B}{_JPRN}{_B}(?i:jRCT)(?:([A-Za-z])(\d{{9}})|(\d{{10}})){_E}",
          lambda m: "jRCT" + (m.group(1).lower() + m.group(2) if m.group(1) else m.group(3)),
          serial=lambda m: m.group(2) or m.group(3)),
    _spec("UMIN", _prefixed("(?i:UMIN)", r"(0000\d{5})", repeat_prefix=True, jprn=True),
          lambda m: "UMIN" + m.group(1)),
    # old UMIN numbers, only trusted behind ICTRP's JPRN- prefix
    _spec("UMIN", rf"{_B}(?i:JPRN)\W{{0,3}}C(\d{{9}}){_E}", lambda m: "UMIN" + m.group(1), trigger="JPRN"),
    _spec("JAPICCTI", rf"{_B}{_JPRN}{_B}(?i:Japic)\W{{0,3}}(?i:CTI){_LABEL}(\d{{6}}){_E}",
          lambda m: "JapicCTI-" + m.group(1), trigger="JAPIC"),
    _spec("JMACCT", rf"{_B}{_JPRN}{_B}(?i:JMA)\W{{0,3}}(?i:IIA)\W{{0,3}}(\d{{5}}){_E}",
          lambda m: "JMA-IIA" + m.group(1), trigger="IIA"),
    _spec("NTR", rf"{_B}NL-?(?i:OMON)\s?(\d{{1,7}}){_E}", lambda m: "NL-OMON" + m.group(1), trigger="OMON"),
    _spec("NTR", _prefixed("NTR", r"(\d{1,5})"), lambda m: "NTR" + m.group(1)),
    # "NL" + 2-4 digits glued (the register stopped below NL10000 when OMON replaced it);
    # CCMO dossier numbers are NL + 5 digits ("NL26560.042.09", or cut short "NL68327")
    _spec("NTR", rf"{_B}NL(\d{{2,4}})(?![A-Za-z0-9]|[.,]\d)", lambda m: "NL" + m.group(1), trigger="NL"),
    _spec("PACTR", _prefixed("(?i:PACTR)", r"(20\d{13,14})"), lambda m: "PACTR" + m.group(1),
          serial=lambda m: m.group(1)[6:]),
    _spec("RBR", rf"{_B}RBR\s?-\s?([0-9][0-9A-Za-z]{{5,7}}){_E}", lambda m: "RBR-" + m.group(1)),
    _spec("TCTR", _prefixed("(?i:TCTR)", r"(20\d{9})"), lambda m: "TCTR" + m.group(1),
          serial=lambda m: m.group(1)[8:]),
    _spec("SLCTR", rf"{_B}(?i:SLCTR)\W{{0,3}}(20\d\d)\W{{0,3}}(\d{{3}}){_E}",
          lambda m: f"SLCTR/{m.group(1)}/{m.group(2)}", serial=lambda m: m.group(2)),
    _spec("LBCTR", _prefixed("(?i:LBCTR)", r"(20\d{8})"), lambda m: "LBCTR" + m.group(1),
          serial=lambda m: m.group(1)[6:]),
    _spec("ITMCTR", _prefixed("(?i:ITMCTR)", r"(\d{10})"), lambda m: "ITMCTR" + m.group(1)),
    _spec("PER", rf"{_B}PER-(\d{{3}})-(\d{{2}}){_E}", lambda m: f"PER-{m.group(1)}-{m.group(2)}",
          serial=lambda m: m.group(1)),
    _spec("RPCEC", _prefixed("(?i:RPCEC)", r"(0000\d{4})"), lambda m: "RPCEC" + m.group(1)),
    _spec("WHO_UTN", rf"{_B}(?i:U)1111 ?- ?(\d{{4}}) ?- ?(\d{{4}}){_E}", lambda m: f"U1111-{m.group(1)}-{m.group(2)}",
          serial=lambda m: m.group(1) + m.group(2), trigger="1111"),
)

# NIH-style grant numbers: [type digit] activity code, institute code, 6-digit serial, [-year][A1/S1]
# e.g. "R01 CA123456", "P60DK020579", "5R01AI123456-03", "U19CA021239-37", "OT2HL161847-01";
# also the bare institute+serial+year form "AI001065-08".
_GRANT = re.compile(
    r"(?:(?:[1-9] ?)?(?:[A-Z]\d{2}|[A-Z]{2}\d|Z[0-9A-Z]{2}) ?-? ?[A-Z]{2} ?-? ?\d{6}(?:-\d{2}[A-Z0-9]{0,4})?"
    r"|[A-Z]{2}\d{6}-\d{2}[A-Z0-9]{0,4})"
    r"|HHSN\d{9,12}[A-Z]?"  # NIH contract numbers
)

_JUNK = frozenset({
    "", "na", "n/a", "n.a", "n a", "nil", "null", "none", "no", "not applicable", "not available",
    "not yet available", "not yet assigned", "not assigned", "not registered", "unknown", "pending",
    "tbd", "tba", "not given", "not provided", "not specified",
})
_REGISTRY_WORDS = frozenset({
    "nct", "euctr", "eudract", "ctis", "isrctn", "chictr", "actrn", "anzctr", "jrct", "umin", "jprn",
    "japiccti", "jmaiia", "ctri", "drks", "irct", "kct", "ntr", "nl", "nlomon", "pactr", "rbr", "tctr",
    "slctr", "lbctr", "itmctr", "per", "rpcec", "u",
})


@dataclass(frozen=True)
class _Hit:
    start: int
    end: int
    canonical: str
    id_type: str


def _clean(raw: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", raw).translate(_ONE_TO_ONE).split())


def _scan(text: str) -> list[_Hit]:
    """Registry-id hits in text, non-overlapping, in order of appearance (longest wins a tie)."""
    probe = text.translate(_ONE_TO_ONE)
    upper = probe.upper()
    hits: list[_Hit] = []
    for spec in _SPECS:
        if spec.trigger not in upper:
            continue
        for m in spec.pattern.finditer(probe):
            if set(spec.serial(m)) == {"0"}:
                continue  # all-zero placeholder ids ("NCT00000000") identify nothing
            hits.append(_Hit(m.start(), m.end(), spec.canonical(m), spec.id_type))
    hits.sort(key=lambda h: (h.start, -(h.end - h.start)))
    chosen: list[_Hit] = []
    for hit in hits:
        if chosen and hit.start < chosen[-1].end:
            continue
        chosen.append(hit)
    return chosen


_NOT_LETTER = re.compile(r"[^a-z]")
_NOT_DIGIT = re.compile(r"\D")


def _is_junk(text: str) -> bool:
    """A spelling of "no identifier": placeholder words, punctuation only, all-zero ids, bare prefixes."""
    folded = text.casefold().strip(" .;:,")
    if folded in _JUNK or not any(ch.isalnum() for ch in folded):
        return True
    letters = _NOT_LETTER.sub("", folded)
    digits = _NOT_DIGIT.sub("", folded)
    if letters in _REGISTRY_WORDS or not letters:
        return not digits.strip("0")  # "NCT00000000", "0000", "ISRCTN" alone
    return False


# ---------------------------------------------------------------------------------------------
# public API

def find_registry_ids(text: str | None) -> list[tuple[str, str, str]]:
    """All registry ids in free text as (canonical, id_type, matched raw), in order of appearance.

    Deduplicated on (canonical, id_type): the first occurrence's raw text is kept. Tolerates
    "NCT 00902941", "nCt01208194", "NCT#00379470", "ISRCTN    12345678", labels
    ("DRKS Number: 00003246"), and EUCTR member-state records ("EUCTR2014-005325-12-ES",
    "2010-022945-52-3RD", "EUCTR2010-070109-20/IT" -> EUDRACT "2014-005325-12"). Grant numbers,
    CCMO numbers, dates, "per 100 000" and all-zero ids yield nothing. Never raises on content.
    """
    if not text:
        return []
    out: list[tuple[str, str, str]] = []
    seen: set[tuple[str, str]] = set()
    for hit in _scan(str(text)):
        if (hit.canonical, hit.id_type) in seen:
            continue
        seen.add((hit.canonical, hit.id_type))
        out.append((hit.canonical, hit.id_type, str(text)[hit.start:hit.end]))
    return out


def classify_identifier(raw: str | None, default_type: str = "OTHER") -> tuple[str, str] | None:
    """Type and canonical form of ONE value from a structured id field.

    Returns:
    - None when the value is not an identifier at all: empty, placeholder words ("not applicable",
      "N/A", "none", "-", "unknown", ...), punctuation only, or an all-zero id ("NCT00000000", "0000").
      Callers drop it (and may warn); it must never become a join key.
    - (canonical, registry type) when the value is ONE registry id, possibly with label words
      around it and no other digits ("EudraCT number: 2004-002714-11" -> ("2004-002714-11",
      "EUDRACT"); "JPRN-UMIN000039686" -> ("UMIN000039686", "UMIN")).
    - (cleaned value, "GRANT") when it has the shape of an NIH grant or contract number, whatever
      default_type says ("5R01AI123456-03", "P60DK020579").
    - (cleaned value, default_type) otherwise (sponsor codes, ethics numbers, other registries such
      as NCI-2018-01307 or ID-RCB). A value holding several registry ids ("NL4187/NTR4337") is not
      one id: it gets default_type, and callers should also run find_registry_ids on it.

    default_type must be a non-registry type (ORG_STUDY_ID, GRANT or OTHER): only the shape of a
    value makes it a registry id. "Cleaned" = Unicode NFKC, dashes unified, whitespace collapsed.
    """
    if default_type not in NON_REGISTRY_ID_TYPES:
        raise ValueError(f"default_type must be one of {sorted(NON_REGISTRY_ID_TYPES)}, not {default_type!r}")
    if raw is None:
        return None
    return _classified(str(raw), default_type)


@lru_cache(maxsize=1 << 14)  # the pages of one trial repeat its ids: four calls in five are repeats
def _classified(raw: str, default_type: str) -> tuple[str, str] | None:
    text = _clean(raw)
    if _is_junk(text):
        return None
    hits = _scan(text)
    if len({(h.canonical, h.id_type) for h in hits}) == 1:
        rest, pos = [], 0
        for hit in hits:
            rest.append(text[pos:hit.start])
            pos = hit.end
        rest.append(text[pos:])
        if not any(ch.isdigit() for ch in "".join(rest)):  # only labels around one id (maybe repeated)
            return hits[0].canonical, hits[0].id_type
    if not hits and _GRANT.fullmatch(text):
        return text.replace(" ", ""), "GRANT"
    return text, default_type


def is_registry_type(id_type: str) -> bool:
    return id_type in REGISTRY_ID_TYPES


_EU_CT_VALUE = re.compile(r"(20\d\d-5\d{5}-\d\d)(?:-(\d\d))?")


def link_key(value: str, id_type: str) -> str | None:
    """The key two records join on, or None for ids that never join on their own.

    f"{id_type}:{canonical}" for registry ids, except: EU_CT drops its resubmission suffix (a CTIS
    number and its resubmissions are one trial: "EU_CT:2024-516715-25"); RBR lower-cases its suffix
    (ReBEC ids are case-insensitive in practice). The value is re-canonicalised first, so
    "nct01234567" and "NCT01234567" give one key. None for ORG_STUDY_ID, GRANT, OTHER, unknown
    types, and values that are not ids.
    """
    if id_type not in REGISTRY_ID_TYPES or not value:
        return None
    found = classify_identifier(value)
    if found is None:
        return None
    canonical = found[0] if found[1] == id_type else _clean(value)
    if id_type == "EU_CT":
        m = _EU_CT_VALUE.fullmatch(canonical)
        if m:
            canonical = m.group(1)
    elif id_type == "RBR":
        canonical = canonical.lower().replace("rbr-", "RBR-", 1)
    return f"{id_type}:{canonical}"


def _eu_ct_rank(value: str) -> tuple[str, int]:
    m = _EU_CT_VALUE.fullmatch(value)
    if not m:
        return value, -1
    return m.group(1), int(m.group(2)) if m.group(2) else -1


def best_trial_id(identifiers: Iterable[tuple[str, str]] | Iterable[object]) -> str | None:
    """The trial's id by the DESIGN.md rule, or None when there is no registry id.

    NCT (several: the lowest number, i.e. the first registered), else EU CT number (the lowest base
    number; for it, the highest resubmission suffix, an unsuffixed form ranking lowest), else
    EudraCT (lowest), else the first registry in OTHER_REGISTRY_ORDER that is present (its
    lexicographically lowest value). Accepts (value, id_type) pairs or objects with .value and
    .id_type (parsers.record.Identifier). Non-registry and empty values are ignored.
    """
    by_type: dict[str, set[str]] = {}
    for item in identifiers:
        if isinstance(item, tuple):
            value, id_type = item[0], item[1]
        else:
            value, id_type = getattr(item, "value", None), getattr(item, "id_type", None)
        if value and id_type in REGISTRY_ID_TYPES:
            by_type.setdefault(id_type, set()).add(value)
    if "NCT" in by_type:
        return min(by_type["NCT"])
    if "EU_CT" in by_type:
        lowest_base = min(_eu_ct_rank(v)[0] for v in by_type["EU_CT"])
        same = [v for v in by_type["EU_CT"] if _eu_ct_rank(v)[0] == lowest_base]
        return max(same, key=lambda v: (_eu_ct_rank(v)[1], v))
    if "EUDRACT" in by_type:
        return min(by_type["EUDRACT"])
    for id_type in OTHER_REGISTRY_ORDER:
        if id_type in by_type:
            return min(by_type[id_type])
    return None


# ---------------------------------------------------------------------------------------------
# sponsors (an org study id joins two records only under the same normalized sponsor)

_LEGAL_SUFFIXES = frozenset({
    "inc", "incorporated", "ltd", "limited", "llc", "llp", "lp", "plc", "gmbh", "mbh", "ag", "kg",
    "co", "corp", "corporation", "company", "sa", "sas", "sarl", "srl", "spa", "bv", "nv", "ab",
    "as", "asa", "oy", "oyj", "aps", "pty", "kk", "sl", "se", "pc", "pllc", "kgaa",
})


def normalize_sponsor(name: str | None) -> str:
    """Spelling-insensitive sponsor key: casefold, accents and punctuation dropped, trailing legal
    suffixes dropped ("Pfizer, Inc." == "PFIZER INC" == "pfizer"; "Novartis Pharma AG" ->
    "novartis pharma"). Words that name the organisation stay ("University of Iowa" ->
    "university of iowa"). "" for None / empty."""
    if not name:
        return ""
    return _sponsor_key(str(name))


@lru_cache(maxsize=1 << 14)  # asked for every record's sponsors; the same few names recur
def _sponsor_key(name: str) -> str:
    text = unicodedata.normalize("NFKD", name.casefold())
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = text.replace("&", " and ")
    # "S.A.", "B.V." -> "sa", "bv" before punctuation becomes spaces
    text = re.sub(r"\b([a-z])\.(?=[a-z]\.)", r"\1", text)
    text = re.sub(r"\b([a-z])\.(?=\s|$)", r"\1", text)
    words = re.sub(r"[^\w]+|_", " ", text).split()
    if words and words[0] == "the":
        words = words[1:]
    while len(words) > 1 and words[-1] in _LEGAL_SUFFIXES:
        words.pop()
    if len(words) > 1 and words[-1] == "and":  # "Johnson & Johnson Co" edge: "x and co" -> "x"
        words.pop()
    return " ".join(words)
