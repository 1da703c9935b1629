"""The doses of one parsed record: its arm and intervention descriptions, never criteria or summaries."""
from __future__ import annotations

import re
from dataclasses import replace
from typing import TYPE_CHECKING

from parsers.doses.extract import DoseMention, extract_doses

if TYPE_CHECKING:  # only for the annotation; keeps this module import-light
    from parsers.record import SourceRecord

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
    mentions are kept once (the first, completed with what a repeat adds): pages often render the
    same intervention text twice, and an arm and its intervention often describe one dose.
    """
    out: list[DoseMention] = []
    seen: dict[tuple, int] = {}
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
            if key in seen:
                out[seen[key]] = _completed(out[seen[key]], d)
            else:
                seen[key] = len(out)
                out.append(d)
    return out


# What a second rendering of the same dose may add when the first did not say it: the arm text
# gives the frequency, the intervention text the route ("One 40 mg tablet by mouth once daily").
_COMPLETABLE = ("amount_per", "frequency", "doses_per_day", "daily_low", "daily_high", "route", "cycle_days",
                "days_on", "schedule")


def _completed(kept: DoseMention, again: DoseMention) -> DoseMention:
    missing = {f: getattr(again, f) for f in _COMPLETABLE if getattr(kept, f) is None and getattr(again, f) is not None}
    return replace(kept, **missing) if missing else kept