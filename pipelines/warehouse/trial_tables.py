"""The trial-grain tables (pipelines.reconcile.trial_lists) from a stream of full records.

Records arrive in any order (batch by batch); each trial's rows are made as soon as all its
records have been seen, and only the lists those rows read are kept until then, so memory
follows the trials still open, not the whole stream.
"""
from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Iterable, Iterator
from typing import Any

import pyarrow as pa

from pipelines.reconcile.model import ParsedFile
from pipelines.reconcile.trial_lists import LIST_SPECS, trial_list_rows

TRIAL_LIST_TABLES: tuple[str, ...] = tuple(LIST_SPECS)
# Heavy parts of a record the lists never read (warnings stay: they flag mis-split lists).
_UNREAD = {"criteria": [], "outcomes": [], "contacts": [], "references": [], "keywords": [], "raw": {},
           "brief_summary": None, "detailed_description": None, "official_title": None}


class TrialListCollector:
    """Taps a record stream (`tap`), then gives the trial-grain tables (`tables`)."""

    def __init__(self, trial_ids: dict[str, str]):
        self._trial_ids = trial_ids
        self._missing = Counter(trial_ids.values())  # records of each trial not seen yet
        self._open: dict[str, list[ParsedFile]] = {}
        self._rows: dict[str, list[dict[str, Any]]] = {name: [] for name in TRIAL_LIST_TABLES}

    def tap(self, parsed: Iterable[ParsedFile]) -> Iterator[ParsedFile]:
        for p in parsed:
            self._add(p)
            yield p

    def _add(self, p: ParsedFile) -> None:
        trial_id = self._trial_ids[p.record_id]
        light = dataclasses.replace(p, record=dataclasses.replace(p.record, **_UNREAD))
        self._open.setdefault(trial_id, []).append(light)
        self._missing[trial_id] -= 1
        if not self._missing[trial_id]:
            for name, rows in trial_list_rows(trial_id, self._open.pop(trial_id)).items():
                self._rows[name].extend(rows)

    def tables(self) -> dict[str, pa.Table]:
        from pipelines.warehouse.build import to_table

        if self._open:
            raise ValueError(f"records of {len(self._open)} trial(s) never arrived, e.g. {sorted(self._open)[:3]}")
        return {name: to_table(name, rows) for name, rows in self._rows.items()}
