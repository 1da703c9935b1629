"""The snapshot step's two-pass build (pipelines/warehouse/staged.py) gives exactly the tables the
one-pass build over fully loaded records gives: reconcile() over the light reconcile views, the
per-record tables streamed batch by batch from staging.

Staged data: the repo's raw/ sample pages, plus (when ../shared is present) real v2 studies
rendered into every page layout by tests/render, with the same NCT id in each layout so that
reconciliation merges them, spread over several batches.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pipelines import ingest
from pipelines.reconcile import reconcile
from pipelines.warehouse import TABLES, build_tables, parquet_bytes
from pipelines.warehouse.build import RECORD_TABLES, build_record_tables
from pipelines.warehouse.staged import build_staged_tables, reconcile_staged
from tests.conftest import SHARED_DIR, load_v2_study

REPO_RAW = Path(__file__).resolve().parents[2] / "raw"
N_STUDIES = 36  # real studies rendered (x3 layouts); enough for merges, long lists and chunk edges
BATCHES = 3


def _write_rendered(raw: Path) -> int:
    """Real studies rendered in every layout, 1 in 4 pages as saved HTML; returns the page count."""
    directory = SHARED_DIR / "real" / "ctgov_v2"
    if not directory.is_dir():
        if os.environ.get("TRIALBRIDGE_REQUIRE_SHARED") == "1":
            pytest.fail(f"{directory} is absent (TRIALBRIDGE_REQUIRE_SHARED=1)")
        return 0
    from tests.render.variants import LAYOUTS, apply, choose_variant, render_page, with_long_lists

    paths = sorted(directory.glob("*.json"))
    step = max(1, len(paths) // N_STUDIES)
    studies = [load_v2_study(p) for p in paths[::step][:N_STUDIES]]
    studies[0] = with_long_lists(studies[0])  # hundreds of criteria/locations in one record
    count = 0
    for layout in LAYOUTS:
        for i, study in enumerate(studies):
            page = render_page(layout, study)
            html = count % 4 == 0
            path = raw / f"batch_{count % BATCHES}" / f"{i:03d}_{layout}.{'html' if html else 'txt'}"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(apply(page, choose_variant(page, html=html)), encoding="utf-8", newline="")
            count += 1
    return count


@pytest.fixture(scope="module")
def staged(tmp_path_factory) -> tuple[Path, list[str], int]:
    """(warehouse root, staged batch keys, rendered page count) after intake of every batch."""
    root = tmp_path_factory.mktemp("streaming")
    raw, warehouse = root / "raw", root / "warehouse"
    (raw / "samples").mkdir(parents=True)
    for path in sorted(REPO_RAW.iterdir()):
        (raw / "samples" / path.name).write_bytes(path.read_bytes())
    (raw / "samples" / "not_a_trial.txt").write_text("no trial here\n", encoding="utf-8")  # quarantined
    rendered = _write_rendered(raw)
    batches = ingest.scan_batches(raw)
    for batch in batches.values():
        ingest.ingest_batch(raw, warehouse, batch, max_bytes=5_000_000, workers=1)
    return warehouse, list(batches), rendered


def _full_path_tables(warehouse: Path, keys: list[str]) -> dict[str, pa.Table]:
    parsed, quarantined = ingest.load_staged(warehouse, keys)
    return build_tables(parsed, quarantined, reconcile(parsed))


def _assert_same_tables(expected: dict[str, pa.Table], got: dict[str, pa.Table]) -> None:
    assert list(got) == list(expected) == list(TABLES)
    for name in TABLES:
        assert got[name].equals(expected[name]), f"{name} differs"
        assert parquet_bytes(got[name]) == parquet_bytes(expected[name]), f"{name} Parquet bytes differ"


def test_staging_holds_merging_records_and_quarantine(staged):
    warehouse, keys, rendered = staged
    tables = _full_path_tables(warehouse, keys)
    assert tables["source_records"].num_rows >= len(list(REPO_RAW.iterdir())) + rendered - 1
    assert tables["quarantine"].num_rows >= 1
    if rendered:  # the same study in three layouts is one trial, and the long lists made many rows
        assert tables["trials"].num_rows < tables["source_records"].num_rows
        assert tables["eligibility_criteria"].num_rows > 100 and tables["locations"].num_rows > 100


def test_streamed_build_equals_full_record_build(staged):
    warehouse, keys, _ = staged
    _assert_same_tables(_full_path_tables(warehouse, keys), build_staged_tables(warehouse, keys))


def test_reconcile_over_light_views_equals_reconcile_over_full_records(staged):
    warehouse, keys, _ = staged
    parsed, quarantined = ingest.load_staged(warehouse, keys)
    light, light_quarantined = reconcile_staged(warehouse, keys)
    assert light == reconcile(parsed)
    assert light_quarantined == quarantined


def test_light_view_leaves_out_the_child_lists(staged):
    warehouse, keys, _ = staged
    light, _ = ingest.load_staged(warehouse, keys, reconcile_only=True)
    full, _ = ingest.load_staged(warehouse, keys)
    assert [p.record_id for p in light] == [p.record_id for p in full]
    assert any(p.record.criteria for p in full) and any(p.record.locations for p in full)
    for lp, fp in zip(light, full):
        rec = lp.record
        assert not (rec.criteria or rec.arms or rec.interventions or rec.outcomes or rec.contacts or rec.raw)
        assert rec.identifiers == fp.record.identifiers and rec.sponsors == fp.record.sponsors
        countries = list(dict.fromkeys(loc.country for loc in fp.record.locations if loc.country))
        assert [loc.country for loc in rec.locations] == countries
        assert all(loc.facility is None and loc.city is None for loc in rec.locations)


@pytest.mark.parametrize("records_per_chunk", [1, 7])
def test_chunk_boundaries_do_not_change_the_record_tables(staged, records_per_chunk):
    warehouse, keys, _ = staged
    expected = _full_path_tables(warehouse, keys)
    trial_ids, _ = reconcile_staged(warehouse, keys)
    got = build_record_tables(ingest.iter_staged(warehouse, keys), trial_ids.trial_ids, records_per_chunk)
    for name in RECORD_TABLES:
        assert got[name].equals(expected[name]), name
        assert parquet_bytes(got[name]) == parquet_bytes(expected[name]), name


def test_staging_without_reconcile_json_still_loads(staged, tmp_path):
    """Batches staged before the reconcile_json column existed: the light view comes from record_json."""
    warehouse, keys, _ = staged
    old = tmp_path / "warehouse"
    for key in keys:
        source_dir = ingest.staged_batch_dir(warehouse, key)
        target = ingest.staged_batch_dir(old, key)
        target.mkdir(parents=True)
        for path in source_dir.iterdir():
            if path.suffix == ".parquet" and path.name != ingest.QUARANTINE_FILE:
                pq.write_table(pq.read_table(path).drop_columns(["reconcile_json"]), target / path.name)
            else:
                (target / path.name).write_bytes(path.read_bytes())
    assert "reconcile_json" not in pq.read_schema(next(ingest.staged_batch_dir(old, keys[0]).glob("veeva.parquet"))).names
    _assert_same_tables(_full_path_tables(warehouse, keys), build_staged_tables(old, keys))


def test_reconcile_json_is_the_view_of_record_json(staged):
    warehouse, keys, _ = staged
    table = pa.concat_tables(ingest.load_staged_source(warehouse, key, source)
                             for key in keys for source in ingest.staged_sources(warehouse, key))
    assert table.num_rows > 0
    for record_json, reconcile_json in zip(table.column("record_json").to_pylist(),
                                           table.column("reconcile_json").to_pylist()):
        assert json.loads(reconcile_json) == ingest.reconcile_view(json.loads(record_json))


def test_reconcile_view_keeps_first_spelling_of_each_country_only():
    data = {"source": "veeva", "arms": [{"label": "A"}], "raw": {"phase": "2"},
            "locations": [{"facility": "F1", "country": "Spain"}, {"facility": "F2", "country": "France"},
                          {"facility": "F3", "country": "Spain"}, {"facility": "F4", "country": None},
                          {"facility": "F5", "country": "spain "}]}
    view = ingest.reconcile_view(data)
    assert view == {"source": "veeva", "locations": [{"country": "Spain"}, {"country": "France"}, {"country": "spain "}]}
    assert ingest.reconcile_view(view) == view
    assert data["locations"][0]["facility"] == "F1"  # the input is not modified


def test_reconcile_reads_none_of_the_fields_the_light_view_leaves_out():
    """A structural guard for the light view: no `<x>.record.<field>` / `rec.<field>` access in
    pipelines/reconcile/ names a field that reconcile_view drops (a new one must update it)."""
    import ast

    import pipelines.reconcile as package

    read = set()
    for path in Path(package.__file__).parent.glob("*.py"):
        if path.name == "trial_lists.py":  # runs on full records (warehouse/trial_tables.py taps the full stream)
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute):
                owner = node.value
                if (isinstance(owner, ast.Attribute) and owner.attr == "record") or \
                        (isinstance(owner, ast.Name) and owner.id in ("rec", "record")):
                    read.add(node.attr)
    assert {"identifiers", "conditions", "locations", "countries", "sponsors", "source"} <= read  # the guard sees reads
    assert not read & ingest.RECONCILE_UNUSED_FIELDS
