"""Dose mentions read from intervention and arm free text.

No registry publishes a structured dose for these trials, and generic quantity parsers get the
cell-therapy forms wrong (anchors.md §7), so this module reads doses with a small grammar:

    quantity := number [multiplier] unit [basis]       e.g. "1 x 10^6 cells/kg"
              | number SEP number [multiplier] unit      e.g. "100-300 million cells", "0.8-1.8g"

Numbers: decimals ("0.5", European "1,5"), thousands separators ("1,250", "1 000 000"),
E-notation ("1.0E+6", "1e6"), multipliers ("x 10^6", "×10⁶", "x 10*6", "x 10(6)", "x 10e6"),
bare powers ("10^6", "10⁶", "10(6)"), words ("2 million", "1.5 billion"). A range's multiplier
or word applies to both ends ("1-2 x 10^6" = 1e6..2e6).

Lost superscripts: scraped pages often flatten 10⁶ to "106". "106 cells/kg" and "2 × 107 cells"
are read as powers of ten ONLY when the unit is a count (cells, vg, PFU, vp, TCID50), where a
literal 106 would be an absurd dose; the mention is flagged `exponent_restored`. "106 mg" stays 106.

Policy decisions (documented here because callers rely on them):
- basis: per_kg ("/kg", "per kg", "/kg body weight"), per_m2 ("/m2", "/m²", "/m^2", "per square
  meter"), per_day ("/day", "/d", "per day", "per night"), per_dose ("/dose", "per fraction",
  "per time", "per injection"); anything else is "total" = a fixed amount as written, not scaled
  by body size, flagged `basis_assumed_total` unless the text says "total".
  "mg/kg/day" is basis per_kg with schedule "daily" (likewise "/m2/day").
- concentrations ("200 mg/mL", "0.5 g/mL", "70 mg/dl", "7 mmol/L", "109/L") and rates
  ("1.5 µg/min", "0.5 mL/kg/h") are NOT doses and are skipped: they describe a formulation or a
  lab value, not an amount given. An amount in a stated volume ("1 mg/20 ml", "225 mg/1.5 mL")
  IS a dose: the amount is kept.
- radiation doses in Gy are kept (unit "Gy"); "AUC 5" (carboplatin target) and "%" are not units.
- "3 x 100 µg" is three doses of 100 µg: a multiplier whose power is not a written exponent is
  only accepted before a count unit.
- a cell unit written BEFORE a power of ten ("mesenchymal stem cells (1×10^6/kg)") gives unit
  "cells", flagged `unit_inferred`; a plain number after a cell word does not.
- counts below 1000 ("CD4 T cells", "2 CAR-NK cells") are markers, not cell doses; numbers after
  a comparison ("≥ 7.0 mmol", "below 1500 cells", "more than 20 mg") are thresholds; amounts in
  a clause saying they are taken/drawn/collected are samples. None of these are returned.
- unit spellings: mg, mcg (µg, μg, ug), ng, g (lower-case only: "18 G" is a needle gauge), mL
  (ml, cc), uL (µL), L, mmol, mEq, IU, U (units), Gy, cGy, cells, vg, vp (viral/particle units),
  PFU, TCID50.

Pure functions, no I/O. Source spans are exact slices of the input text (no normalization
before matching: NFKC would turn "10⁶" into "106").
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # only for the annotation; keeps this module import-light
    from parsers.record import SourceRecord

__all__ = ["DoseMention", "extract_doses", "normalize_agent", "doses_for_record"]


@dataclass(frozen=True)
class DoseMention:
    source_text: str  # exact span of the source text the dose was read from
    agent: str | None  # normalized agent name (see normalize_agent)
    dose_low: float
    dose_high: float  # == dose_low for a single value
    unit: str  # short canonical: cells, mg, g, mcg, ng, mL, L, IU, U, vg, vp, PFU, TCID50, mmol, Gy
    basis: str  # per_kg | per_m2 | total | per_dose | per_day
    schedule: str | None  # 'repeated after three months', 'every two weeks', 'daily', ...
    flags: tuple[str, ...]  # exponent_restored, agent_inferred, basis_assumed_total, ...


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
_PER_DAY = re.compile(rf"{_ROUTE}{_SLASH_OR_PER}(?:day|d|24\s*h(?:ours?)?|night)\b", re.I)
_PER_DOSE = re.compile(rf"(?:{_SLASH_OR_PER}|\s*\beach\s+)"
                       r"(?:dose|time|injection|infusion|fraction|administration|session)\b", re.I)
_PER_WEEK = re.compile(rf"{_SLASH_OR_PER}(?:week|wk)\b", re.I)
_RATE = re.compile(rf"{_SLASH_OR_PER}(?:h|hr|hrs|hour|min|minute|s|sec)\b", re.I)
# "/20 ml" is the volume an amount is dissolved in (kept); "/mL", "/dL", "/L", "I/mL" is a concentration.
_IN_VOLUME = re.compile(r"\s*/\s*\d+(?:[.,]\d+)?\s*(?:ml|mL|cc|L|l|milliliters?)\b")
_CONCENTRATION = re.compile(
    r"(?:\s+[A-Z][a-z]?)?\s*(?:/|\bper\b)\s*(?:m[lL]|[dµμu]?[lL]|mm3|cc|lit(?:er|re)s?|milliliters?)(?![a-zA-Z])")

# "≥ 7.0 mmol", "\\<70 mg/dl": thresholds (lab values, eligibility), not amounts given.
_COMPARISON_BEFORE = re.compile(
    r"(?:[≥≤<>=±]|\b(?:more|less|greater|lower|higher|fewer)\s+than|\bat\s+least|\bbelow|\babove|\bexceeding)\s*$",
    re.I)

_TOTAL_CUE = re.compile(r"\btotal(?:\s+dose)?(?:\s+of)?\s*$|\ba\s+total\s+of\s*$", re.I)

_SCHEDULES = [
    re.compile(r"\brepeated\s+(?:after|every|at|in)\s+(?:\w+\s+){0,2}?(?:days?|weeks?|months?|years?)\b", re.I),
    re.compile(r"\bevery\s+(?:other\s+)?(?:\d+|one|two|three|four|five|six|eight|twelve)?[\s-]*"
               r"(?:days?|weeks?|months?|hours?|h)\b", re.I),
    re.compile(r"\b(?:once|twice|three\s+times|four\s+times|\d\s*times?)\s*(?:a\s+|per\s+|every\s+|/\s*)?"
               r"(?:day|daily|week|weekly|month|monthly|night|nightly)\b", re.I),
    re.compile(r"\bq\s?\d+\s?(?:w|wks?|weeks?|d|h)\b", re.I),
    re.compile(r"\b(?:QD|BID|TID|QID|OD|QW|QOD|Q\.D\.|B\.I\.D\.|qd|bid|tid|qid|qw|qod)\b"),
    re.compile(r"\b(?:daily|weekly|monthly|nightly|once)\b", re.I),
]

# Words that are not agent names: verbs, function words, routes, forms, frequencies.
_STOP = frozenset("""
a an the of with and or plus at to in on for by as is are be been was were will shall may can
would should must then than from into over under via per each every all any this that these those
it its their his her patients patient subjects subject participants participant group groups arm
arms cohort cohorts receive receives received receiving given give gives administered administer
administration infused infusion infusions injected injection injections inject dose doses dosage
dosages dosing dosed level levels starting start initial maximum minimum single total daily weekly monthly
once twice times day days week weeks month months year years hour hours minute minutes min h
orally oral iv i.v. i.v sc s.c. im po p.o. p.o intravenously intravenous subcutaneously subcutaneous
intramuscular topical tablet tablets capsule capsules pill pills solution vial vials film-coated
qd bid tid qid od qw qod q3w q2w q4w d d1 followed after before until up approximately about
treatment treated therapy regimen schedule cycle cycles phase then also either both other next first
second third one two three four five six seven eight nine ten body weight kg m2 bsa mg g mcg ml
cell cells randomized assigned administers administrated epidural nightly taken take takes drug drugs
medication study when if using used use
""".split())

_CELL_PHRASE = re.compile(
    r"((?:[A-Za-z][\w\-']*\s+){0,7}?(?:cells?|(?i:msc)s?|TNCs?|MNCs?|CIKs?)(?:\s+cells?)?)\b")
# A word: letters first, or digits glued to letters ("30R", "5-FU"); never starts mid-word.
_TOKEN = re.compile(r"(?<![\w\-])(?:\d+-?)?[A-Za-z][\w\-®™]*\+?")
# Lower-case participles/adverbs ("enrolled", "loading", "continuously") are not agent names.
_VERB_LIKE = re.compile(r"^[a-z]{3,}(?:ed|ing|ly)$")
_SHORT_CODE = re.compile(r"^(?:[A-Za-z]|day|week|wk|cycle)\d[\d\-,]*$", re.I)  # D1, D8-21, day4: not agents
_INSIDE_NUMBER = re.compile(r"(?<![A-Za-z\d])\d+[.,]$")
_LIST_GAP = re.compile(r"\s*(?:/|,)?\s*(?:or|and|to)?\s*")
_BOUNDARY = re.compile(r"[.;\n]\s|[;\n]|\.$")


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


def _count_noun_before(text: str, start: int) -> str | None:
    """The cell product named just before a unitless power of ten, in the same clause."""
    window_start = max(0, start - 100)
    for b in _BOUNDARY.finditer(text, window_start, start):
        window_start = b.end()
    return _last_cell_phrase(text, window_start, start)


def _last_cell_phrase(text: str, lo: int, hi: int) -> str | None:
    """The last named cell product in text[lo:hi], without leading function/dose words."""
    for m in reversed(list(_CELL_PHRASE.finditer(text, lo, hi))):
        words = m.group(1).split()
        while words and (words[0].lower() in _STOP or words[0].lower().endswith("-dose")):
            words.pop(0)
        if words and " ".join(words).lower() not in {"cell", "cells"}:
            return " ".join(words)
    return None


def _restore_lost_power(num_text: str) -> int | None:
    """'106' -> 6 when the text is 10 followed by an exponent 5..12 (a flattened 10⁶)."""
    m = re.fullmatch(r"10(\d{1,2})", num_text.strip())
    if m and 5 <= int(m.group(1)) <= 12:
        return int(m.group(1))
    return None


# --------------------------------------------------------------------------------------------
# agent names

# A product name's trailing strength is not part of the agent ('Velmoraxin 40 mg', 'Drug X 0.5 mg/kg'),
# read with the same number and unit grammar as the doses themselves.
_TRAILING_STRENGTH = re.compile(
    rf"\s+{_number('a')}(?:{_RANGE_SEP}{_number('b')})?\s*(?:{_UNIT_RE})(?:\s*/\s*[A-Za-z0-9²]+)*\s*$",
    re.VERBOSE,
)


def normalize_agent(name: str) -> str:
    """One key per agent: MSC spellings collapse to 'mesenchymal stem cells'; drugs lower-cased.

    'MSC', 'MSCs', 'hUC-MSCs', 'AlloMSC', 'mesenchymal stem cells', 'mesenchymal stromal cells'
    -> 'mesenchymal stem cells'. Other names: NFKC, lower case, trademark signs and trailing
    parentheticals dropped, whitespace collapsed ('Botulinum Toxin Type A' -> 'botulinum toxin type a').
    """
    s = unicodedata.normalize("NFKC", str(name)).replace("®", "").replace("™", "")
    s = re.sub(r"\s+", " ", s).strip()
    s = _TRAILING_STRENGTH.sub("", s) or s
    s = s.lower()
    if re.search(r"mesenchymal|mscs?\b", s):
        return "mesenchymal stem cells"
    s = re.sub(r"\s*\([^)]*\)\s*$", "", s) or s
    return s.strip(" .,:;-–—*+/") or s


def _name_run(tokens: list[re.Match]) -> str | None:
    """Join consecutive name-like tokens (adjacent, separated by spaces only)."""
    words = [t.group(0) for t in tokens]
    return " ".join(words) if words else None


def _is_name(tok: str) -> bool:
    return tok.lower().rstrip("®™+") not in _STOP and not _VERB_LIKE.match(tok)


def _weak(tok: str) -> bool:
    """A token that is only part of a name next to a real word: 'Type A', 'Vitamin D3' (not 'D8-21')."""
    return len(tok) == 1 or bool(_SHORT_CODE.match(tok))


def _backward_run(text: str, end: int, adjacent_only: bool, floor: int = 0) -> str | None:
    """Name-like words ending just before `end` (adjacent_only) or the nearest run in text[floor:end]."""
    tokens = list(_TOKEN.finditer(text, floor, end))
    i = len(tokens) - 1
    if adjacent_only:
        if i < 0 or text[tokens[i].end():end].strip(" :(（-\t") != "":
            return None
    while i >= 0 and not _is_name(tokens[i].group(0)):
        if adjacent_only:
            return None
        i -= 1
    if i < 0:
        return None
    run = [tokens[i]]
    while i > 0 and text[tokens[i - 1].end():tokens[i].start()].strip() == "" and _is_name(tokens[i - 1].group(0)):
        i -= 1
        run.insert(0, tokens[i])
    if all(_weak(t.group(0)) for t in run):
        return None
    return _name_run(run)


def _forward_run(text: str, start: int, limit: int) -> str | None:
    """'of <name>' or a name directly after the quantity ('40 mg Triamcinolone')."""
    rest = text[start:limit]
    m = re.match(r"\s*(?:of\s+(?:the\s+)?)?", rest)
    pos = start + (m.end() if m else 0)
    run: list[re.Match] = []
    for tok in _TOKEN.finditer(text, pos, limit):
        gap = text[(run[-1].end() if run else pos):tok.start()]
        if gap.strip() != "":
            break
        word = tok.group(0)
        # a capital letter continues a name ("Toxin Type A") but never starts one
        if not (_is_name(word) or (run and len(word) == 1 and word.isupper())):
            break
        run.append(tok)
    if all(_weak(t.group(0)) for t in run):
        return None
    return _name_run(run)


def _clause_start(text: str, pos: int, floor: int) -> int:
    """Start of the sentence/clause containing pos (after '. ', ';' or a newline), not before floor."""
    start = floor
    for b in _BOUNDARY.finditer(text, floor, pos):
        start = b.end()
    return start


def _clause_end(text: str, pos: int) -> int:
    b = _BOUNDARY.search(text, pos)
    return b.start() if b else len(text)


# --------------------------------------------------------------------------------------------
# extraction

def _basis_after(text: str, pos: int) -> tuple[str | None, int, str | None, str | None]:
    """(basis or None, new position, implied schedule, reject reason) for the suffix at pos."""
    if (m := _IN_VOLUME.match(text, pos)):
        return None, m.end(), None, None
    for regex, basis in ((_PER_KG, "per_kg"), (_PER_M2, "per_m2")):
        if (m := regex.match(text, pos)):
            end, schedule = m.end(), None
            if (d := _PER_DAY.match(text, end)):
                end, schedule = d.end(), "daily"
            elif (d := _PER_DOSE.match(text, end)):
                end = d.end()
            elif _RATE.match(text, end) or _CONCENTRATION.match(text, end):
                return None, end, None, "rate"
            return basis, end, schedule, None
    if (m := _PER_DAY.match(text, pos)):
        return "per_day", m.end(), None, None
    if (m := _PER_DOSE.match(text, pos)):
        return "per_dose", m.end(), None, None
    if (m := _PER_WEEK.match(text, pos)):
        return None, m.end(), "weekly", None
    if _RATE.match(text, pos):
        return None, pos, None, "rate"
    if _CONCENTRATION.match(text, pos):
        return None, pos, None, "concentration"
    return None, pos, None, None


def _find_schedule(text: str, start: int, end: int) -> str | None:
    window = text[start:end]
    for regex in _SCHEDULES:
        if (m := regex.search(window)):
            return re.sub(r"\s+", " ", m.group(0)).strip()
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


def extract_doses(text: str, agent_hint: str | None = None) -> list[DoseMention]:
    """Every dose mention in `text`, in order. Never raises on text content."""
    if not text:
        return []
    text = str(text)
    found: list[tuple[int, int, dict]] = []
    pos = 0
    while (m := _QUANTITY.search(text, pos)):
        # never start inside a number ("1,5" / "1.5" -> "5"); "day1,80mg" is two tokens, though
        if _INSIDE_NUMBER.search(text, max(0, m.start() - 16), m.start()):
            pos = m.start() + 1
            continue
        mention = _read_quantity(text, m)
        if mention is None:
            # skip the whole rejected number, so no piece of it ("10^9" of ">5x10^9") is read
            # again; except a refused flattened exponent: "3 x 100 µg" -> retry at "100 µg"
            lost = m.start("alost") if m.group("alost") else -1
            pos = lost - 2 if lost > m.start() else max(m.end(), m.start() + 1)
            continue
        found.append(mention)
        pos = mention[1]
    results: list[DoseMention] = []
    prev_end = 0
    for i, (start, end, q) in enumerate(found):
        next_start = found[i + 1][0] if i + 1 < len(found) else len(text)
        # "anlotinib 6mg/8mg/10mg", "8 mg, 12 mg, or 16 mg": a list shares its agent
        prev = results[-1] if results else None
        if prev and prev.agent and "agent_inferred" not in prev.flags and _LIST_GAP.fullmatch(text[prev_end:start]):
            q = {**q, "listed_agent": results[-1].agent}
        results.append(_finish(text, start, end, q, prev_end, next_start, agent_hint))
        prev_end = end
    return results


def _read_quantity(text: str, m: re.Match) -> tuple[int, int, dict] | None:
    unit, _ = _unit_of(m)
    if _COMPARISON_BEFORE.search(text[max(0, m.start() - 12):m.start()]):
        return None
    flags: list[str] = []
    unit_before = None
    if unit is None:
        # only a written power of ten / word multiplier counts as a dose without a unit after it
        powered = any(m.group(g) for g in ("asci", "acaret", "ae", "aparen", "asup", "apcaret", "apsup",
                                           "apparen", "aword", "bsci", "bcaret", "be", "bparen", "bsup",
                                           "bword"))
        unit_before = _count_noun_before(text, m.start()) if powered else None
        if unit_before is None or not _UNITLESS_END.match(text, m.end()):
            return None
        unit = "cells"
        flags.append("unit_inferred")
    a_val, a_exp, a_lost, a_word, _ = _read_number(m, "a")
    has_b = m.group("bnum") is not None
    if has_b:
        b_val, b_exp, b_lost, b_word, _ = _read_number(m, "b")
    else:
        b_val, b_exp, b_lost, b_word = a_val, a_exp, a_lost, a_word
    count = unit in _COUNT_UNITS
    if (a_lost or b_lost) and not count:
        return None  # "3 x 100 µg": not a flattened exponent
    if a_lost or b_lost:
        flags.append("exponent_restored")
    # a range's multiplier/word written once applies to both ends: "1-2 x 10^6", "100-300 million"
    if has_b and a_exp is None and a_word is None:
        a_exp, a_word = b_exp, b_word
    if count:  # bare flattened power: "106 cells/kg"
        for key, exp_name in (("anum", "a"), ("bnum", "b")):
            if m.group(key) is None:
                continue
            e = (a_exp if exp_name == "a" else b_exp)
            w = (a_word if exp_name == "a" else b_word)
            if e is None and w is None and not m.group(exp_name + "sci"):
                lost = _restore_lost_power(m.group(key))
                if lost is not None:
                    if exp_name == "a":
                        a_val, a_exp = 1.0, lost
                    else:
                        b_val, b_exp = 1.0, lost
                    if "exponent_restored" not in flags:
                        flags.append("exponent_restored")
        if has_b and a_exp is None and a_word is None:
            a_exp, a_word = b_exp, b_word
    low = _clean(_scale(a_val, a_exp, a_word))
    high = _clean(_scale(b_val, b_exp, b_word)) if has_b else low
    if has_b and high < low:
        return None  # "5-1 mg" is not a range we can trust (dates, codes)
    if high == 0:
        return None  # "0mg": a typo or a placebo, not a dose
    if unit in _COUNT_UNITS and low < 1000:
        return None  # "CD4 T cells", "2 CAR-NK cells": markers and counts, not a cell dose
    basis, end, schedule, reject = _basis_after(text, m.end())
    if reject or _SAMPLING.search(text, end, _clause_end(text, end)):
        return None
    # an agent named in a cell unit ("MSC/kg", "... mesenchymal stem cells")
    cell_agent = None
    if unit_before:
        cell_agent = unit_before
    elif unit == "cells":
        phrase = m.group("cells")
        words = [w for w in phrase.split() if w.lower() not in _WORD_MULT]
        phrase = " ".join(words)
        if phrase.lower() not in {"cell", "cells"}:
            cell_agent = phrase
    return m.start(), end, {"low": low, "high": high, "unit": unit, "basis": basis,
                            "schedule": schedule, "flags": flags, "cell_agent": cell_agent}


def _finish(text: str, start: int, end: int, q: dict, prev_end: int, next_start: int,
            agent_hint: str | None) -> DoseMention:
    flags = list(q["flags"])
    clause_start = _clause_start(text, start, prev_end)
    clause_end = min(_clause_end(text, end), next_start)
    basis = q["basis"]
    if basis is None:
        basis = "total"
        if not _TOTAL_CUE.search(text[max(clause_start, start - 30):start]):
            flags.append("basis_assumed_total")
    schedule = q["schedule"] or _find_schedule(text, end, clause_end)
    agent = _find_agent(text, start, end, clause_start, clause_end, q)
    if agent is None and agent_hint:
        agent = agent_hint
        flags.append("agent_inferred")
    return DoseMention(
        source_text=text[start:end],
        agent=normalize_agent(agent) if agent else None,
        dose_low=q["low"], dose_high=q["high"], unit=q["unit"], basis=basis,
        schedule=schedule, flags=tuple(flags),
    )


def _find_agent(text: str, start: int, end: int, clause_start: int, clause_end: int, q: dict) -> str | None:
    if q["cell_agent"]:
        return q["cell_agent"]
    if q.get("listed_agent"):
        return q["listed_agent"]
    if q["unit"] == "cells":
        # "mesenchymal stem cells ... will be infused at 106 cells/kg": the cell product named earlier
        if (phrase := _last_cell_phrase(text, clause_start, start)):
            return phrase
    # "Dapagliflozin 5 mg", "Bevacizumab15mg/kg", "Cabazitaxel: 25 mg/m²"
    if (name := _backward_run(text, start, adjacent_only=True, floor=clause_start)):
        return name
    # "25 IU of Botulinum Toxin Type A"
    if re.match(r"\s*of\s", text[end:clause_end]) and (name := _forward_run(text, end, clause_end)):
        return name
    # "gefitinib will be administered at 250mg"
    if (name := _backward_run(text, start, adjacent_only=False, floor=clause_start)):
        return name
    # "40 mg Triamcinolone", "100 µg LSD"
    return _forward_run(text, end, clause_end)


# --------------------------------------------------------------------------------------------
# records

_TYPE_PREFIX = re.compile(
    r"^\s*(?:drug|biological|procedure|device|other|radiation|genetic|behavioral|dietary supplement|"
    r"combination product|diagnostic test)\s*:\s*", re.I)


def _hint(name: str | None) -> str | None:
    if not name:
        return None
    return _TYPE_PREFIX.sub("", name).strip() or None


def doses_for_record(record: SourceRecord) -> list[DoseMention]:
    """Doses from a record's arm and intervention descriptions (never criteria or summaries).

    The intervention name is the agent hint for its description; an arm's single listed
    intervention is the hint for the arm description. Identical (agent, low, high, unit, basis)
    mentions are kept once: pages often render the same intervention text twice.
    """
    out: list[DoseMention] = []
    seen: set[tuple] = set()
    sources: list[tuple[str | None, str | None]] = []
    for arm in record.arms:
        hint = _hint(arm.interventions[0]) if len(arm.interventions) == 1 else None
        sources.append((arm.description, hint))
    for iv in record.interventions:
        sources.append((iv.description, _hint(iv.name)))
    for description, hint in sources:
        if not description:
            continue
        for d in extract_doses(description, agent_hint=hint):
            key = (d.agent, d.dose_low, d.dose_high, d.unit, d.basis)
            if key not in seen:
                seen.add(key)
                out.append(d)
    return out
