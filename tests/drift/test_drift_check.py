"""The batch drift check: quiet on clean round-trip batches, fires on mutated ones, and is wired
into the parsed_<source> asset (metadata + a non-blocking WARN check) and `trialbridge ingest`."""
from __future__ import annotations

import random

import dagster as dg
import pytest

import parsers
from parsers.drift import USUAL_PROFILE, alert_line, batch_drift, filled_fields
from tests.drift.mutations import KINDS, mutated_page
from tests.render.variants import LAYOUTS, render_page, variants_for

STUDIES = 120  # of the 462 real studies: every layout, each as plain text, a text variant and HTML


@pytest.fixture(scope="module")
def real_studies(ctgov_v2_dir):
    from tests.conftest import load_v2_study

    return [load_v2_study(path) for path in sorted(ctgov_v2_dir.glob("NCT*.json"))]


def _signals(text: str):
    record = parsers.parse_text(text)
    return record.warnings, filled_fields(record)


@pytest.mark.parametrize("layout", LAYOUTS)
def test_clean_round_trip_batches_stay_quiet(real_studies, layout):
    pages = [_signals(text) for study in real_studies[:STUDIES] for _, text in variants_for(layout, study)]
    drift = batch_drift(layout, pages)
    assert drift.pages >= 300
    assert not drift.drifted, drift.departures
    assert alert_line("b1", []) is None


@pytest.mark.parametrize("layout", LAYOUTS)
def test_a_mutated_batch_fires(real_studies, layout):
    """30 pages of one site after a change of one kind (each kind in turn): the batch departs."""
    rng = random.Random(layout)
    for kind in KINDS:
        pages = []
        for study in rng.sample(real_studies, 60):
            text = mutated_page(render_page(layout, study), kind, random.Random(rng.random()), rng.choice(kind.forms))
            if text is not None:
                pages.append(_signals(text))
            if len(pages) == 30:
                break
        if len(pages) < 30:
            continue  # the kind does not apply to this layout (blank lines lost on CT.gov text)
        drift = batch_drift(layout, pages)
        assert drift.drifted, (kind.name, drift.shares)
        line = alert_line("b7", [(layout, drift.pages, drift.departures_text())])
        assert line.startswith(f"drift alert, batch b7: {layout} (30 pages): ")


def test_usually_filled_fields_left_null_are_a_departure():
    pages = [([], {"title", "status", "identifiers"})] * 10  # conditions, lead sponsor never read
    drift = batch_drift("veeva", pages)
    assert {d.metric for d in drift.departures} == {"conditions null", "lead_sponsor null"}
    assert drift.metadata()["drift_null_conditions_share"] == 1.0
    assert set(USUAL_PROFILE) == set(LAYOUTS)


@pytest.fixture(scope="module")
def graph_run(real_studies, tmp_path_factory):
    """Two batches of Veeva pages through the Dagster graph: one clean, one after the site
    added share links and a cookie banner above the title."""
    from tests.pipelines.test_assets import run_graph

    tmp = tmp_path_factory.mktemp("drift_graph")
    raw, warehouse = tmp / "raw", tmp / "warehouse"
    chrome_top = next(k for k in KINDS if k.name == "chrome_top")
    for n, study in enumerate(real_studies[:8]):
        page = render_page("veeva", study)
        for batch, text in (("clean", page.text()), ("drifted", mutated_page(page, chrome_top, random.Random(n), "text"))):
            path = raw / batch / f"page_{n}.txt"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
    instance = dg.DagsterInstance.ephemeral()
    batch_results, _ = run_graph(raw, warehouse, instance)
    yield {r.dagster_run.tags.get("dagster/partition"): r for r in batch_results}
    instance.dispose()


def test_the_asset_check_warns_on_the_drifted_batch_only(graph_run):
    for batch, drifted in (("clean", False), ("drifted", True)):
        evaluations = [e for e in graph_run[batch].get_asset_check_evaluations() if e.check_name == "layout_drift"
                       and e.asset_key == dg.AssetKey("parsed_veeva")]
        assert len(evaluations) == 1
        assert evaluations[0].passed is not drifted
        assert evaluations[0].severity == dg.AssetCheckSeverity.WARN
        meta = graph_run[batch].asset_materializations_for_node("parsed_veeva")[0].metadata
        assert meta["drift_pages"].value == 8
        assert meta["drift_chrome_removed_share"].value == (1.0 if drifted else 0.0)


def test_ingest_prints_one_drift_line_for_the_drifted_batch(graph_run):
    from pipelines.cli import _drift_alert

    assert _drift_alert(graph_run["clean"], "clean") is None
    line = _drift_alert(graph_run["drifted"], "drifted")
    assert line.startswith("drift alert, batch drifted: veeva (8 pages): chrome_removed 100%"), line


def test_one_odd_page_in_a_tiny_batch_is_not_batch_drift():
    """make run's sample batch: 2 MedPath pages, one without a Sex section. Its own warnings say
    so; a batch departs only when MIN_PAGES_TO_DEPART pages show the change."""
    from parsers.drift import MIN_PAGES_TO_DEPART

    usual = {"title", "status", "conditions", "identifiers", "lead_sponsor", "sex"}
    one_odd = [([], usual), ([], usual - {"sex"})]
    assert not batch_drift("medpath", one_odd).drifted
    many_odd = [([], usual - {"sex"})] * MIN_PAGES_TO_DEPART
    drift = batch_drift("medpath", many_odd)
    assert drift.drifted and "sex null" in drift.departures_text()
