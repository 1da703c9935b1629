"""How often a dose is given: a small frequency vocabulary, doses per day, and cycles.

FREQUENCIES is the vocabulary (the warehouse documents it from here). Each code has the number
of doses per day while dosing: QD 1, BID 2, ..., QW 1/7, Q3W 1/21, QM 1/30 (a month is counted as
30 days, a quarter as 90); ONCE, PRN and CONTINUOUS have none (no fixed count a day).

A frequency is read only from words that state one ("qd", "twice a day", "every 3 weeks",
"as needed", "x 1"); "/day" after a unit says what the amount is per, not how often, so it
gives no frequency. The text after the amount is read first, then the text before it in the
same clause. When several frequencies are stated, the most specific tier wins: as needed, then
a count per day, then a period ("every 3 weeks"), then once.

Cycles: `cycle_days` from "21-day cycle", "cycle of 28 days", "3-week cycle", or from a period
that comes with day numbers ("D1, Q3W", "d 1 q d 21"); `days_on` counts the dosing days of
that cycle ("days 1-14" 14, "days 1, 8 and 15" 3, "D1" 1, "for 14 days every 21 days" 14) and
is left empty without a cycle. With several dosing days a period is the cycle, not how often
the dose is given ("D8-21 q3wks": no frequency, cycle 21, 14 days on).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

FREQUENCIES: dict[str, float | None] = {
    "QD": 1.0, "BID": 2.0, "TID": 3.0, "QID": 4.0, "QHS": 1.0,
    "Q4H": 6.0, "Q6H": 4.0, "Q8H": 3.0, "Q12H": 2.0, "QOD": 0.5,
    "QW": 1 / 7, "BIW": 2 / 7, "TIW": 3 / 7, "Q2W": 1 / 14, "Q3W": 1 / 21, "Q4W": 1 / 28,
    "Q6W": 1 / 42, "Q8W": 1 / 56, "Q12W": 1 / 84, "QM": 1 / 30, "Q3M": 1 / 90, "Q6M": 1 / 180,
    "ONCE": None, "PRN": None, "CONTINUOUS": None,
}
FREQUENCY_MEANINGS = {
    "QD": "once a day", "BID": "twice a day", "TID": "three times a day", "QID": "four times a day",
    "QHS": "once a day at bedtime", "Q4H": "every 4 hours", "Q6H": "every 6 hours",
    "Q8H": "every 8 hours", "Q12H": "every 12 hours", "QOD": "every other day",
    "QW": "once a week", "BIW": "twice a week", "TIW": "three times a week",
    "Q2W": "every 2 weeks", "Q3W": "every 3 weeks", "Q4W": "every 4 weeks", "Q6W": "every 6 weeks",
    "Q8W": "every 8 weeks", "Q12W": "every 12 weeks", "QM": "once a month, every 30 days",
    "Q3M": "every 3 months, quarterly", "Q6M": "every 6 months", "ONCE": "a single administration",
    "PRN": "as needed", "CONTINUOUS": "continuous infusion",
}

_NUM_WORDS = {"once": 1, "one": 1, "a": 1, "twice": 2, "two": 2, "thrice": 3, "three": 3, "four": 4,
              "six": 6, "eight": 8, "twelve": 12, "other": 2, "second": 2}
_N = r"(\d{1,2}|one|two|three|four|six|eight|twelve)"
_BY_COUNT = {1: "QD", 2: "BID", 3: "TID", 4: "QID"}
_BY_WEEKS = {1: "QW", 2: "Q2W", 3: "Q3W", 4: "Q4W", 6: "Q6W", 8: "Q8W", 12: "Q12W"}
_BY_DAYS = {1: "QD", 2: "QOD", 7: "QW", 14: "Q2W", 21: "Q3W", 28: "Q4W", 30: "QM"}
_BY_HOURS = {4: "Q4H", 6: "Q6H", 8: "Q8H", 12: "Q12H", 24: "QD"}
_BY_MONTHS = {1: "QM", 3: "Q3M", 6: "Q6M"}
_PERIOD_DAYS = {"QW": 7, "Q2W": 14, "Q3W": 21, "Q4W": 28, "Q6W": 42, "Q8W": 56, "Q12W": 84,
                "QM": 30, "Q3M": 90, "Q6M": 180}


def _num(word: str) -> int:
    return int(word) if word.isdigit() else _NUM_WORDS[word.lower()]


def _lookup(table: dict[int, str]):
    return lambda m: table.get(_num(m.group(1)))


# (tier, pattern, code or function of the match). Lower tier = more specific; see module doc.
_PRN, _COUNT, _PERIOD, _ONCE = 0, 1, 2, 3
_PATTERNS: list[tuple[int, re.Pattern, object]] = [(tier, re.compile(p, flags), code) for tier, p, flags, code in [
    # ("if necessary" qualifies a titration, not the schedule: not PRN)
    (_PRN, r"\bp\.?r\.?n\b\.?|\bas\s+(?:needed|required)\b|\bon\s+demand\b"
           r"|\bwhen\s+(?:needed|required|necessary|(?:a\s+|the\s+)?(?:headache|pain|migraine|attack|symptoms?)\b)",
     re.I, "PRN"),
    (_COUNT, r"(?<![A-Za-z])q\.?\s?h\.?\s?s\b\.?|\bat\s+bedtime\b|\bbefore\s+(?:going\s+to\s+)?(?:bed|sleep)\b", re.I, "QHS"),
    (_COUNT, r"(?<![A-Za-z])(?i:q\.?\s?d)\b\.?(?!\s*\d)|(?<![A-Za-z])O\.?D\b\.?", 0, "QD"),
    (_COUNT, r"(?<![A-Za-z])b\.?i\.?d\b\.?", re.I, "BID"),
    (_COUNT, r"(?<![A-Za-z])t\.?i\.?d\b\.?", re.I, "TID"),
    (_COUNT, r"(?<![A-Za-z])q\.?i\.?d\b\.?", re.I, "QID"),
    (_COUNT, r"(?<![A-Za-z])q\.?o\.?d\b\.?|\bevery\s+(?:other|second|2|two)\s+days?\b|\b(?:on\s+)?alternate\s+days\b",
     re.I, "QOD"),
    # "once daily", "twice a day", "3 times per day", "one a day", "one tablet/day"; not "1-3 times a day"
    (_COUNT, r"(?<![\d\-–])\b(?:(once|twice|thrice)[\s-]*(?:a|per|every|each|/|in\s+a)?"
             r"|(one|two|three|four|\d)(?:\s*(?:times?|x)[\s-]*(?:a|per|every|each|/|in\s+a)?"
             r"|(?:\s+(?:tablet|capsule|pill|dose|injection)s?)?\s*(?:a|per|every|each|/)))\s*(?:day|daily)\b",
     re.I, lambda m: _BY_COUNT.get(_num(m.group(1) or m.group(2)))),
    # "two nightly dosages", "in two divided doses": that many doses a day
    (_COUNT, r"\b(two|three|four|2|3|4)\s+(?:nightly|daily|divided)\s+dos(?:es|ages)\b", re.I,
     lambda m: _BY_COUNT.get(_num(m.group(1)))),
    (_COUNT, r"\bdaily\b(?!\s+(?:doses?|dosages?|intake|amounts?)\b)|\bevery\s*day\b|\beach\s+day\b", re.I, "QD"),
    (_COUNT, rf"\bevery\s+{_N}\s*(?:hours?|hrs?|h)\b|(?<![A-Za-z])q\s?(\d{{1,2}})\s?h(?:ours?|rs?)?(?![\d])",
     re.I, lambda m: _BY_HOURS.get(_num(m.group(1) or m.group(2)))),
    (_COUNT, r"\bcontinuous(?:ly)?\s+(?:iv\s+|intravenous\s+)?infus(?:ion|ed)\b|\binfused\s+continuously\b",
     re.I, "CONTINUOUS"),
    (_PERIOD, r"(?<![A-Za-z])q\.?\s?(\d{1,2})\s?(?:w|wks?|weeks?)\b", re.I, _lookup(_BY_WEEKS)),
    (_PERIOD, r"(?<![A-Za-z])q\.?\s?w(?:k|eek)?\b|\b(?:once\s+)?weekly\b|\bevery\s+week\b"
              r"|\b(?:once|(?:1|one)\s+times?)\s*(?:a|per|every|/)\s*week\b",
     re.I, "QW"),
    (_PERIOD, r"\b(twice|two\s+times|2\s+times|three\s+times|3\s+times|thrice)\s*(?:a|per|every|/)?\s*week(?:ly)?\b",
     re.I, lambda m: "BIW" if m.group(1).lower()[:2] in ("tw", "2 ") else "TIW"),
    (_PERIOD, rf"\bevery\s+{_N}[\s-]*(?:weeks?|wks?)\b", re.I, _lookup(_BY_WEEKS)),
    (_PERIOD, rf"\bevery\s+{_N}\s*days?\b|(?<![A-Za-z])q\s?d?\s?(\d{{1,2}})\s?d(?:ays?)?\b|(?<![A-Za-z])q\s?d\s?(\d{{1,2}})\b",
     re.I, lambda m: _BY_DAYS.get(_num(next(g for g in m.groups() if g)))),
    (_PERIOD, r"\bmonthly\b|\bonce\s+(?:a|per|every)\s+month\b|\bevery\s+month\b|(?<![A-Za-z])q\.?\s?m\b", re.I, "QM"),
    (_PERIOD, rf"\bevery\s+{_N}\s+months?\b", re.I, _lookup(_BY_MONTHS)),
    (_PERIOD, r"\bquarterly\b", re.I, "Q3M"),
    (_ONCE, r"(?<![A-Za-z])[x×]\s*1\b(?![.,]\d|\s*\d)|\bsingle\s+(?:(?:iv\.?|oral)\s+)?(?:dose|fraction|administration|injection)\b(?!s)"
            r"|\bonce\b(?![\s-]*(?:a|per|every|daily|weekly|monthly|day|week|month|each|more|again)\b|\s*/)"
            r"|\bone[\s-]time\b(?!\s*(?:a|per|every|/))",
     re.I, "ONCE"),
]]

# Cycle lengths ("21-day cycle", "28 day treatment cycles", "cycle of 21 days", "3-week cycle");
# never one end of a range ("21-28 day cycle").
_CYCLE_DAYS = re.compile(r"(?<![\d\-–])(\d{1,2})[\s-]*(?:days?|d)[\s-]+(?:treatment\s+)?cycles?\b"
                         r"|\bcycles?\s*(?:of|=|is|lasting)\s*(\d{1,2})\s*days?\b", re.I)
_CYCLE_WEEKS = re.compile(rf"(?<![\d\-–]){_N}[\s-]*weeks?[\s-]+(?:treatment\s+)?cycles?\b", re.I)
# Dosing days: "days 1-14", "Day 8 to Day 21", "D8-21", "days 1, 8 and 15", "D1", "day 1"
_DAY = r"(?:days?|d)\s?"
_DAY_RANGE = re.compile(rf"\b{_DAY}(\d{{1,2}})\s*(?:-|–|−|~|to)\s*(?:{_DAY})?(\d{{1,2}})\b", re.I)
_DAY_LIST = re.compile(rf"\b{_DAY}(\d{{1,2}}(?:\s*(?:,|\+|&|and)\s*(?:and\s+)?(?:{_DAY})?\d{{1,2}})+)\b", re.I)
_DAY_ONE = re.compile(rf"\b{_DAY}(\d{{1,2}})\b", re.I)
_DAYS_FOR = re.compile(r"\bfor\s+(\d{1,2})\s+(?:consecutive\s+)?days\b", re.I)
# "on day 1", "D1", "on day4", "on the first day", "in week 4", "on Weeks 0, 2 and 4": one administration
DAY_POSITION = re.compile(rf"\b(?:on\s+)?{_DAY}\d|\bon\s+(?:the\s+)?first\s+day\b|\b(?:in|at|on)\s+weeks?\s*\d", re.I)


@dataclass(frozen=True)
class Schedule:
    frequency: str | None = None  # a FREQUENCIES code
    text: str | None = None  # the words it was read from, as written
    end: int = 0  # where the frequency words end in the text (0 when none were read after the amount)
    cycle_days: int | None = None
    days_on: int | None = None

    @property
    def doses_per_day(self) -> float | None:
        return FREQUENCIES.get(self.frequency) if self.frequency else None


def _matches(text: str, lo: int, hi: int) -> list[tuple[int, int, int, str, str]]:
    """(tier, start, end, code, text) of every frequency phrase in text[lo:hi], nested ones dropped."""
    found = []
    for tier, regex, code in _PATTERNS:
        for m in regex.finditer(text, lo, hi):
            value = code(m) if callable(code) else code
            if value:
                found.append((tier, m.start(), m.end(), value, m.group(0)))
    return [f for f in found if not any(o is not f and o[1] <= f[1] and f[2] <= o[2] and (o[1], o[2]) != (f[1], f[2])
                                        for o in found)]


def _best(found: list, anchor: int) -> tuple | None:
    if not found:
        return None
    tier = min(f[0] for f in found)
    best = min((f for f in found if f[0] == tier), key=lambda f: abs(f[1] - anchor))
    # "once daily at bedtime": a count of once a day refined by the time of day
    if best[3] == "QD" and any(f[3] == "QHS" for f in found):
        best = next(f for f in found if f[3] == "QHS")
    return best


def _days_on(text: str, lo: int, hi: int, skip: tuple[int, int]) -> int | None:
    """Dosing days named in text[lo:hi], ignoring the frequency words at `skip` ("q d 21")."""
    def free(m: re.Match) -> bool:
        return m.end() <= skip[0] or m.start() >= skip[1]

    for regex in (_DAY_RANGE, _DAY_LIST):
        for m in filter(free, regex.finditer(text, lo, hi)):
            if regex is _DAY_RANGE:
                a, b = int(m.group(1)), int(m.group(2))
                return b - a + 1 if b >= a else None
            return len(re.findall(r"\d{1,2}", m.group(1)))
    return sum(1 for _ in filter(free, _DAY_ONE.finditer(text, lo, hi))) or None


def _cycle_days(text: str, lo: int, hi: int) -> int | None:
    if (m := _CYCLE_DAYS.search(text, lo, hi)):
        return int(m.group(1) or m.group(2))
    if (m := _CYCLE_WEEKS.search(text, lo, hi)):
        return 7 * _num(m.group(1))
    return None


def read_schedule(text: str, amount_start: int, amount_end: int, before: int, after: int) -> Schedule:
    """The frequency and cycle of the dose at text[amount_start:amount_end]: the frequency read in
    text[amount_end:after] first, then in text[before:amount_start]; the cycle only after."""
    best = _best(_matches(text, amount_end, after), amount_end)
    read_after = best is not None
    if best is None:
        # "daily 250 mg": a day's amount (amount_per), not a frequency
        lead = [f for f in _matches(text, before, amount_start)
                if not (f[4].lower() == "daily" and not text[f[2]:amount_start].strip())]
        best = _best(lead, amount_start)
    frequency, raw = (best[3], re.sub(r"\s+", " ", best[4]).strip()) if best else (None, None)
    cycle = _cycle_days(text, amount_end, after)
    days = _days_on(text, amount_end, after, (best[1], best[2]) if read_after else (0, 0))
    if cycle is None and days and frequency in _PERIOD_DAYS:
        cycle = _PERIOD_DAYS[frequency]  # "D1, Q3W": the period is the cycle
    if cycle and days is None and (m := _DAYS_FOR.search(text, amount_end, after)):
        days = int(m.group(1))  # "daily for 14 days every 21 days"
    if cycle and days and days > 1 and frequency in _PERIOD_DAYS and _PERIOD_DAYS[frequency] == cycle:
        frequency, raw = None, None  # "D8-21 q3wks": the period is the cycle, not how often
    return Schedule(frequency, raw, best[2] if read_after else 0, cycle, days if cycle else None)


def period_as_cycle(schedule: Schedule) -> Schedule:
    """For an amount stated per day ("8 mg per day ... the cycle is every 3 weeks") a period
    is the cycle's length, not how often the dose is given."""
    if schedule.frequency not in _PERIOD_DAYS:
        return schedule
    return Schedule(None, None, schedule.end, schedule.cycle_days or _PERIOD_DAYS[schedule.frequency],
                    schedule.days_on)
