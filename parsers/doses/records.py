"""The doses of one parsed record: its arm and intervention descriptions, never criteria or summaries."""
from __future__ import annotations

import re
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
    mentions are kept once (the first): pages often render the same intervention text twice.
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