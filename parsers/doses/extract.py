"""Dose mentions read from free text: each quantity, then what its clause says about it.

A quantity is read by the grammar (parsers.doses.grammar / quantity); the rest of its clause
then gives the agent (parsers.doses.agent), frequency and cycle (parsers.doses.frequency),
route (parsers.doses.route) and what the amount is per (here). The clause of a mention ends at
a sentence boundary or at the next mention; the text before it starts after the previous
mention and whatever frequency or route words that mention used.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from parsers.doses.agent import end_of_clause, find_agent, lead_start, normalize_agent, start_of_clause
from parsers.doses.frequency import DAY_POSITION, Schedule, period_as_cycle, read_schedule
from parsers.doses.grammar import _CONCENTRATION, _QUANTITY
from parsers.doses.quantity import read_quantity
from parsers.doses.route import read_route

__all__ = ["DoseMention", "derive_basis", "extract_doses"]


def derive_basis(scaling: str, amount_per: str | None) -> str:
    """The former single `basis`, kept for callers: per_kg | per_m2 when scaled, else per_day,
    per_dose (one administration) or total (a course, or not said)."""
    if scaling != "flat":
        return scaling
    return {"day": "per_day", "administration": "per_dose"}.get(amount_per or "", "total")


@dataclass(frozen=True)
class DoseMention:
    source_text: str  # exact span of the source text the dose was read from
    agent: str | None  # normalized agent name (see normalize_agent)
    dose_low: float
    dose_high: float  # == dose_low for a single value
    unit: str  # short canonical: cells, mg, g, mcg, ng, mL, L, IU, U, vg, vp, PFU, TCID50, mmol, Gy
    scaling: str = "flat"  # per_kg | per_m2 | flat
    amount_per: str | None = None  # administration | day | course | None when the text does not say
    frequency: str | None = None  # a parsers.doses.frequency.FREQUENCIES code
    doses_per_day: float | None = None  # of the frequency, while dosing (QW = 1/7)
    daily_low: float | None = None  # amount per day, in unit and scaling, where computable
    daily_high: float | None = None
    route: str | None = None  # a parsers.doses.route.ROUTES value
    cycle_days: int | None = None  # length of a treatment cycle, when stated
    days_on: int | None = None  # dosing days in that cycle
    schedule: str | None = None  # the frequency words as written ('twice a day', 'Q3W', ...)
    flags: tuple[str, ...] = ()  # exponent_restored, agent_inferred, basis_assumed_total, ...

    @property
    def basis(self) -> str:
        return derive_basis(self.scaling, self.amount_per)


# What the amount is per, from the words around it (the unit's own suffix is read first).
_COURSE_BEFORE = re.compile(r"\btotal(?:\s+dose)?(?:\s+of)?\s*$|\ba\s+total\s+of\s*$", re.I)
_DAY_BEFORE = re.compile(r"\bdaily(?:\s+(?:doses?|dosages?))?(?:\s+of)?\s*$", re.I)
_ADMIN_BEFORE = re.compile(
    r"\b(?:single|each|every|one|per)\s+(?:dose|injection|infusion|administration|fraction)\s*(?:of|was|is|=|:)?\s*$"
    r"|\bsingle\s*$|\bloading\s+dos(?:e|age)\s*(?:of|:)?\s*$|\b\d+\s*[x×]\s*$"
    r"|\b(?:two|three|four|five|six|\d+)\s+doses\s+of\s*$", re.I)
_COURSE_AFTER = re.compile(r"\s*(?:[\w.]+\s+){0,3}?in\s+\d+\s+(?:daily\s+)?fractions\b"
                           r"|\s*(?:\(\w+\)\s*)?total\b(?!\s+daily)", re.I)
_DAY_AFTER = re.compile(r"\s*(?:total\s+)?daily\s+dos(?:e|age)\b"
                        r"|(?:(?!\b(?:once|twice|thrice|times)\b)[^.;]){0,60}?\bper\s+(?:day|night)\b"
                        r"|[^.;]{0,40}?\bdivided\s+doses\b", re.I)
_ADMIN_AFTER = re.compile(
    r"[^.;]{0,60}?(?:\bsingle\s+(?:[\w.]+\s+){0,2}?(?:dose|injection|infusion|administration|fraction)"
    r"|\bloading\s+dos(?:e|age)|\bbolus\b|\b(?:before|with)\s+each\s+meal|\beach\s+(?:dose|time)|\b\d+\s+times\b)", re.I)
_INSIDE_NUMBER = re.compile(r"(?<![A-Za-z\d])\d+[.,]$")
_LIST_GAP = re.compile(r"\s*(?:/|,)?\s*(?:or|and|to)?\s*")
# The schedule text kept when no frequency word is found ('repeated after three months').
_REPEAT = re.compile(r"\brepeated\s+(?:after|every|at|in)\s+(?:\w+\s+){0,2}?(?:days?|weeks?|months?|years?)\b", re.I)


def _amount_per(text: str, start: int, end: int, before: int, after: int, said: str | None,
                schedule: Schedule) -> str | None:
    if said:
        return said
    lead, tail = text[before:start], text[end:after]
    if _COURSE_BEFORE.search(lead) or _COURSE_AFTER.match(tail):
        return "course"
    if _DAY_BEFORE.search(lead) or _DAY_AFTER.match(tail):
        return "day"
    if (_ADMIN_BEFORE.search(lead) or _ADMIN_AFTER.match(tail) or schedule.frequency
            or DAY_POSITION.search(text, end, after)):
        return "administration"
    return None


def _daily(low: float, high: float, amount_per: str | None, per_day: float | None) -> tuple[float | None, float | None]:
    """Amount per day: stated, or per administration x doses per day; never guessed."""
    if amount_per == "day":
        return low, high
    if amount_per == "administration" and per_day is not None:
        return float(f"{low * per_day:.12g}"), float(f"{high * per_day:.12g}")
    return None, None


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
        mention = read_quantity(text, m)
        if mention is None:
            # skip the whole rejected number, so no piece of it ("10^9" of ">5x10^9") is read
            # again; except a refused flattened exponent: "3 x 100 µg" -> retry at "100 µg"; nor the
            # volume of a refused concentration ("5mg/1ml")
            lost = m.start("alost") if m.group("alost") else -1
            per = _CONCENTRATION.match(text, m.end())
            pos = lost - 2 if lost > m.start() else max(per.end() if per else m.end(), m.start() + 1)
            continue
        found.append(mention)
        pos = mention[1]
    results: list[DoseMention] = []
    prev_end = used_end = 0
    for i, (start, end, q) in enumerate(found):
        next_start = found[i + 1][0] if i + 1 < len(found) else len(text)
        # the words that introduce the next amount are not this one's ("..., erlotinib once daily at 150 mg")
        next_start = lead_start(text, end, next_start) if i + 1 < len(found) else next_start
        # "anlotinib 6mg/8mg/10mg", "8 mg, 12 mg, or 16 mg": a list shares its agent
        prev = results[-1] if results else None
        if prev and prev.agent and "agent_inferred" not in prev.flags and _LIST_GAP.fullmatch(text[prev_end:start]):
            q = {**q, "listed_agent": results[-1].agent}
        mention, used = _finish(text, start, end, q, prev_end, max(prev_end, used_end), next_start, agent_hint)
        results.append(mention)
        prev_end, used_end = end, used
    return results


def _finish(text: str, start: int, end: int, q: dict, prev_end: int, before_floor: int, next_start: int,
            agent_hint: str | None) -> tuple[DoseMention, int]:
    """The mention, and how far its frequency/route words reach (the next mention reads after that)."""
    flags = list(q["flags"])
    suffix = q["suffix"]
    clause_start = start_of_clause(text, start, prev_end)
    clause_end = min(end_of_clause(text, end), next_start)
    before = max(clause_start, before_floor)
    schedule = read_schedule(text, start, end, before, clause_end)
    # from the start: a route may sit inside the unit's suffix ("40 mg p.o./day")
    route, route_end = read_route(text, start, start, before, clause_end)
    amount_per = _amount_per(text, start, end, before, clause_end, suffix.amount_per, schedule)
    if amount_per == "day":
        schedule = period_as_cycle(schedule)
    if amount_per is None and suffix.scaling == "flat":
        flags.append("basis_assumed_total")  # derived basis 'total' that the text does not state
    per_day = schedule.doses_per_day
    daily_low, daily_high = _daily(q["low"], q["high"], amount_per, per_day)
    agent = find_agent(text, start, end, clause_start, clause_end, q)
    if agent is None and agent_hint:
        agent = agent_hint
        flags.append("agent_inferred")
    raw = schedule.text or suffix.schedule
    if raw is None and (m := _REPEAT.search(text, end, clause_end)):
        raw = re.sub(r"\s+", " ", m.group(0))
    mention = DoseMention(
        source_text=text[start:end], agent=normalize_agent(agent) if agent else None,
        dose_low=q["low"], dose_high=q["high"], unit=q["unit"], scaling=suffix.scaling,
        amount_per=amount_per, frequency=schedule.frequency, doses_per_day=per_day,
        daily_low=daily_low, daily_high=daily_high, route=route, cycle_days=schedule.cycle_days,
        days_on=schedule.days_on, schedule=raw, flags=tuple(flags),
    )
    return mention, max(end, schedule.end, route_end)
