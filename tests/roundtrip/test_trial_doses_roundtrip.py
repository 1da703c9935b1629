"""trial_doses over real studies rendered into two or three page layouts plus their JSON (issue 13).

Every real ClinicalTrials.gov v2 study in ../shared whose arm or intervention text holds a dose
is rendered into 2-3 layouts (seeded by its NCT id; a page variant as the round-trip suite
chooses it) and parsed through the real path with its JSON; all records of a study are one
trial. Every trial must hold exactly the doses its JSON record holds, each once, shown by
exactly the records whose page prints that description (independent of the parsers: Veeva
prints arm descriptions unless its arms section is cut, the CT.gov text page prints arm and
intervention descriptions, MedPath neither), with no dose conflict: the pages do not disagree.
"""
from __future__ import annotations

import random
from collections import Counter, defaultdict

import pytest

from pipelines.reconcile import reconcile
from pipelines.reconcile.trial_doses import trial_dose_rows
from tests.render.study import V2Study
from tests.roundtrip.linking_helpers import PAGE_LAYOUTS, Page, ident_module, page_of, parse_pages

COMPARED = ("described_in", "label", "agent", "dose_low", "dose_high", "unit", "scaling", "amount_per", "frequency",
            "route", "cycle_days", "days_on")


def _key(row: dict) -> tuple:
    return tuple(row[c] for c in COMPARED)


def _groups_unambiguous(study: V2Study) -> bool:
    """The CT.gov text page closes each group with an intervention block; a group without one
    cannot be told from the next group's lines (parsers/sources/ctgov_text.py, a known limit)."""
    return all(study.interventions_of_arm(arm) for arm in study.arms)


def _layouts(nct: str, study: V2Study) -> list[str]:
    rng = random.Random(f"trial-doses:{nct}")
    allowed = [layout for layout in PAGE_LAYOUTS if layout != "ctgov_text" or _groups_unambiguous(study)]
    return sorted(rng.sample(allowed, min(len(allowed), rng.choice((2, 3)))), key=PAGE_LAYOUTS.index)


def _shows(page: Page, described_in: str) -> bool:
    if page.layout == "ctgov_json":
        return True
    if page.layout == "veeva":
        return described_in == "arm" and "without 'arms'" not in page.label
    return page.layout == "ctgov_text"


@pytest.fixture(scope="module")
def dose_corpus(real_studies):
    pages, expected = [], {}
    for raw in real_studies:
        nct = ident_module(raw)["nctId"]
        json_page = Page(nct, "ctgov_json", "json", raw, frozenset())
        parsed_json, _ = parse_pages([json_page])
        rows, _ = trial_dose_rows(nct, parsed_json)
        if not rows:
            continue
        expected[nct] = Counter(_key(r) for r in rows)
        rng = random.Random(f"trial-doses-html:{nct}")
        pages += [json_page, *(page_of(raw, layout, html=rng.random() < 0.35)
                               for layout in _layouts(nct, V2Study(raw)))]
    parsed, page_by_record = parse_pages(pages)
    reconciled = reconcile(parsed)
    return expected, reconciled, page_by_record


def test_every_trial_holds_each_dose_once_with_every_record_showing_it(dose_corpus):
    expected, reconciled, page_by_record = dose_corpus
    rows_by_trial: dict[str, list[dict]] = defaultdict(list)
    for row in reconciled.trial_doses:
        rows_by_trial[row["trial_id"]].append(row)
    records_by_trial: dict[str, list[str]] = defaultdict(list)
    for record_id, trial_id in reconciled.trial_ids.items():
        records_by_trial[trial_id].append(record_id)
    assert set(rows_by_trial) == set(expected)  # one trial per study, no study lost

    wrong, counts = [], Counter()
    for nct, want in expected.items():
        rows = rows_by_trial[nct]
        got = Counter(_key(r) for r in rows)
        if got != want:
            wrong.append(f"{nct}: missing {sorted(want - got)[:3]}, extra {sorted(got - want)[:3]}")
        once = Counter((r["described_in"], r["label"], r["agent"], r["dose_low"], r["dose_high"], r["unit"],
                        r["scaling"]) for r in rows)
        wrong += [f"{nct}: {key} {n} times" for key, n in once.items() if n > 1]
        for row in rows:
            showing = sorted(rid for rid in records_by_trial[nct] if _shows(page_by_record[rid], row["described_in"]))
            if sorted(row["record_ids"]) != showing:
                wrong.append(f"{nct} {row['label']!r} {row['source_text']!r}: records "
                             f"{[page_by_record[r].layout for r in row['record_ids']]}, want "
                             f"{[page_by_record[r].layout for r in showing]}")
            counts["rows"] += 1
            counts["multi_record_rows"] += len(row["record_ids"]) > 1
            counts["page_layouts"] += len({page_by_record[r].layout for r in row["record_ids"]}) > 2
        if "doses" in next(t for t in reconciled.trials if t["trial_id"] == nct)["conflicts"]:
            wrong.append(f"{nct}: a dose conflict between renderings of one study")
        counts["trials"] += 1
    assert not wrong, f"{len(wrong)} problems:\n" + "\n".join(wrong[:20])
    assert all(r["chosen"] and r["rule"] in ("unanimous", "only_candidate") for r in reconciled.trial_doses)
    # enough real doses seen by several layouts to mean something
    assert counts["trials"] >= 80 and counts["rows"] >= 250, counts
    assert counts["multi_record_rows"] >= 200 and counts["page_layouts"] >= 50, counts
