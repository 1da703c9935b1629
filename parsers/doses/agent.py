"""Which agent a dose belongs to, and one normalized key per agent."""
from __future__ import annotations

import re
import unicodedata

from parsers.doses.grammar import _RANGE_SEP, _UNIT_RE, _number

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
fraction fractions fixed low high medium maintenance subsequent add being volume base containing contains
liquid granule granules syrup mixture suspension tab tabs cap caps sachet sachets drops spray patch
inhalation inhaled atomization nebulized sublingual intranasal nasal transdermal intravitreal intrathecal
rectal vaginal intradermal mouth os towards toward pump actuation actuations option options step steps
irradiation radiotherapy radiation weight-based bolus concurrent concomitant injectable sterile
adult adults children drip mode cases case line combination br meal meals pre-meal breakfast dinner
lunch bedtime night morning evening repeat repeated
""".split())
# Dose-finding labels are not agents: "Cohort5", "Cohort 4", "Dose level 2", "Arm B".
_LABEL = re.compile(r"^(?:cohort|arm|group|level|part|stage|step|option|panel)s?\d*$", re.I)

_CELL_PHRASE = re.compile(
    r"((?:[A-Za-z][\w\-']*\s+){0,7}?(?:cells?|(?i:msc)s?|TNCs?|MNCs?|CIKs?)(?:\s+cells?)?)\b")
# A word: letters first, or digits glued to letters ("30R", "5-FU"); never starts mid-word.
_TOKEN = re.compile(r"(?<!\w)(?<!\w-)(?:\d+-?)?[A-Za-z][\w\-®™]*\+?")  # "-Drugex": a bullet
# Lower-case participles/adverbs ("enrolled", "loading", "continuously") are not agent names.
# ("-xed" is a drug stem, as in pemetrexed, not a participle.)
_VERB_LIKE = re.compile(r"^[a-z]{3,}(?:(?<!x)ed|ing|ly)$")
# D1, D8-21, day4, q3w: day and schedule codes, not agents (a product code such as C213 is a name)
_SHORT_CODE = re.compile(r"^(?:[A-Za-z]\d{1,2}|(?:day|week|wk|cycle)\d+)(?:[\-,]\d+)*$", re.I)
# A clause ends at ". ", ";" or a newline; not at the dot of an abbreviation ("s.c. in week 4").
_BOUNDARY = re.compile(r"(?<!\b[A-Za-z])\.\s|[;\n]|\.$")


def count_noun_before(text: str, start: int) -> str | None:
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


# --------------------------------------------------------------------------------------------
# agent names

# A product name's trailing strength is not part of the agent ('Velmoraxin 40 mg', 'Drug X 0.5 mg/kg'),
# read with the same number and unit grammar as the doses themselves.
_TRAILING_STRENGTH = re.compile(
    rf"\s+{_number('a')}(?:{_RANGE_SEP}{_number('b')})?\s*(?:{_UNIT_RE})(?:\s*/\s*[A-Za-z0-9²]+)*\s*$",
    re.VERBOSE,
)


# A dosage form after the name is not part of the agent: 'Drugex Tablets', 'Drugex for injection'.
_TRAILING_FORM = re.compile(
    r"(?:\s+(?:for\s+injection|film-coated|enteric-coated|extended-release|oral|tablets?|tabs?|capsules?|"
    r"granules?|syrup|injection|infusion|solution|suspension|oral\s+liquid|liquid|mixture|powder|concentrate|"
    r"sachets?|drops|spray|patch))+$", re.I)


def normalize_agent(name: str) -> str:
    """One key per agent: MSC spellings collapse to 'mesenchymal stem cells'; drugs lower-cased.

    'MSC', 'MSCs', 'hUC-MSCs', 'AlloMSC', 'mesenchymal stem cells', 'mesenchymal stromal cells'
    -> 'mesenchymal stem cells'. Other names: NFKC, lower case, trademark signs and trailing
    parentheticals, a trailing strength and trailing dosage forms dropped, whitespace collapsed
    ('Botulinum Toxin Type A' -> 'botulinum toxin type a', 'Drugex 40 mg film-coated tablets' -> 'drugex').
    """
    s = unicodedata.normalize("NFKC", str(name)).replace("®", "").replace("™", "")
    s = re.sub(r"\s+", " ", s).strip()
    s = _TRAILING_FORM.sub("", s) or s  # forms first: 'Drugex 40 mg tablets' ends in its strength then
    s = _TRAILING_STRENGTH.sub("", s) or s
    s = s.lower()
    if re.search(r"mesenchymal|mscs?\b", s):
        return "mesenchymal stem cells"
    s = re.sub(r"\s*\([^)]*\)\s*$", "", s) or s
    s = _TRAILING_FORM.sub("", s) or s
    return s.strip(" .,:;-–—*+/") or s


def _name_run(tokens: list[re.Match]) -> str | None:
    """Join consecutive name-like tokens (adjacent, separated by spaces only)."""
    words = [t.group(0) for t in tokens]
    return " ".join(words) if words else None


# Between a name and its amount ("Drugex will be administered orally at a dose of 5 mg") only
# these words may stand, and one of the cues must; else the words before belong to something else
# ("Green banana biomass ... to diet as 4.5 g", "as fast as possible ... 200-800 ml").
_GAP_WORDS = frozenset("a an the of to be been will shall may can with by for as it then "
                       "patients patient participants participant subjects subject".split())
_GAP_CUES = frozenset("""
at is are was were level levels administer administered administers administrated administration given give gives receive receives
received receiving inject injected injection injections infuse infused infusion infusions taken take takes
dose doses dosage dosages dosing starting initial fixed single loading maintenance low high total
once twice daily day per orally oral iv sc im po intravenous intravenously subcutaneous subcutaneously
intramuscular mouth os sublingual inhalation inhaled atomization epidural tablet tablets capsule capsules
tab tabs cap caps granule granules syrup liquid mixture solution suspension drops spray patch
""".split())
_UNIT_WORDS = frozenset("mg ml mcg ug kg iu".split())
# "80ml", "3x", "14days": a number glued to a unit is never a name
_QUANTITY_TOKEN = re.compile(r"\d+(?:[.,]\d+)?(?:mg|mcg|ug|g|ml|l|iu|u|kg|x|d|h|days?|weeks?)", re.I)


def _gap_allows_name(text: str, lo: int, hi: int) -> bool:
    words = [t.group(0).lower() for t in _TOKEN.finditer(text, lo, hi)]
    # "p.o.", "i.v.": letters of an abbreviation; "5mg/ml": a strength
    words = [w for w in words if len(w) > 1 and not _QUANTITY_TOKEN.fullmatch(w) and w not in _UNIT_WORDS]
    return all(w in _GAP_WORDS or w in _GAP_CUES for w in words) and (
        not words or any(w in _GAP_CUES for w in words))


def _is_name(tok: str) -> bool:
    return (tok.lower().rstrip("®™+") not in _STOP and not _VERB_LIKE.match(tok) and not _LABEL.match(tok)
            and not _QUANTITY_TOKEN.fullmatch(tok))


def _weak(tok: str) -> bool:
    """A token that is only part of a name next to a real word: 'Type A', 'Vitamin D3' (not 'D8-21')."""
    return len(tok) == 1 or bool(_SHORT_CODE.match(tok))


def _backward_run(text: str, end: int, adjacent_only: bool, floor: int = 0) -> str | None:
    """Name-like words ending just before `end` (adjacent_only) or the nearest run in text[floor:end]."""
    span = _backward_span(text, end, adjacent_only, floor)
    return _name_run(list(_TOKEN.finditer(text, *span))) if span else None


def _backward_span(text: str, end: int, adjacent_only: bool, floor: int = 0) -> tuple[int, int] | None:
    """Where the name of _backward_run stands.

    A run inside a parenthetical that a name opens ("Certolizumab Pegol (CZP) 400 mg",
    "Conmana(Icotinib Tablets) ... 125mg") gives way to that name: the brackets hold a synonym.
    """
    tokens = list(_TOKEN.finditer(text, floor, end))
    i = len(tokens) - 1
    if adjacent_only and (i < 0 or text[tokens[i].end():end].strip(" :(（-\t") != ""):
        return None
    while i >= 0:
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
        i -= 1
        if all(_weak(t.group(0)) for t in run):
            if adjacent_only:
                return None
            continue  # "p.o." splits into weak letters: keep looking further back
        if not adjacent_only and not _gap_allows_name(text, run[-1].end(), end):
            continue  # the words between say this name is not what the amount belongs to
        opened = text.rfind("(", floor, run[0].start())
        if opened >= 0 and ")" not in text[opened:run[0].start()] and ")" in text[run[-1].end():end]:
            if (outer := _backward_span(text, opened, adjacent_only=True, floor=floor)):
                return outer
        return run[0].start(), run[-1].end()
    return None


# Words that may open the next dose's phrase before its agent's name ("weekly paclitaxel", "oral Depakote").
_LEAD_WORDS = frozenset("weekly daily monthly nightly once twice concurrent concomitant oral intravenous iv "
                        "subcutaneous sc intramuscular im inhaled topical epidural".split())


def lead_start(text: str, lo: int, hi: int) -> int:
    """Where the words that introduce the amount at `hi` begin: its agent's name and the stop
    frequency or route words glued before it ("... of weekly paclitaxel at 50mg/m2" -> "weekly
    paclitaxel at"; "500mg qd po plus Erlotinib 150mg" -> "Erlotinib"),
    never before `lo` nor across punctuation. `hi` when no name introduces it."""
    span = _backward_span(text, hi, adjacent_only=False, floor=lo)
    if span is None:
        return hi
    start = span[0]
    for tok in reversed(list(_TOKEN.finditer(text, lo, start))):
        if text[tok.end():start].strip() or tok.group(0).lower() not in _LEAD_WORDS:
            break
        start = tok.start()
    return start


# "25 IU of X", "600mg as X base", "10 mL/kg bolus of X": the agent follows
_OF_AS = re.compile(r"\s*(?:(?:bolus|dose|infusion|injection)s?\s+)?(?:of|as)\s", re.I)


def _forward_run(text: str, start: int, limit: int) -> str | None:
    """'of <name>' or a name directly after the quantity ('40 mg Triamcinolone')."""
    rest = text[start:limit]
    # "of the X", "as X", and a percentage strength before the name ("2 ml of 0.75% bupivacaine")
    m = re.match(r"\s*(?:(?:(?:bolus|dose|infusion|injection)s?\s+)?(?:of|as)\s+(?:the\s+)?)?(?:\d+(?:[.,]\d+)?\s*%\s+)?", rest)
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


def start_of_clause(text: str, pos: int, floor: int) -> int:
    """Start of the sentence/clause containing pos (after '. ', ';' or a newline), not before floor."""
    start = floor
    for b in _BOUNDARY.finditer(text, floor, pos):
        start = b.end()
    return start


def end_of_clause(text: str, pos: int) -> int:
    b = _BOUNDARY.search(text, pos)
    return b.start() if b else len(text)


def find_agent(text: str, start: int, end: int, clause_start: int, clause_end: int, q: dict) -> str | None:
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
    # radiation: "of whole brain irradiation" names a target, not an agent
    radiation = q["unit"] in ("Gy", "cGy")
    # "25 IU of Botulinum Toxin Type A", "600mg as chloroquine base"
    if not radiation and _OF_AS.match(text, end, clause_end) and (name := _forward_run(text, end, clause_end)):
        return name
    # "gefitinib will be administered at 250mg"
    if (name := _backward_run(text, start, adjacent_only=False, floor=clause_start)):
        return name
    # "40 mg Triamcinolone", "100 µg LSD", "24 Gy Strontium90"
    if radiation and _OF_AS.match(text, end, clause_end):
        return None
    return _forward_run(text, end, clause_end)

