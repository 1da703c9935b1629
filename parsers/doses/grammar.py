"""Number and unit grammar of dose mentions, and the suffixes read after a unit.

Pure regular expressions and the small readers that turn their matches into numbers; the
policy they implement is documented in parsers/doses/__init__.py. The underscore names are
shared inside the package only (quantity, agent), not an API.
"""
from __future__ import annotations

import re

# --------------------------------------------------------------------------------------------
# number grammar

_SUPERSCRIPTS = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁺", "0123456789+")
_SUP = "[⁰¹²³⁴⁵⁶⁷⁸⁹]+"

# A plain number. Space-grouped thousands must not follow a letter ("C213 380 mg" is not 213380).
_PLAIN = r"""
    (?: \d{1,3}(?:,\d{3})+(?:\.\d+)?(?!\d)              # 1,000,000  1,250.5
      | (?<![A-Za-z])\d{1,3}(?:[ \u00a0\u202f]\d{3})+(?![\d.,])   # 1 000 000
      | (?<![A-Za-z])\d+,\d{1,2}(?!\d)                   # 1,5 (decimal comma; not "day1,80mg")
      | \d+(?:\.\d+)?                                    # 12  0.8
      | (?<![A-Za-z])\.\d+                                # .5 (not "weeks.1")
    )"""

# Exponent written after "x 10": ^6, **6, *6, e6, E+6, (6), ⁶, or glued digits "106" (lost superscript).
def _mult(p: str) -> str:
    return rf"""
    \s*[x×X*·]\s*10
    (?: \s*(?:\\?\^|\*\*?)\s*\+?(?P<{p}caret>\d{{1,2}})
      | [eE]\+?(?P<{p}e>\d{{1,2}})
      | \s*\(\s*\+?(?P<{p}paren>\d{{1,2}})\s*\)
      | \s*(?P<{p}sup>{_SUP})
      | (?P<{p}lost>\d{{1,2}})(?![\d.,])
    )"""


# A bare power of ten with no mantissa: 10^6, 10⁶, 10(6).
def _power(p: str) -> str:
    return rf"""
    10(?: \s*\\?\^\s*\+?(?P<{p}pcaret>\d{{1,2}}) | (?P<{p}psup>{_SUP}) | \(\s*\+?(?P<{p}pparen>\d{{1,2}})\s*\) )"""


_WORD_MULT = {"thousand": 1e3, "million": 1e6, "millions": 1e6, "mio": 1e6, "billion": 1e9,
              "billions": 1e9, "bn": 1e9, "trillion": 1e12}


def _number(p: str) -> str:
    """One number with optional E-notation / multiplier / word multiplier, group names prefixed p."""
    return rf"""
    (?P<{p}num> {_power(p)} | {_PLAIN} (?:[eE]\+?(?P<{p}sci>\d{{1,2}})(?![\d.]))? )
    (?:{_mult(p)})?
    (?:\s*(?P<{p}word>thousand|millions?|billions?|trillion|mio|bn)\b)?"""


_RANGE_SEP = r"\s*(?:-|–|—|‑|~|\\~|～|to)\s*"

# --------------------------------------------------------------------------------------------
# units

_CELL_HEAD = r"(?:cells?|(?i:msc)s?|TNCs?|MNCs?|BMMNCs?|PBMCs?|CIKs?)"
# Descriptor words between the number and a cell head: "allogeneic human umbilical cord
# derived mesenchymal stem cells". Words only (no digits first, no sentence punctuation).
_CELL_DESCR = r"(?:[A-Za-z][\w+\-]*\+?\s+){0,8}?"

# A unit ends at a non-letter, or before a glued repeat count ("1gx2 days" = 1 g for 2 days).
_END = r"(?:(?=[x×]\d)|(?![a-zA-Z]))"

