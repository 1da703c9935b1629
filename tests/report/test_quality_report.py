"""quality.html: numbers counted from the tables, same bytes on every run, self-contained, and
drawn by a real headless Chromium offline (>= 6 non-blank charts, no console error)."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from pipelines.report import REPORT_FILE, compute_metrics, quality_report_html, write_quality_report
from pipelines.warehouse import read_current
from tests.pipelines.snapshot_helpers import write_sample_warehouse


@pytest.fixture(scope="module")
def snapshot(tmp_path_factory):
    warehouse = write_sample_warehouse(tmp_path_factory.mktemp("report"))
    return (warehouse / "current").resolve()


@pytest.fixture(scope="module")
def report(snapshot):
    path, _ = write_quality_report(snapshot)
    return path


def test_metrics_count_what_the_tables_hold(snapshot):
    tables = read_current(snapshot.parent.parent)
    m = compute_metrics(tables)
    assert sum(n for row in m.records_by_batch_source.values() for n in row.values()) == tables["source_records"].num_rows
    # the sample warehouse: raw/ samples in batch "samples", invented pages in "b1" and at the root
    assert set(m.records_by_batch_source) == {"samples", "b1", "root"}
    assert m.records_by_batch_source["b1"] == {"medpath": 1, "veeva": 1}
    assert m.quarantine_by_reason == {"empty": 1, "unknown_layout": 1} and m.quarantine_by_batch == {"b1": 2}
    assert m.conflicts_by_field.get("enrollment", 0) >= 1  # the velmoraxin sample: 120 vs 118
    assert m.warnings_by_batch_code["samples"].get("ambiguous_groups") == 1
    assert sum(m.phases.values()) == m.totals["trials"] == tables["trials"].num_rows
    # fill rate: medpath never shows arms; the 3 veeva samples do, the 2 invented veeva pages do not
    assert m.fill_rate["medpath"]["arms"] == 0.0 and m.fill_rate["veeva"]["arms"] == 3 / 5
    assert m.fill_rate["veeva"]["title"] == 1.0
    # the velmoraxin trial's 40 mg: in the arm text of both pages, in the intervention text of one
    assert m.doses["trial doses (chosen)"] == 2 and m.doses["trials with a dose conflict"] == 0


def test_trial_doses_and_dose_conflicts_are_counted():
    from pipelines.reconcile import reconcile
    from pipelines.warehouse import build_tables
    from tests.pipelines.test_trial_doses import disagreeing_trial

    parsed = disagreeing_trial()  # two pages of one trial: one dose agrees, one does not
    tables = build_tables(parsed, [], reconcile(parsed))
    m = compute_metrics(tables)
    assert m.doses == {"dose mentions in records": 4, "trial doses (chosen)": 2, "trials with doses": 1,
                       "candidate doses not chosen": 1, "trials with a dose conflict": 1}
    assert m.doses_per_trial == {"2 doses": 1} and m.conflicts_by_field == {"doses": 1}
    assert m.totals["trials with a dose conflict"] == 1
    html, _ = quality_report_html(tables)
    assert '<section id="doses">' in html and "candidate doses not chosen</td><td class=\"n\">1<" in html


def test_charts_drawn_in_the_helper_processes_are_the_in_process_ones(snapshot):
    from pipelines.report.drawer import HELPERS, ChartDrawer
    from pipelines.report.metrics import snapshot_metrics
    from pipelines.report.plots import CHARTS, draw_charts

    metrics = snapshot_metrics(snapshot)
    with ChartDrawer() as drawer:
        pending = drawer.submit(metrics)
        assert pending is not None and len(pending) == len(CHARTS)  # drawn over there, one task per chart
        assert drawer.charts(metrics, pending) == draw_charts(metrics)
        assert HELPERS == 2 and len(drawer._pool._processes) == HELPERS  # both helpers started


def test_dead_chart_helpers_mean_the_charts_are_drawn_here(snapshot):
    import os
    import signal

    from pipelines.report.drawer import ChartDrawer
    from pipelines.report.metrics import snapshot_metrics
    from pipelines.report.plots import draw_charts

    metrics = snapshot_metrics(snapshot)
    with ChartDrawer() as drawer:
        [chart.result() for chart in drawer.submit(metrics)]  # the helpers are up
        for pid in list(drawer._pool._processes):
            os.kill(pid, signal.SIGKILL)
        charts = drawer.charts(metrics, drawer.submit(metrics))
    assert charts == draw_charts(metrics)


def test_same_tables_give_the_same_bytes(snapshot, report):
    tables = read_current(snapshot.parent.parent)
    first, _ = quality_report_html(tables)  # no snapshot id: the report is part of the snapshot it describes
    second, _ = quality_report_html(tables)
    assert first == second == report.read_text(encoding="utf-8")
    assert report == snapshot / REPORT_FILE


def test_self_contained(report):
    html = report.read_text(encoding="utf-8")
    assert not re.search(r"<script|<link|<img|<iframe|@import|url\(\s*['\"]?https?:", html, re.IGNORECASE)
    assert not re.search(r"(src|href)=\"(?!#|data:)", html)  # in-page anchors and inline data only
    assert "dc:date" not in html and html.count("<svg") >= 10
    ids = re.findall(r'\bid="([^"]+)"', html)
    assert len(ids) == len(set(ids)) or _only_unreferenced_repeat(html, ids)


def _only_unreferenced_repeat(html: str, ids: list[str]) -> bool:
    """matplotlib repeats group ids (figure_1, axes_1) across SVGs; nothing references them."""
    repeated = {i for i in ids if ids.count(i) > 1}
    return not any(f"#{i}" in html for i in repeated)


# Charts that draw something: an SVG of real size with more than a frame in it.
DRAWN = """() => [...document.querySelectorAll('figure svg')].filter(s => { const r = s.getBoundingClientRect();
  return r.width > 50 && r.height > 50 && s.querySelectorAll('path,rect,use,text').length > 5; }).length"""
TEXT_WIDTH = "() => Math.max(...[...document.querySelectorAll('svg text')].map(t => t.getComputedTextLength()))"


def test_opens_offline_in_chromium_with_non_blank_charts(browser, report, tmp_path):
    context = browser.new_context(offline=True, viewport={"width": 1280, "height": 900})
    requests: list[str] = []
    context.route("**/*", lambda route: (requests.append(route.request.url),
                                        route.continue_() if route.request.url.startswith("file:") else route.abort()))
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(report.as_uri(), wait_until="load")
    drawn = page.evaluate(DRAWN)
    assert drawn >= 6, drawn
    assert page.evaluate(TEXT_WIDTH) > 20  # fonts present: labels have width
    assert errors == [] and all(url.startswith("file:") for url in requests), (errors, requests)
    page.screenshot(path=tmp_path / "quality.png", full_page=True)
    context.close()


def test_the_browser_check_sees_a_blank_page(browser, tmp_path):
    """Negative control: the same check counts 0 charts and the error on a page without them."""
    blank = tmp_path / "blank.html"
    blank.write_text("<!doctype html><figure><svg width='200' height='200'></svg></figure>"
                     "<script>console.error('boom')</script>", encoding="utf-8")
    page = browser.new_page()
    errors: list[str] = []
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))
    page.goto(blank.as_uri(), wait_until="load")
    assert page.evaluate(DRAWN) == 0 and errors == ["boom"]
    page.close()


def test_dagster_summary_names_the_numbers_and_the_file(snapshot, report):
    from pipelines.report import summary_markdown

    m = compute_metrics(read_current(snapshot.parent.parent))
    text = summary_markdown(m, str(report))
    assert f"| trials | {m.totals['trials']} |" in text and "| quarantined files | 2 |" in text
    assert "| quarantine reasons | empty 1, unknown_layout 1 |" in text
    assert text.rstrip().endswith(f"Report: `{report}`")


def _rows(name: str, rows: list[dict]):
    import pyarrow as pa

    from pipelines.warehouse.schema import TABLES

    return pa.Table.from_pylist(rows, schema=TABLES[name])


def test_metrics_count_batches_warnings_fill_and_doses_by_the_rules():
    """Hand-made tables: the root batch and a batch with no warning are named; a batch only
    quarantine knows counts; a list table row twice for a record fills its field once; a trial
    dose with no rule is a conflict."""
    from pipelines.report.metrics import REPORT_TABLES

    tables = {name: _rows(name, []) for name in REPORT_TABLES}
    tables["source_records"] = _rows("source_records", [
        {"record_id": "r1", "trial_id": "T1", "source": "veeva", "raw_path": "b1/x.html", "title": "A",
         "warnings": ["unknown_heading: 'X'", "unknown_heading: 'Y'", "missing_field: title"]},
        {"record_id": "r2", "trial_id": "T1", "source": "medpath", "raw_path": "top.txt", "warnings": []},
        {"record_id": "r3", "trial_id": "T2", "source": "veeva", "raw_path": "b2/y.txt", "warnings": None}])
    tables["quarantine"] = _rows("quarantine", [{"raw_path": "b3/z.bin", "reason": "binary"}])
    tables["trials"] = _rows("trials", [
        {"trial_id": "T1", "sources": ["veeva", "medpath", "veeva"], "conflicts": ["phase"], "record_count": 2,
         "enrollment": 10, "phase": "PHASE1"},
        {"trial_id": "T2", "sources": ["veeva"], "record_count": 1}])
    tables["conditions"] = _rows("conditions", [{"trial_id": "T1", "record_id": "r1", "condition": c} for c in "ab"])
    tables["doses"] = _rows("doses", [{"trial_id": "T1", "record_id": "r1", "agent": "x"}])
    tables["trial_doses"] = _rows("trial_doses", [
        {"trial_id": "T1", "agent": "x", "chosen": True, "rule": None},
        {"trial_id": "T1", "agent": "x", "chosen": False, "rule": "majority"},
        {"trial_id": "T2", "agent": "y", "chosen": True, "rule": "unanimous"}])
    m = compute_metrics(tables)
    assert m.records_by_batch_source == {"b1": {"veeva": 1}, "b2": {"veeva": 1}, "root": {"medpath": 1}}
    assert m.warnings_by_batch_code == {"b1": {"missing_field": 1, "unknown_heading": 2}, "b2": {}, "root": {}}
    assert m.totals["batches"] == 4 and m.totals["parser warnings"] == 3 and m.quarantine_by_batch == {"b3": 1}
    assert m.totals["trials with a conflict"] == 1 and m.totals["trials from more than one record"] == 1
    assert m.trials_by_source == {"medpath": 1, "veeva": 2} and m.trials_by_batch == {"b1": 1, "b2": 1, "root": 1}
    assert m.fill_rate["veeva"]["conditions"] == 0.5 and m.fill_rate["veeva"]["title"] == 0.5
    assert m.fill_rate["medpath"]["conditions"] == 0.0
    assert m.conflicts_by_field == {"phase": 1} and list(m.phases.items()) == [("(none)", 1), ("PHASE1", 1)]
    assert m.enrollment == [10] and m.doses_per_trial == {"1 dose": 2}
    assert m.doses == {"dose mentions in records": 1, "trial doses (chosen)": 2, "trials with doses": 2,
                       "candidate doses not chosen": 1, "trials with a dose conflict": 1}


def _ingest_in_child(raw: str, warehouse: str) -> None:
    from pipelines.cli import run_ingest

    report = run_ingest(Path(raw), Path(warehouse), workers=1)
    assert report.exit_code == 0 and (Path(warehouse) / "current" / REPORT_FILE).is_file()


def test_a_process_that_built_a_snapshot_with_its_chart_helper_exits(tmp_path):
    """A Dagster step process builds the snapshot, and the report's helper process with it: the
    step process must still be able to exit (the helper is stopped, not left to be joined)."""
    from tests.child_process import exit_code_in_child
    from tests.pipelines.test_assets import write_invented_raw

    write_invented_raw(tmp_path / "raw")
    assert exit_code_in_child(_ingest_in_child, str(tmp_path / "raw"), str(tmp_path / "wh")) == 0
