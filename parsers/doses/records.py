"""The doses of one parsed record: its arm and intervention descriptions, never criteria or summaries."""
from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import TYPE_CHECKING

from parsers.doses.extract import DoseMention, extract_doses

if TYPE_CHECKING:  # only for the annotation; keeps this module import-light
    from parsers.record import SourceRecord

Extract = Callable[..., Sequence[DoseMention]]  # extract_doses(text, agent_hint=...)

_TYPE_PREFIX = re.compile(
    r"^\s*(?:drug|biological|procedure|device|other|radiation|genetic|behavioral|dietary supplement|"
    r"combination product|diagnostic test)\s*:\s*", re.I)


def _hint(name: str | None) -> str | None:
    if not name:
        return None
    return _TYPE_PREFIX.sub("", name).strip() or None


@dataclass(frozen=True)
class DescribedDoses:
    """The dose mentions read from one arm or intervention description of a record."""

    described_in: str  # arm | intervention
    label: str  # the arm label or intervention name
    doses: tuple[DoseMention, ...]


def described_doses(record: SourceRecord, extract: Extract = extract_doses) -> list[DescribedDoses]:
    """Each arm description, then each intervention description, with the doses read from it
    (as written: repeats are kept). The intervention name is the agent hint for its description;
    an arm's single listed intervention is the hint for the arm description. `extract` may be a
    memoized extract_doses (records of one trial often carry the same texts)."""
    out: list[DescribedDoses] = []
    for arm in record.arms:
        hint = _hint(arm.interventions[0]) if len(arm.interventions) == 1 else None
        if arm.description:
            out.append(DescribedDoses("arm", arm.label, tuple(extract(arm.description, agent_hint=hint))))
    for iv in record.interventions:
        if iv.description:
            out.append(DescribedDoses("intervention", iv.name, tuple(extract(iv.description, agent_hint=_hint(iv.name)))))
    return out


def same_dose_key(d: DoseMention) -> tuple:
    """Mentions with equal keys are one dose (the repeat completes the first; see merge_repeats)."""
    return (d.agent, d.dose_low, d.dose_high, d.unit, d.basis)


def merge_repeats(mentions: Iterable[DoseMention]) -> list[DoseMention]:
    """Each dose once, in first-seen order, completed with what a repeat adds."""
    out: list[DoseMention] = []
    seen: dict[tuple, int] = {}
    for d in mentions:
        key = same_dose_key(d)
        if key in seen:
            out[seen[key]] = _completed(out[seen[key]], d)
        else:
            seen[key] = len(out)
            out.append(d)
    return out


def doses_for_record(record: SourceRecord) -> list[DoseMention]:
    """Doses from a record's arm and intervention descriptions (never criteria or summaries).

    Identical (agent, low, high, unit, basis) mentions are kept once (the first, completed with
    what a repeat adds): pages often render the same intervention text twice, and an arm and its
    intervention often describe one dose.
    """
    return merge_repeats(d for described in described_doses(record, extract_doses_remembered) for d in described.doses)


@lru_cache(maxsize=4096)
def extract_doses_remembered(text: str, agent_hint: str | None = None) -> tuple[DoseMention, ...]:
    """extract_doses, remembered (bounded; staging workers and the snapshot's resolve both live
    for many records): the pages of one trial, from several sites, repeat its arm and
    intervention texts, and dose reading is the regex-heaviest step. Mentions are frozen, so a
    shared tuple is safe."""
    return tuple(extract_doses(text, agent_hint=agent_hint))


# What a second rendering of the same dose may add when the first did not say it: the arm text
# gives the frequency, the intervention text the route ("One 40 mg tablet by mouth once daily").
_COMPLETABLE = ("amount_per", "frequency", "doses_per_day", "daily_low", "daily_high", "route", "cycle_days",
                "days_on", "schedule")


def _completed(kept: DoseMention, again: DoseMention) -> DoseMention:
    missing = {f: getattr(again, f) for f in _COMPLETABLE if getattr(kept, f) is None and getattr(again, f) is not None}
    return replace(kept, **missing) if missing else kept