_UNIT_TABLE: list[tuple[str, str]] = [
    # counts first: their descriptor words may contain other unit-like words
    (rf"(?P<cells>{_CELL_DESCR}{_CELL_HEAD})(?![\w-])", "cells"),
    (r"(?i:vg|vector[ -]genomes?|genome[ -]copies|GC)(?![\w])", "vg"),
    (r"(?i:PFU|plaque[ -]forming[ -]units?)(?![\w])", "PFU"),
    (r"(?i:TCID[_ ]?50)(?![\w])", "TCID50"),
    (r"(?i:vp|viral[ -]particles?|virus[ -]particles?|particle[ -]units?|particles)(?![\w])", "vp"),
    # mass
    (rf"(?i:milligrams?|mgs?){_END}", "mg"),
    (rf"(?i:micrograms?|mcg|[µμu]g){_END}", "mcg"),
    (rf"(?i:nanograms?|ng){_END}", "ng"),
    (rf"(?:(?i:grams?)|gm|g){_END}", "g"),  # not "G": "18 G needle" is a gauge
    # volume
    (rf"(?i:millilit(?:er|re)s?|ml|cc){_END}", "mL"),
    (rf"(?:(?i:microlit(?:er|re)s?)|[µμu][lL]){_END}", "uL"),
    (rf"(?:(?i:lit(?:er|re)s?)|L){_END}", "L"),
    # substance amount, activity
    (rf"(?i:mmol){_END}", "mmol"),
    (rf"(?i:meq){_END}", "mEq"),
    (rf"(?:IU|I\.U\.|(?i:international\s+units?)){_END}", "IU"),
    (rf"(?:(?i:units?)|U){_END}", "U"),
    # radiation
    (rf"(?:cGy|(?i:centigray)){_END}", "cGy"),
    (rf"(?:Gy|(?i:gray)){_END}", "Gy"),
]
_COUNT_UNITS = frozenset({"cells", "vg", "PFU", "TCID50", "vp"})
_UNIT_RE = "|".join(f"(?P<u{i}>{pat})" for i, (pat, _) in enumerate(_UNIT_TABLE))

_QUANTITY = re.compile(
    rf"""(?<!\d)(?<!\^)
    {_number('a')}
    (?: {_RANGE_SEP} {_number('b')} )?
    \s*(?:{_UNIT_RE})?""",
    re.VERBOSE,
)
# A power-of-ten count with its unit written BEFORE it: "mesenchymal stem cells (1×10^6/kg)".
_UNITLESS_END = re.compile(r"\s*(?:/|\bper\b|\)|,|;|$)")
# A sample taken from the patient is not a dose given: "30-40 ml of blood will be taken".
_SAMPLING = re.compile(r"\b(?:be|is|are|was|were)\s+(?:taken|drawn|collected|sampled|withdrawn)\b"
                       r"|\b(?:blood|sample)s?\s+(?:draw|collection)\b", re.I)

# Suffixes read after the unit (each anchored at the current position).
_SLASH_OR_PER = r"\s*(?:/|\bper\b|\ba\b)\s*"
_M2 = r"(?:m\s*(?:2|²|\\?\^\s*2)(?!\d)|sq\.?\s*m\b|square\s+met(?:er|re)s?|BSA\b)"
_PER_KG = re.compile(rf"{_SLASH_OR_PER}(?:kg|kilogram)\b(?:\s*(?:of\s+)?(?:body\s*weight|bw)\b)?", re.I)
_PER_M2 = re.compile(rf"{_SLASH_OR_PER}{_M2}", re.I)
_ROUTE = r"(?:\s*(?:p\.?\s?o\.?|i\.?v\.?|s\.?c\.?|orally|oral)\s*)?"
# "mg/kg·d" is a day's amount per kg, like "mg/kg/day"
_PER_DAY = re.compile(rf"{_ROUTE}(?:{_SLASH_OR_PER}|\s*·\s*)(?:day|d|24\s*h(?:ours?)?|night)\b", re.I)
# "/dose", "per fraction", "each time", "at a time", "1.5 g each": one administration
_PER_DOSE = re.compile(rf"(?:{_SLASH_OR_PER}|\s*\beach\s+)"
                       r"(?:dose|time|injection|infusion|fraction|administration|session)\b"
                       r"|\s*\bat\s+a\s+time\b|\s*\beach\b(?![\s-]+(?:day|week|month|cycle|of)\b)", re.I)
