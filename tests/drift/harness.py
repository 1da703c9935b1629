"""Runs the drift generator over real studies and scores each mutated page against the
same page unmutated: wrong values, recovered fields, flags and quarantines, per kind."""
from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field

import parsers
from parsers.drift import has_drift_warning
from tests.drift.mutations import KINDS, clean_page, mutated_page
from tests.render.expected import SHOWN, observed, same
from tests.render.variants import LAYOUTS, render_page


def _empty(value) -> bool:
    return value is None or value == [] or value == ""


@dataclass
class Wrong:
    kind: str
    layout: str
    form: str
    nct_id: str
    field: str
    want: object
    got: object

    def __str__(self) -> str:
        return f"{self.kind} {self.layout}/{self.form} {self.nct_id} {self.field}: {self.want!r} -> {self.got!r}"


@dataclass
class DriftReport:
    pages: Counter = field(default_factory=Counter)  # by kind
    forms: Counter = field(default_factory=Counter)  # (layout, form)
    fields: Counter = field(default_factory=Counter)  # by kind: fields the clean page fills
    recovered: Counter = field(default_factory=Counter)
    quarantined: Counter = field(default_factory=Counter)
    unflagged: list[str] = field(default_factory=list)
    wrong: list[Wrong] = field(default_factory=list)
    lost: Counter = field(default_factory=Counter)  # (kind, field) -> count, for diagnosis

    @property
    def total(self) -> int:
        return sum(self.pages.values())

    def recovery(self, *kinds: str) -> float:
        total = sum(self.fields[k] for k in kinds)
        return sum(self.recovered[k] for k in kinds) / total if total else 0.0

    def summary(self) -> str:
        rows = [f"{self.total} mutated pages, {len(self.wrong)} wrong values, "
                f"{sum(self.quarantined.values())} quarantined, {len(self.unflagged)} unflagged"]
        for kind in self.pages:
            rows.append(f"  {kind:16} pages {self.pages[kind]:5}  recovered {100 * self.recovery(kind):6.2f}%"
                        f"  quarantined {self.quarantined[kind]}")
        rows.append("  by layout/form: " + ", ".join(f"{k[0]}/{k[1]}={v}" for k, v in sorted(self.forms.items())))
        return "\n".join(rows)


def _parse(text: str):
    try:
        return parsers.parse_text(text)
    except parsers.UnknownLayout:
        return None


def run(studies: list[dict], pages_per_kind_layout: int, seed: int = 9) -> DriftReport:
    """For each kind and layout, `pages_per_kind_layout` pages from studies drawn with a fixed seed."""
    report = DriftReport()
    rng = random.Random(seed)
    clean_cache: dict[tuple[str, str, str], dict] = {}
    for kind in KINDS:
        for layout in LAYOUTS:
            done, tries = 0, 0
            while done < pages_per_kind_layout and tries < 5 * pages_per_kind_layout:
                tries += 1
                study = rng.choice(studies)
                form = rng.choice(kind.forms)
                page = render_page(layout, study)
                text = mutated_page(page, kind, random.Random(rng.random()), form)
                if text is None:
                    continue
                done += 1
                key = (layout, page.nct_id, form)
                if key not in clean_cache:
                    clean_cache[key] = observed(parsers.parse_text(clean_page(page, form)), layout)
                score(report, kind.name, layout, form, page.nct_id, clean_cache[key], _parse(text))
    return report


def score(report: DriftReport, kind: str, layout: str, form: str, nct_id: str, want: dict, record) -> None:
    report.pages[kind] += 1
    report.forms[(layout, form)] += 1
    if record is None:
        report.quarantined[kind] += 1
        got = dict.fromkeys(SHOWN[layout])
    else:
        got = observed(record, layout)
        if not has_drift_warning(record.warnings):
            report.unflagged.append(f"{kind} {layout}/{form} {nct_id}")
    for name in SHOWN[layout]:
        if not _empty(got[name]) and not same(name, want[name], got[name]):
            report.wrong.append(Wrong(kind, layout, form, nct_id, name, want[name], got[name]))
        elif not _empty(want[name]):
            report.fields[kind] += 1
            if _empty(got[name]):
                report.lost[(kind, name)] += 1
            else:
                report.recovered[kind] += 1
