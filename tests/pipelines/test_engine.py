"""The snapshot engine (pipelines/warehouse/engine.py: DuckDB, out of core, incremental) writes
exactly the bytes of the in-memory reference build (build_tables over fully loaded records), and an
incremental run writes exactly what a from-scratch run over the same files writes.

Staged data: the repo's raw/ sample pages, plus (when ../shared is present) real v2 studies
rendered into every page layout by tests/render, with the same NCT id in each layout so that
reconciliation merges them, spread over several batches.
"""
from __future__ import annotations

import ast
import copy
import os
import shutil
from pathlib import Path

import pytest

from pipelines import ingest
from pipelines.reconcile import reconcile
from pipelines.warehouse import TABLES, build_tables
from pipelines.warehouse.engine import build_snapshot, is_up_to_date
from pipelines.warehouse.parquet_out import file_sha256, write_rows
from tests.conftest import SHARED_DIR, load_v2_study

REPO_RAW = Path(__file__).resolve().parents[2] / "raw"
N_STUDIES = 36  # real studies rendered (x3 layouts); enough for merges, long lists and chunk edges
BATCHES = 3


def write_rendered(raw: Path, n_studies: int = N_STUDIES, batches: int = BATCHES) -> int:
    """Real studies rendered in every layout, 1 in 4 pages as saved HTML; returns the page count."""
    directory = SHARED_DIR / "real" / "ctgov_v2"
    if not directory.is_dir():
        if os.environ.get("TRIALBRIDGE_REQUIRE_SHARED") == "1":
            pytest.fail(f"{directory} is absent (TRIALBRIDGE_REQUIRE_SHARED=1)")
        return 0
    from tests.render.variants import LAYOUTS, apply, choose_variant, render_page, with_long_lists

    paths = sorted(directory.glob("*.json"))
    step = max(1, len(paths) // n_studies)
    studies = [load_v2_study(p) for p in paths[::step][:n_studies]]
    studies[0] = with_long_lists(studies[0])  # hundreds of criteria/locations in one record
    count = 0
    for layout in LAYOUTS:
        for i, study in enumerate(studies):
            page = render_page(layout, study)
            html = count % 4 == 0
            path = raw / f"batch_{count % batches}" / f"{i:03d}_{layout}.{'html' if html else 'txt'}"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(apply(page, choose_variant(page, html=html)), encoding="utf-8", newline="")
            count += 1
    # a site still showing an older dose of one study: trial_doses keeps both candidates
    older = next(filter(None, map(with_an_older_dose, studies)))
    path = raw / "batch_0" / "older_dose_veeva.txt"
    path.write_text(render_page("veeva", older).text(), encoding="utf-8")
    return count + 1


def with_an_older_dose(study: dict) -> dict | None:
    """A copy whose first dose in an arm description is another amount (a 9 before it), or None."""
    from parsers.doses import extract_doses

    changed = copy.deepcopy(study)
    for arm in changed["protocolSection"].get("armsInterventionsModule", {}).get("armGroups", []):
        for dose in extract_doses(arm.get("description") or ""):
            arm["description"] = arm["description"].replace(dose.source_text, "9" + dose.source_text, 1)
            return changed
    return None


def make_raw(root: Path) -> tuple[Path, int]:
    raw = root / "raw"
    (raw / "samples").mkdir(parents=True)
    for path in sorted(REPO_RAW.iterdir()):
        (raw / "samples" / path.name).write_bytes(path.read_bytes())
    (raw / "samples" / "not_a_trial.txt").write_text("no trial here\n", encoding="utf-8")  # quarantined
    return raw, write_rendered(raw)


def ingest_all(raw: Path, warehouse: Path, **kwargs):
    """Stage every batch of raw/ (dropping batches that left it) and build a snapshot."""
    batches = ingest.scan_batches(raw)
    summaries = {k: ingest.ingest_batch(raw, warehouse, b, max_bytes=5_000_000, workers=1) for k, b in batches.items()}
    ingest.forget_removed_batches(warehouse, batches)
    raw_paths = [ingest.relative_raw_path(p, raw) for b in batches.values() for p in b.files]
    return summaries, build_snapshot(warehouse, list(batches), raw_paths, **kwargs)


def file_hashes(snapshot: Path) -> dict[str, str]:
    return {p.stem: file_sha256(p) for p in sorted(snapshot.glob("*.parquet"))}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> tuple[Path, int]:
    root = tmp_path_factory.mktemp("engine")
    return make_raw(root)


@pytest.fixture(scope="module")
def scratch(corpus, tmp_path_factory):
    """(warehouse, snapshot result) of one from-scratch ingest of the whole corpus."""
    raw, _ = corpus
    warehouse = tmp_path_factory.mktemp("scratch") / "warehouse"
    _, result = ingest_all(raw, warehouse, incremental=False)
    return warehouse, result


def test_engine_writes_the_bytes_of_the_reference_build(corpus, scratch, tmp_path):
    raw, rendered = corpus
    warehouse, result = scratch
    parsed, quarantined = ingest.load_staged(warehouse, ingest.staged_batches(warehouse))
    reference = build_tables(parsed, quarantined, reconcile(parsed))
    got = file_hashes(result.snapshot)
    assert sorted(got) == sorted(TABLES)
    for name, table in reference.items():
        assert result.row_counts[name] == table.num_rows, name
        assert got[name] == write_rows(tmp_path / f"{name}.parquet", TABLES[name], [table], name=name), f"{name} bytes differ"
    assert result.row_counts["quarantine"] == 1
    if rendered:  # the same study in three layouts is one trial, and the long lists made many rows
        assert result.row_counts["trials"] < result.row_counts["source_records"]
        assert result.row_counts["eligibility_criteria"] > 100 and result.row_counts["locations"] > 100
        doses = reference["trial_doses"]
        assert doses.num_rows > 20 and False in doses.column("chosen").to_pylist()  # the older dose's candidate


def test_incremental_runs_equal_a_from_scratch_run(corpus, scratch, tmp_path):
    raw, rendered = corpus
    if not rendered:
        pytest.skip("needs the rendered corpus (../shared)")
    growing = tmp_path / "raw"
    warehouse = tmp_path / "warehouse"
    resolved = []
    for batch in sorted(p.name for p in raw.iterdir()):  # the batches arrive one run at a time
        shutil.copytree(raw / batch, growing / batch)
        summaries, result = ingest_all(growing, warehouse)
        assert summaries[batch].parsed_files == len(list((raw / batch).iterdir()))
        assert all(s.parsed_files == 0 for k, s in summaries.items() if k != batch)  # nothing parsed twice
        resolved.append((result.trials_resolved, result.trials_total))
    assert file_hashes(result.snapshot) == file_hashes(scratch[1].snapshot)
    assert resolved[-1][0] < resolved[-1][1]  # the last run re-resolved only what it touched


def _last_batch_added(corpus, tmp_path: Path, before_it, **kwargs):
    """Every batch but the last, then before_it(), then the last batch: the last run's result."""
    raw, rendered = corpus
    if not rendered:
        pytest.skip("needs the rendered corpus (../shared)")
    growing, warehouse = tmp_path / "raw", tmp_path / "warehouse"
    batches = sorted(p.name for p in raw.iterdir())
    for batch in batches[:-1]:
        shutil.copytree(raw / batch, growing / batch)
    ingest_all(growing, warehouse, **kwargs)
    before_it()
    shutil.copytree(raw / batches[-1], growing / batches[-1])
    return ingest_all(growing, warehouse, **kwargs)[1]


def _last_batch_written_on_threads(corpus, tmp_path: Path, monkeypatch, **kwargs):
    """Every batch but the last, then the last one counted as a small change (SMALL_CHANGE forced):
    (the threads each table was written on, the last run's result)."""
    import threading

    import pipelines.warehouse.engine as engine

    threads, copy_sorted = [], engine.copy_sorted

    def spy() -> None:
        monkeypatch.setattr(engine, "copy_sorted", lambda *a, **k: threads.append(threading.current_thread())
                            or copy_sorted(*a, **k))
        monkeypatch.setattr(engine, "SMALL_CHANGE", 1.0)  # this batch is a third of the trials: count it small

    return threads, _last_batch_added(corpus, tmp_path, spy, **kwargs)


def test_tables_written_two_at_a_time_after_a_small_change_give_the_same_bytes(corpus, scratch, tmp_path,
                                                                              monkeypatch):
    """After a small change the tables are written two at a time, each on its own cursor: the same
    files as from scratch (which writes them in two lanes)."""
    threads, result = _last_batch_written_on_threads(corpus, tmp_path, monkeypatch)
    assert len(threads) == len(TABLES) and all(t.name.startswith("write") for t in threads)
    assert len(set(threads)) == 2
    assert file_hashes(result.snapshot) == file_hashes(scratch[1].snapshot)


def test_a_small_change_under_a_tiny_budget_writes_one_table_at_a_time(corpus, scratch, tmp_path, monkeypatch):
    """Two writes at once share one DuckDB budget: under 256MB the tables are written one by one,
    in the step's own thread, and the bytes are those of a from-scratch build."""
    import threading

    threads, result = _last_batch_written_on_threads(corpus, tmp_path, monkeypatch, memory_limit="48MB", threads=1)
    assert len(threads) == len(TABLES) and set(threads) == {threading.main_thread()}
    assert file_hashes(result.snapshot) == file_hashes(scratch[1].snapshot)


def test_from_scratch_the_large_tables_go_one_after_another_and_the_others_beside(corpus, scratch, tmp_path,
                                                                                  monkeypatch):
    """From scratch the LARGE_TABLES are written in their order on one cursor (never two large sorts
    at once) and every other table on a second: the bytes of the reference build."""
    import threading

    import pipelines.warehouse.engine as engine

    raw, _ = corpus
    written, copy_sorted = [], engine.copy_sorted
    monkeypatch.setattr(engine, "copy_sorted", lambda cursor, name, *a, **k: written.append(
        (threading.current_thread(), name)) or copy_sorted(cursor, name, *a, **k))
    _, result = ingest_all(raw, tmp_path / "warehouse", incremental=False)
    lanes: dict = {}
    for thread, name in written:
        lanes.setdefault(thread, []).append(name)
    assert sorted(lanes.values(), key=len) == [list(engine.LARGE_TABLES),
                                               [n for n in TABLES if n not in engine.LARGE_TABLES]]
    assert file_hashes(result.snapshot) == file_hashes(scratch[1].snapshot)


def _title_candidates_thread(corpus, tmp_path: Path, monkeypatch, **kwargs):
    """The threads the last run's title look-alikes ran on (every batch, then one more), and its result."""
    import threading

    import pipelines.warehouse.engine as engine

    threads, title_candidates = [], engine.title_candidates

    def spy() -> None:
        monkeypatch.setattr(engine, "title_candidates", lambda con: threads.append(threading.current_thread())
                            or title_candidates(con))

    return threads, _last_batch_added(corpus, tmp_path, spy, **kwargs)


def test_title_look_alikes_run_beside_an_in_process_resolve_with_the_same_bytes(corpus, scratch, tmp_path,
                                                                               monkeypatch):
    """A small batch is resolved in the step's process, on one core: the title look-alikes run
    beside it on a cursor of their own; under a budget too small for two queries, after it."""
    import threading

    threads, result = _title_candidates_thread(corpus, tmp_path / "beside", monkeypatch)
    assert len(threads) == 1 and threads[0].name.startswith("titles")
    assert file_hashes(result.snapshot) == file_hashes(scratch[1].snapshot)
    threads, result = _title_candidates_thread(corpus, tmp_path / "tiny", monkeypatch, memory_limit="48MB", threads=1)
    assert threads == [threading.main_thread()]
    assert file_hashes(result.snapshot) == file_hashes(scratch[1].snapshot)


def test_changed_and_removed_files_equal_a_from_scratch_run(corpus, tmp_path):
    raw, rendered = corpus
    if not rendered:
        pytest.skip("needs the rendered corpus (../shared)")
    work = tmp_path / "raw"
    shutil.copytree(raw, work)
    warehouse = tmp_path / "warehouse"
    ingest_all(work, warehouse)
    shutil.rmtree(work / "batch_2")  # a whole batch leaves raw/
    victim = sorted((work / "batch_1").iterdir())[0]
    removed = ingest.relative_raw_path(sorted((work / "batch_0").iterdir())[0], work)
    (work / removed).unlink()  # one file leaves raw/
    victim.write_text(victim.read_text(encoding="utf-8").replace("Conditions", "Conditions\n\n"), encoding="utf-8")
    summaries, incremental = ingest_all(work, warehouse)
    assert summaries["batch_1"].parsed_files == 1 and summaries["batch_0"].removed_files == 1
    assert "batch_2" not in ingest.staged_batches(warehouse)
    _, scratch = ingest_all(work, tmp_path / "scratch", incremental=False)
    assert file_hashes(incremental.snapshot) == file_hashes(scratch.snapshot)
    import pyarrow.parquet as pq

    paths = set(pq.read_table(incremental.snapshot / "source_records.parquet", columns=["raw_path"]).column(0).to_pylist())
    assert removed not in paths and not any(p.startswith("batch_2/") for p in paths)


def test_a_record_that_changes_an_untouched_trials_links_equals_a_from_scratch_run(corpus, tmp_path, monkeypatch):
    """A new trial's record with another trial's org study id and sponsor: that org id no longer
    links the other trial's records (they still share their NCT id), so its trial_links rows
    change while its records, and so the trial, are untouched. Row groups of a few trials, so
    that trial's row group is not written again for another trial's sake."""
    import pyarrow.parquet as pq
    from pipelines.warehouse import parquet_out
    from tests.render.variants import render_page

    monkeypatch.setattr(parquet_out, "ROW_GROUP_ROWS", 16)
    raw, rendered = corpus
    if not rendered:
        pytest.skip("needs the rendered corpus (../shared)")
    work, warehouse = tmp_path / "raw", tmp_path / "warehouse"
    shutil.copytree(raw, work)
    _, first = ingest_all(work, warehouse)
    links = pq.read_table(first.snapshot / "trial_links.parquet", columns=["trial_id", "method"]).to_pylist()
    by_org = sorted({r["trial_id"] for r in links if r["method"] == "org_study_id+sponsor" and r["trial_id"].startswith("NCT")})
    if not by_org:
        pytest.skip("no rendered trial linked by org study id")
    study = load_v2_study(SHARED_DIR / "real" / "ctgov_v2" / f"{by_org[0]}.json")
    study["protocolSection"]["identificationModule"]["nctId"] = "NCT09999999"
    (work / "late").mkdir()
    (work / "late" / "same_org_id_veeva.txt").write_text(render_page("veeva", study).text(), encoding="utf-8")
    _, incremental = ingest_all(work, warehouse)
    _, scratch = ingest_all(work, tmp_path / "scratch", incremental=False)
    assert file_hashes(incremental.snapshot) == file_hashes(scratch.snapshot)
    after = pq.read_table(incremental.snapshot / "trial_links.parquet", columns=["trial_id", "method"]).to_pylist()
    assert {r["method"] for r in after if r["trial_id"] == by_org[0]} != {r["method"] for r in links if r["trial_id"] == by_org[0]}


def test_a_rerun_with_nothing_new_parses_nothing_and_keeps_the_snapshot(corpus, tmp_path):
    raw, _ = corpus
    warehouse = tmp_path / "warehouse"
    _, first = ingest_all(raw, warehouse)
    assert is_up_to_date(warehouse, list(ingest.scan_batches(raw)))
    for path in raw.rglob("*"):  # touched, same bytes: still not parsed again
        if path.is_file():
            os.utime(path)
    summaries, second = ingest_all(raw, warehouse)
    assert sum(s.parsed_files for s in summaries.values()) == 0
    assert second.snapshot == first.snapshot and second.trials_resolved == 0


def test_a_tiny_memory_budget_spills_and_writes_the_same_bytes(corpus, scratch, tmp_path):
    raw, _ = corpus
    _, result = ingest_all(raw, tmp_path / "warehouse", incremental=False, memory_limit="48MB", threads=1)
    assert file_hashes(result.snapshot) == file_hashes(scratch[1].snapshot)


def test_tables_sorted_range_by_range_write_the_same_bytes(corpus, scratch, tmp_path, monkeypatch):
    """Every table with more than 64 rows is cut into ranges of ~4 KB of rows (a 16 KB budget):
    the snapshot is still the from-scratch one, byte for byte."""
    import pipelines.warehouse.duck as duck

    monkeypatch.setattr(duck, "SAMPLE_ROWS", 64)
    monkeypatch.setattr(duck, "budget_bytes", lambda limit: 16_384)
    import pipelines.warehouse.engine as engine

    monkeypatch.setattr(engine, "budget_bytes", lambda limit: 16_384)
    cuts = []
    real_bounds = duck.sort_bounds
    monkeypatch.setattr(duck, "sort_bounds", lambda *a: cuts.append(real_bounds(*a)) or cuts[-1])
    raw, _ = corpus
    _, result = ingest_all(raw, tmp_path / "warehouse", incremental=False)
    assert max(map(len, cuts)) >= 3
    assert file_hashes(result.snapshot) == file_hashes(scratch[1].snapshot)


def test_reconcile_reads_only_what_the_engine_loads():
    """A structural guard: every `<x>.record.<field>` / `rec.<field>` read in pipelines/reconcile/
    is a field the engine's records carry (pipelines/warehouse/resolve_touched.py), or one
    the clustering and title steps read from the staged tables themselves."""
    import pipelines.reconcile as package
    from parsers.record import SCALAR_FIELDS

    read = set()
    for path in Path(package.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute):
                owner = node.value
                if (isinstance(owner, ast.Attribute) and owner.attr == "record") or \
                        (isinstance(owner, ast.Name) and owner.id in ("rec", "record")):
                    read.add(node.attr)
    light = set(SCALAR_FIELDS) | {"source", "parser_version", "conditions", "countries", "locations",
                                  "interventions", "arms", "sponsors", "warnings"}
    staged_separately = {"identifiers"}  # cluster_staged reads them from staging
    assert {"conditions", "locations", "countries", "source"} <= read  # the guard sees reads
    assert read <= light | staged_separately, read - light - staged_separately


def test_light_records_build_list_items_equal_to_their_dataclasses():
    """resolve_touched._build takes each staged struct as an item's __dict__: the staged struct
    must hold exactly the dataclass's fields, in order."""
    import dataclasses

    from parsers.record import Arm, Condition, Intervention, Location, Sponsor
    from pipelines.staging.rows import staged_schemas
    from pipelines.warehouse.resolve_touched import _build

    schema = staged_schemas()["records"]
    for column, cls in (("conditions", Condition), ("locations", Location), ("interventions", Intervention),
                        ("arms", Arm), ("sponsors", Sponsor)):
        names = [f.name for f in dataclasses.fields(cls)]
        assert [f.name for f in schema.field(column).type.value_type] == names
        item = {name: None for name in names}
        assert _build(cls, [item]) == [cls(**item)]
    assert _build(Arm, None) == []


def test_other_engine_code_re_resolves_every_trial_without_parsing_again(corpus, tmp_path, monkeypatch):
    import pipelines.warehouse.engine as engine

    raw, _ = corpus
    warehouse = tmp_path / "warehouse"
    _, first = ingest_all(raw, warehouse)
    (raw / "samples" / "late.txt").write_text("still no trial here\n", encoding="utf-8")
    try:
        monkeypatch.setattr(engine, "ENGINE_FINGERPRINT", "another-build")
        summaries, second = ingest_all(raw, warehouse)
    finally:
        (raw / "samples" / "late.txt").unlink()
    assert sum(s.parsed_files for s in summaries.values()) == 1  # staging is still this code's
    assert second.trials_resolved == second.trials_total == first.trials_total  # nothing carried over


def test_trials_resolved_by_worker_processes_give_the_same_bytes(corpus, scratch, tmp_path, monkeypatch):
    from pipelines.warehouse import resolve_touched

    monkeypatch.setattr(resolve_touched, "PARALLEL_MIN_RECORDS", 0)
    monkeypatch.setattr(resolve_touched, "RESOLVE_RECORDS", 7)  # many slices over two processes
    raw, _ = corpus
    _, result = ingest_all(raw, tmp_path / "warehouse", incremental=False, workers=2)
    assert result.trials_resolved == scratch[1].trials_resolved
    assert file_hashes(result.snapshot) == file_hashes(scratch[1].snapshot)


def test_chunks_clustered_by_worker_processes_give_the_same_bytes(corpus, scratch, tmp_path, monkeypatch):
    from pipelines.warehouse import cluster_staged

    started = []
    pool = cluster_staged.chunk_pool
    monkeypatch.setattr(cluster_staged, "chunk_pool", lambda workers: started.append(workers) or pool(workers))
    monkeypatch.setattr(cluster_staged, "CHUNK_RECORDS", 7)  # many chunks over two processes
    raw, _ = corpus
    _, result = ingest_all(raw, tmp_path / "warehouse", incremental=False, workers=2)
    assert started == [2]  # started beside the components, before the chunks were known
    assert file_hashes(result.snapshot) == file_hashes(scratch[1].snapshot)