_PER_WEEK = re.compile(rf"{_SLASH_OR_PER}(?:week|wk)\b", re.I)
_RATE = re.compile(rf"{_SLASH_OR_PER}(?:h|hr|hrs|hour|min|minute|s|sec)\b", re.I)
# "/20 ml" is the volume an amount is dissolved in (kept); "/mL", "/1 ml", "/dL", "/L", "I/mL" is a concentration.
_IN_VOLUME = re.compile(r"\s*/\s*(?!1\s*(?:ml|mL|cc)\b)\d+(?:[.,]\d+)?\s*(?:ml|mL|cc|L|l|milliliters?)\b")
_CONCENTRATION = re.compile(
    r"(?:\s+[A-Z][a-z]?)?\s*(?:/|\bper\b)\s*(?:1\s*)?(?:m[lL]|[dµμu]?[lL]|mm3|cc|lit(?:er|re)s?|milliliters?)(?![a-zA-Z])")

# "≥ 7.0 mmol", "\\<70 mg/dl": thresholds (lab values, eligibility), not amounts given.
_COMPARISON_BEFORE = re.compile(
    r"(?:[≥≤<>=±]|\b(?:more|less|greater|lower|higher|fewer)\s+than|\bat\s+least|\bbelow|\babove|\bexceeding)\s*$",
    re.I)


def _to_float(plain: str) -> float:
    s = plain.replace("\u00a0", " ").replace("\u202f", " ")
    if re.fullmatch(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?", s):
        return float(s.replace(",", ""))
    if re.fullmatch(r"\d{1,3}(?: \d{3})+", s):
        return float(s.replace(" ", ""))
    return float(s.replace(",", "."))


def _read_number(m: re.Match, p: str) -> tuple[float, int | None, bool, str | None, bool]:
    """(mantissa value, exponent or None, exponent_is_lost_superscript, word, bare_power)."""
    g = m.groupdict()
    for key in ("pcaret", "psup", "pparen"):
        if g.get(p + key):
            return 1.0, int(g[p + key].translate(_SUPERSCRIPTS)), False, g.get(p + "word"), True
    num = g[p + "num"]
    sci = g.get(p + "sci")
    mantissa_txt = num[: num.lower().rfind("e")] if sci else num
    value = _to_float(mantissa_txt.strip())
    if sci:
        value *= 10 ** int(sci)
    exponent, lost = None, False
    for key in ("caret", "e", "paren", "sup"):
        if g.get(p + key):
            exponent = int(g[p + key].translate(_SUPERSCRIPTS))
    if g.get(p + "lost"):
        exponent, lost = int(g[p + "lost"]), True
    return value, exponent, lost, g.get(p + "word"), False


def _unit_of(m: re.Match) -> tuple[str | None, str | None]:
    for i, (_, canonical) in enumerate(_UNIT_TABLE):
        text = m.group(f"u{i}")
        if text is not None:
            return canonical, text
    return None, None


def _restore_lost_power(num_text: str) -> int | None:
    """'106' -> 6 when the text is 10 followed by an exponent 5..12 (a flattened 10⁶)."""
    m = re.fullmatch(r"10(\d{1,2})", num_text.strip())
    if m and 5 <= int(m.group(1)) <= 12:
        return int(m.group(1))
    return None


def _scale(value: float, exponent: int | None, word: str | None) -> float:
    if exponent is not None:
        value *= 10.0 ** exponent
    if word:
        value *= _WORD_MULT[word.lower()]
    return value


def _clean(x: float) -> float:
    """Round away binary noise from scaling (1.5 * 1e6 stays 1500000.0)."""
    return float(f"{x:.12g}")

