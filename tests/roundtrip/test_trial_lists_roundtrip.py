"""Trial-grain tables over the round-trip corpora (issue 12 "done when").

Two corpora, both from the real ClinicalTrials.gov v2 studies in ../shared, through the real
parse + reconcile + build path:
- linking: the linking round trip's 2-3 layouts per study, EU-only and org-only pages;
- every layout: each of the 462 studies as its JSON record plus every page variant of every
  layout (plain, CRLF/BOM, saved HTML, a deleted optional section), all one trial.
For every trial, trial_interventions and trial_arms must hold exactly the study's interventions
and arms, once each, in the registry's order; the truth comes from the JSON, not the parsers.
Arms: a trial whose only arm lists are CT.gov text pages the parser flags as ambiguous
(groups without interventions) may have no rows, never wrong ones.
"""
from __future__ import annotations

from collections import defaultdict

import pytest

from pipelines.reconcile import reconcile
from pipelines.warehouse import build_tables
from tests.render.study import V2Study, one_line
from tests.render.variants import LAYOUTS, variants_for
from tests.roundtrip.linking_helpers import Page, build_corpus, ident_module, parse_pages

# pages that show the type of every intervention / arm (the CT.gov text page shows neither)
TYPED_LAYOUTS = frozenset({"ctgov_json", "veeva"})


def _build(pages: list[Page]) -> tuple[dict[str, list[Page]], dict[str, list[dict]]]:
    parsed, page_of = parse_pages(pages)
    reconciled = reconcile(parsed)
    tables = build_tables(parsed, [], reconciled)
    trial_pages: dict[str, list[Page]] = defaultdict(list)
    for p in parsed:
        if page_of[p.record_id].joins_study:
            trial_pages[reconciled.trial_id(p.record_id)].append(page_of[p.record_id])
    return trial_pages, {name: tables[name].to_pylist() for name in ("trial_arms", "trial_interventions")}


@pytest.fixture(scope="module")
def linking_corpus(ctgov_v2_dir):
    corpus = build_corpus(ctgov_v2_dir)
    return corpus.studies, *_build(corpus.pages)


@pytest.fixture(scope="module")
def every_layout_corpus(real_studies):
    pages = []
    for study in real_studies:
        nct = ident_module(study)["nctId"]
        pages.append(Page(nct, "ctgov_json", "json", study, frozenset()))
        for layout in LAYOUTS:
            for n, (variant, text) in enumerate(variants_for(layout, study)):
                pages.append(Page(nct, layout, variant.describe(), text, frozenset(), kind=f"variant{n}"))
    return {ident_module(s)["nctId"]: s for s in real_studies}, *_build(pages)


def _shows_arms(page: Page, study: V2Study) -> bool:
    """The page lists the arms so that they can be read back unambiguously."""
    if page.layout == "veeva":
        return "without 'arms'" not in page.label
    if page.layout == "ctgov_text":  # each group is closed by an intervention block
        return all(study.interventions_of_arm(arm) for arm in study.arms)
    return page.layout == "ctgov_json"


def _rows_by_trial(rows: list[dict]) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = defaultdict(list)
    for row in rows:
        out[row["trial_id"]].append(row)
    return out


def check_trial_lists(studies: dict[str, dict], trial_pages: dict[str, list[Page]],
                      tables: dict[str, list[dict]]) -> dict[str, int]:
    arms, interventions = _rows_by_trial(tables["trial_arms"]), _rows_by_trial(tables["trial_interventions"])
    counts = defaultdict(int)
    wrong = []
    for nct, raw_study in studies.items():
        study, pages = V2Study(raw_study), trial_pages[nct]
        layouts = {p.layout for p in pages}
        shows_interventions = bool(layouts - {"medpath"})
        typed = bool(layouts & TYPED_LAYOUTS)
        want = [(one_line(i["name"]), i.get("type") if typed else None) for i in study.interventions]
        got = [(r["name"], r["intervention_type"]) for r in interventions[nct]]
        if got != (want if shows_interventions else []):
            wrong.append(f"{nct} interventions {sorted(layouts)}: want {want}, got {got}")
        arm_pages = [p for p in pages if _shows_arms(p, study)]
        arm_typed = any(p.layout in TYPED_LAYOUTS for p in arm_pages)
        want = [(one_line(a["label"]), a.get("type") if arm_typed else None) for a in study.arms]
        got = [(r["label"], r["arm_type"]) for r in arms[nct]]
        if arm_pages and got != want or not arm_pages and got not in ([], want):
            wrong.append(f"{nct} arms {sorted(p.label for p in pages)}: want {want}, got {got}")
        counts["trials"] += 1
        counts["multi_record_trials"] += len(pages) > 1
        counts["arm_rows"] += len(arms[nct])
        counts["intervention_rows"] += len(interventions[nct])
        # the CT.gov text page shows no types: a typed row it listed was filled from another record
        counts["types_filled"] += sum(
            1 for r in [*arms[nct], *interventions[nct]]
            if (r.get("arm_type") or r.get("intervention_type")) and _layout_of(r["list_record_id"], pages) == "ctgov_text")
    assert not wrong, f"{len(wrong)} trials with wrong lists:\n" + "\n".join(wrong[:20])
    return counts


def _layout_of(record_id: str, pages: list[Page]) -> str:
    from pipelines.warehouse import record_id_for

    return next(p.layout for p in pages if record_id_for(p.raw_path) == record_id)


def test_linking_corpus_trials_hold_each_arm_and_intervention_once(linking_corpus):
    counts = check_trial_lists(*linking_corpus)
    assert counts["trials"] >= 40 and counts["multi_record_trials"] == counts["trials"]
    assert counts["arm_rows"] > 100 and counts["intervention_rows"] > 80
    assert counts["types_filled"] > 0, counts  # CT.gov text lists, types from Veeva / JSON


def test_every_layout_corpus_trials_hold_each_arm_and_intervention_once(every_layout_corpus):
    counts = check_trial_lists(*every_layout_corpus)
    assert counts["trials"] >= 400 and counts["multi_record_trials"] == counts["trials"]
    assert counts["arm_rows"] > 500 and counts["intervention_rows"] > 500, counts


def test_rows_name_the_records_they_came_from(every_layout_corpus):
    _, trial_pages, tables = every_layout_corpus
    from pipelines.warehouse import record_id_for

    for name, rows in tables.items():
        for row in rows:
            members = {record_id_for(p.raw_path) for p in trial_pages[row["trial_id"]]}
            assert row["record_ids"][0] == row["list_record_id"], (name, row)
            assert len(set(row["record_ids"])) == len(row["record_ids"]) and set(row["record_ids"]) <= members
