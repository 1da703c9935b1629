"""Trial-grain doses: one row per dose of a trial, whatever the number of records showing it.

A record's doses are read again from its arm and intervention descriptions
(parsers.doses.described_doses, the record-level reader; a repeat inside one description
completes the first, parsers.doses.merge_repeats). A dose belongs to the arm or intervention
whose description states it (`described_in`, `label`); a record whose arm list its parser
flags as mis-split (trial_arms' `unreliable_when`) gives no arm doses.

Mentions of two records are the same dose when they agree after normalization: the same
amount range (to 9 significant digits: "106 cells/kg" with its exponent restored is
"1 x 10^6 cells/kg"), unit and scaling ("mg/kg" = "mg per kg"), and no contradiction in
what the amount is per, frequency, route or cycle (a value one record leaves unsaid is
filled from the next record that says it, best record first).

Disagreement: the records that show an (agent, arm or intervention) must show the same set
of doses for it. When they do not, every candidate dose stays a row with its record
(`record_id`), the best-ranked record's doses (field precedence, home registry first, then
recency) are `chosen`, `rule` names the precedence step that decided (as in
field_provenance), and the trial's `conflicts` lists "doses".

Pure: `trial_dose_rows(trial_id, members)` depends only on its arguments.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from parsers.doses import DoseMention, described_doses, merge_repeats
from parsers.doses.records import extract_doses_remembered
from parsers.normalize.text import lookup_key
from pipelines.reconcile.model import ParsedFile
from pipelines.reconcile.precedence import deciding_rule, precedence_key_for
from pipelines.reconcile.trial_lists import LIST_SPECS, warning_codes

DOSES_FIELD = "doses"  # its name in trials.conflicts
SIGNIFICANT_DIGITS = 9  # amounts equal to this precision are one amount (10**6 vs 1.0 * 10**6)
# Said or unsaid: two doses disagree only when both say it and say different things.
COMPARED = ("amount_per", "frequency", "route", "cycle_days", "days_on")
FILLED = ("amount_per", "frequency", "doses_per_day", "daily_low", "daily_high", "route", "cycle_days", "days_on",
          "schedule")
_ARMS_UNRELIABLE_WHEN = LIST_SPECS["trial_arms"].unreliable_when


def _rounded(value: float | None) -> float | None:
    return None if value is None else float(f"{value:.{SIGNIFICANT_DIGITS}g}")


def amount_key(d: DoseMention) -> tuple:
    """What a dose is, in normalized form: range, unit, scaling."""
    return (_rounded(d.dose_low), _rounded(d.dose_high), d.unit, d.scaling)


@dataclass
class _TrialDose:
    """One dose of one (agent, arm or intervention), as merged so far."""

    amount: tuple
    first: DoseMention  # the best-ranked record's mention
    values: dict[str, Any]  # FILLED columns, completed record by record
    records: list[ParsedFile] = field(default_factory=list)
    flags: set[str] = field(default_factory=set)

    def agrees(self, d: DoseMention, exactly: bool) -> bool:
        if amount_key(d) != self.amount:
            return False
        said = [(self.values[c], getattr(d, c)) for c in COMPARED]
        return all(a == b for a, b in said) if exactly else all(a is None or b is None or a == b for a, b in said)

    def add(self, d: DoseMention, p: ParsedFile) -> None:
        for column in FILLED:
            if self.values[column] is None:
                self.values[column] = getattr(d, column)
        if p not in self.records:
            self.records.append(p)
        self.flags.update(d.flags)


@dataclass
class _Group:
    """The doses of one agent in one arm or intervention, and which record shows which of them."""

    label: str  # as the best-ranked record showing the group spells it
    doses: list[_TrialDose] = field(default_factory=list)
    shown_by: list[tuple[ParsedFile, frozenset[int]]] = field(default_factory=list)

    def add_record(self, p: ParsedFile, mentions: list[DoseMention]) -> None:
        shown: set[int] = set()
        for d in mentions:
            index = self._match(d)
            if index is None:
                index = len(self.doses)
                self.doses.append(_TrialDose(amount_key(d), d, {c: None for c in FILLED}))
            self.doses[index].add(d, p)
            shown.add(index)
        self.shown_by.append((p, frozenset(shown)))

    def _match(self, d: DoseMention) -> int | None:
        """An exact match first, else one that only fills gaps: also inside one record ("300 mg"
        then "300 mg once weekly" in one arm's text is one dose said twice)."""
        for exactly in (True, False):
            for index, dose in enumerate(self.doses):
                if dose.agrees(d, exactly):
                    return index
        return None

    def decision(self, trial_id: str) -> tuple[frozenset[int], str, bool]:
        """(the chosen doses, the rule that chose them, whether the records disagree)."""
        best, chosen = self.shown_by[0]
        if len(self.shown_by) == 1:
            return chosen, "only_candidate", False
        rival = next((p for p, doses in self.shown_by[1:] if doses != chosen), None)
        if rival is None:
            return chosen, "unanimous", False
        return chosen, deciding_rule(best, rival, trial_id), True


def _record_groups(p: ParsedFile, extract: Callable) -> dict[tuple, tuple[str, list[DoseMention]]]:
    """(described_in, label key, agent) -> (label, the record's doses there), in reading order."""
    skip_arms = bool(_ARMS_UNRELIABLE_WHEN & warning_codes(p.record))
    contexts: dict[tuple[str, str], tuple[str, list[DoseMention]]] = {}
    for described in described_doses(p.record, extract):
        if skip_arms and described.described_in == "arm":
            continue
        key = (described.described_in, lookup_key(described.label))
        contexts.setdefault(key, (described.label, []))[1].extend(described.doses)
    groups: dict[tuple, tuple[str, list[DoseMention]]] = {}
    for (described_in, label_key), (label, mentions) in contexts.items():
        for d in merge_repeats(mentions):
            groups.setdefault((described_in, label_key, d.agent), (label, []))[1].append(d)
    return groups


def trial_dose_rows(trial_id: str, members: list[ParsedFile]) -> tuple[list[dict[str, Any]], bool]:
    """(the trial's trial_doses rows, whether its records disagree on a dose)."""
    groups: dict[tuple, _Group] = {}
    for p in sorted(members, key=precedence_key_for(trial_id)):
        for key, (label, mentions) in _record_groups(p, extract_doses_remembered).items():
            groups.setdefault(key, _Group(label)).add_record(p, mentions)
    rows, disagree = [], False
    for (described_in, _, agent), group in groups.items():
        chosen, rule, conflict = group.decision(trial_id)
        disagree |= conflict
        for index, dose in enumerate(group.doses):
            first = dose.first
            rows.append({
                "trial_id": trial_id, "agent": agent, "described_in": described_in, "label": group.label,
                "dose_low": first.dose_low, "dose_high": first.dose_high, "unit": first.unit,
                "scaling": first.scaling, **dose.values, "source_text": first.source_text,
                "flags": sorted(dose.flags), "record_id": dose.records[0].record_id,
                "record_ids": [p.record_id for p in dose.records], "chosen": index in chosen, "rule": rule,
            })
    return rows, disagree
