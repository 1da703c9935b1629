"""Orchestration glue: batch keys, bulk intake, staging, and the staged-record round trip."""
from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from parsers.record import Arm, Condition, Identifier, SourceRecord
from pipelines import ingest


@pytest.mark.parametrize("name", ["a|b", "x[1]", "p,q", "a...b", "two words", "ok-name_2026.01"])
def test_sanitized_keys_are_valid_partition_keys(name):
    key = ingest.sanitize_batch_key(name)
    assert not any(c in key for c in "|[],") and "..." not in key
    assert key == ingest.sanitize_batch_key(name)  # deterministic


def test_clean_names_are_kept_and_lookalikes_stay_apart():
    assert ingest.sanitize_batch_key("2026-01-15") == "2026-01-15"
    assert ingest.sanitize_batch_key("a|b") != ingest.sanitize_batch_key("a,b")


def test_scan_groups_top_level_dirs_and_root_files(tmp_path):
    (tmp_path / "b1" / "deep").mkdir(parents=True)
    (tmp_path / "b1" / "deep" / "x.txt").write_text("x")
    (tmp_path / "b1" / "y.txt").write_text("y")
    (tmp_path / "z.txt").write_text("z")
    (tmp_path / "emptydir").mkdir()
    batches = ingest.scan_batches(tmp_path)
    assert list(batches) == ["root", "b1"]
    assert [p.name for p in batches["b1"].files] == ["x.txt", "y.txt"]
    assert batches["root"].directory is None and batches["b1"].directory == "b1"


def test_one_batch_is_listed_alone_as_the_whole_scan_lists_it(tmp_path, monkeypatch):
    """scan_batch walks only the directories that can hold the batch, and gives what
    scan_batches gives for it: odd names, nesting, root files, a directory named like the root
    batch, a symlink to a directory outside raw/ (listed as a file), an absent batch."""
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "x.html").write_text("x")
    raw = tmp_path / "raw"
    for rel in ["a.txt", "b 1/x.html", "b 1/deep/er/y.html", "b|1/z.html", "root/r.html", "c/.hidden",
                "c/d/e.json", "nested/only/dirs/f.xml", "zz/q.html"]:
        (raw / rel).parent.mkdir(parents=True, exist_ok=True)
        (raw / rel).write_text(rel)
    (raw / "empty").mkdir()
    (raw / "c" / "link").symlink_to(outside, target_is_directory=True)
    (raw / "top_link").symlink_to(outside, target_is_directory=True)
    whole = ingest.scan_batches(raw)
    assert len(whole) == 7 and "root" in whole and any(k.startswith("root~") for k in whole)
    for key, batch in whole.items():
        assert ingest.scan_batch(raw, key) == batch, key
    assert ingest.scan_batch(raw, "no_such_batch") is None and ingest.scan_batch(raw, "empty") is None
    assert ingest.scan_batch(tmp_path / "missing", "root") is None
    listed = ingest.scan_raw_paths(raw)  # the same batches and files as relative paths
    assert list(listed) == list(whole)
    assert {k: sorted(v) for k, v in listed.items()} == {
        k: sorted(ingest.relative_raw_path(p, raw) for p in b.files) for k, b in whole.items()}
    import parsers.intake

    walked, real_walk = [], os.walk

    def walk(top, **kwargs):
        for dirpath, dirnames, filenames in real_walk(top, **kwargs):
            walked.append(os.path.relpath(dirpath, raw))
            yield dirpath, dirnames, filenames

    monkeypatch.setattr(parsers.intake.os, "walk", walk)
    assert ingest.scan_batch(raw, "zz") == whole["zz"] and walked == [".", "zz"]


def test_fingerprint_changes_when_a_file_is_added(tmp_path):
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "1.txt").write_text("1")
    before = ingest.batch_fingerprint(ingest.scan_batches(tmp_path)["b"], tmp_path)
    assert before == ingest.batch_fingerprint(ingest.scan_batches(tmp_path)["b"], tmp_path)
    (tmp_path / "b" / "2.txt").write_text("2")
    assert before != ingest.batch_fingerprint(ingest.scan_batches(tmp_path)["b"], tmp_path)


def test_record_round_trips_through_staged_json():
    record = SourceRecord(source="veeva", parser_version="t1", title="T", phase="PHASE2", enrollment=20,
                          min_age_years=15.0, healthy_volunteers=False,
                          identifiers=[Identifier("NCT09990001", "NCT", "NCT09990001", "identifiers")],
                          conditions=[Condition("X Syndrome", "x syndrome")],
                          arms=[Arm("A", "EXPERIMENTAL", "Experimental", "d", ["Drug X"])],
                          keywords=["k"], raw={"phase": "Phase 2"})
    record.warn("odd_line", "something")
    back = ingest.record_from_dict(json.loads(json.dumps(record.to_dict())))
    assert back == record
    assert isinstance(back.identifiers[0], Identifier) and isinstance(back.arms[0], Arm)


def _page(title: str, nct: str) -> str:
    """A minimal Veeva-layout page (rendered by the round-trip renderer)."""
    from tests.render.variants import render_page

    study = {"protocolSection": {"identificationModule": {"nctId": nct, "briefTitle": title},
                                 "statusModule": {"overallStatus": "RECRUITING"}}}
    return render_page("veeva", study).text()


def _stage(raw: Path, warehouse: Path, key: str = "b1", **kwargs) -> ingest.StageSummary:
    return ingest.ingest_batch(raw, warehouse, ingest.scan_batches(raw)[key], 5_000_000, workers=1, **kwargs)


def test_stage_batch_stages_typed_tables_and_parses_only_what_changed(tmp_path):
    from pipelines.staging import store

    raw, warehouse = tmp_path / "raw", tmp_path / "warehouse"
    (raw / "b1").mkdir(parents=True)
    (raw / "b1" / "m.txt").write_text(_page("Alpha study", "NCT09990001"), encoding="utf-8")
    (raw / "b1" / "e.txt").write_bytes(b"")
    summary = _stage(raw, warehouse)
    assert summary.by_source == {"veeva": 1} and summary.quarantined == {"empty": 1}
    assert summary.parsed_files == 2 and summary.changed
    records = ingest.read_staged(warehouse, "b1", "records")
    assert records.column("title").to_pylist() == ["Alpha study"]
    assert str(records.schema.field("identifiers").type).startswith("list<")  # typed, not JSON text
    assert ingest.read_staged(warehouse, "b1", "quarantine").column("reason").to_pylist() == ["empty"]

    def changed_as_listed() -> bool:  # what the CLI asks, from the relative paths alone
        return store.batch_changed(warehouse, raw, "b1", ingest.scan_raw_paths(raw)["b1"])

    assert not changed_as_listed()
    again = _stage(raw, warehouse)  # nothing changed: nothing parsed, nothing rewritten
    assert again.parsed_files == 0 and not again.changed and again.by_source == {"veeva": 1}

    (raw / "b1" / "e.txt").unlink()
    assert changed_as_listed()  # a file left
    (raw / "b1" / "e.txt").write_bytes(b"")
    (raw / "b1" / "n.txt").write_text(_page("Beta study", "NCT09990002"), encoding="utf-8")
    assert changed_as_listed()  # a file came
    (raw / "b1" / "e.txt").unlink()
    third = _stage(raw, warehouse)
    assert (third.parsed_files, third.reused_files, third.removed_files) == (1, 1, 1)
    assert sorted(ingest.read_staged(warehouse, "b1", "records").column("title").to_pylist()) == ["Alpha study", "Beta study"]
    assert ingest.read_staged(warehouse, "b1", "quarantine").num_rows == 0
    leftovers = [p.name for p in ingest.staging_root(warehouse).iterdir() if p.name.startswith(".")]
    assert leftovers == []


def test_a_file_with_new_bytes_is_parsed_again_and_touched_same_bytes_are_not(tmp_path):
    import os

    raw, warehouse = tmp_path / "raw", tmp_path / "warehouse"
    (raw / "b1").mkdir(parents=True)
    page = raw / "b1" / "m.txt"
    page.write_text(_page("Alpha study", "NCT09990001"), encoding="utf-8")
    _stage(raw, warehouse)
    os.utime(page, ns=(1, 1))
    assert _stage(raw, warehouse).parsed_files == 0  # same sha256
    page.write_text(_page("Alpha study, amended", "NCT09990001"), encoding="utf-8")
    os.utime(page, ns=(1, 1))  # even with the old mtime the size differs
    assert _stage(raw, warehouse).parsed_files == 1
    assert ingest.read_staged(warehouse, "b1", "records").column("title").to_pylist() == ["Alpha study, amended"]


def test_staging_of_another_parser_version_is_parsed_again(tmp_path, monkeypatch):
    import parsers

    raw, warehouse = tmp_path / "raw", tmp_path / "warehouse"
    (raw / "b1").mkdir(parents=True)
    (raw / "b1" / "m.txt").write_text(_page("Alpha study", "NCT09990001"), encoding="utf-8")
    _stage(raw, warehouse)
    monkeypatch.setattr(parsers, "PARSER_VERSION", parsers.PARSER_VERSION + "+next")
    assert not ingest.is_staged(warehouse, "b1")
    assert _stage(raw, warehouse).parsed_files == 1
    assert _stage(raw, warehouse).parsed_files == 0


def test_staging_made_by_other_code_is_parsed_again(tmp_path, monkeypatch):
    """A changed extractor (say, doses) must not leave rows it would now write differently."""
    import pipelines.fingerprint

    raw, warehouse = tmp_path / "raw", tmp_path / "warehouse"
    (raw / "b1").mkdir(parents=True)
    (raw / "b1" / "m.txt").write_text(_page("Alpha study", "NCT09990001"), encoding="utf-8")
    _stage(raw, warehouse)
    monkeypatch.setattr(pipelines.fingerprint, "STAGING_FINGERPRINT", "another-build")
    assert not ingest.is_staged(warehouse, "b1") and _stage(raw, warehouse).parsed_files == 1


def test_staging_left_by_a_killed_run_is_removed_by_the_next_one(tmp_path):
    raw, warehouse = tmp_path / "raw", tmp_path / "warehouse"
    (raw / "b1").mkdir(parents=True)
    (raw / "b1" / "v.txt").write_text(_page("V", "NCT09990003"), encoding="utf-8")
    root = ingest.staging_root(warehouse)
    # what a kill leaves: a half-written temp dir, and a replaced dir not yet removed
    for name in (".b1.tmp-dead", ".b1.old-dead", ".b2.tmp-other-batch"):
        (root / name).mkdir(parents=True)
        (root / name / "records.parquet").write_bytes(b"half")
    _stage(raw, warehouse)
    assert sorted(p.name for p in root.iterdir()) == [".b2.tmp-other-batch", "b1"]  # another batch's run may be live
    assert ingest.read_staged(warehouse, "b1", "records").num_rows == 1


def test_load_staged_gives_whole_records_and_quarantined_files(tmp_path):
    raw, warehouse = tmp_path / "raw", tmp_path / "warehouse"
    (raw / "b1").mkdir(parents=True)
    (raw / "b1" / "v.txt").write_text(_page("Vivid lung study", "NCT09990004"), encoding="utf-8")
    (raw / "b1" / "q.bin").write_bytes(b"\x00\x01binary")
    (raw / "r.txt").write_text(_page("Rapid heart study", "NCT09990005"), encoding="utf-8")
    _stage(raw, warehouse)
    _stage(raw, warehouse, "root")
    parsed, quarantined = ingest.load_staged(warehouse, ["b1", "root"])
    assert [p.raw_path for p in parsed] == ["b1/v.txt", "r.txt"]
    assert parsed[0].record.title == "Vivid lung study" and parsed[0].record_id.startswith("R")
    assert parsed[0].record.identifiers[0].value == "NCT09990004"
    assert [(q.raw_path, q.reason) for q in quarantined] == [("b1/q.bin", "binary")]


def test_staged_records_round_trip_to_the_parsed_record(tmp_path):
    """Every field of a parsed record survives staging as typed Arrow columns."""
    from parsers.intake import process_file

    raw, warehouse = tmp_path / "raw", tmp_path / "warehouse"
    (raw / "b1").mkdir(parents=True)
    repo_raw = Path(__file__).resolve().parents[2] / "raw"
    for path in sorted(repo_raw.iterdir()):
        (raw / "b1" / path.name).write_bytes(path.read_bytes())
    _stage(raw, warehouse)
    parsed, _ = ingest.load_staged(warehouse, ["b1"])
    assert len(parsed) == len(list(repo_raw.iterdir()))
    for p in parsed:
        assert p.record == process_file(raw / p.raw_path, raw).record, p.raw_path


def _tables_by_path(chunks) -> dict[str, list]:
    import pyarrow as pa

    files = pa.concat_tables([c["files"] for c in chunks]).to_pylist()
    quarantine = pa.concat_tables([c["quarantine"] for c in chunks]).to_pylist()
    return {"files": sorted(files, key=lambda r: r["raw_path"]), "quarantine": sorted(quarantine, key=lambda r: r["raw_path"])}


def test_bulk_intake_across_processes_matches_inline(tmp_path):
    from pipelines.staging.pool import intake_tables

    raw = tmp_path / "raw"
    (raw / "b").mkdir(parents=True)
    for i in range(ingest.MIN_FILES_FOR_POOL + 6):
        (raw / "b" / f"{i:03d}.txt").write_text("" if i % 2 else f"not a trial page {i}\n", encoding="utf-8")
    files = ingest.scan_batches(raw)["b"].files
    pooled = _tables_by_path(list(intake_tables(files, raw, 5_000_000, workers=2)))
    inline = _tables_by_path(list(intake_tables(files, raw, 5_000_000, workers=1)))
    assert pooled == inline
    assert [r["raw_path"] for r in pooled["files"]] == sorted(f"b/{i:03d}.txt" for i in range(len(files)))
    assert len(pooled["quarantine"]) == len(files)


def test_staged_tables_are_written_in_row_groups_of_many_chunks(tmp_path, monkeypatch):
    """Chunks of 64 files arrive one by one; a row group holds many of them (up to its row or
    byte bound), in arrival order, and nothing is lost at close."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from pipelines.staging.store import _RowGroupWriter

    schema = pa.schema([pa.field("raw_path", pa.string()), pa.field("size", pa.int64())])
    chunks = [pa.table({"raw_path": [f"b/{c}-{i}" for i in range(300)], "size": list(range(300))})
              for c in range(10)]
    monkeypatch.setattr(_RowGroupWriter, "ROW_GROUP_ROWS", 1000)
    writer = _RowGroupWriter(tmp_path / "rows.parquet", schema)
    for chunk in [*chunks, chunks[0].slice(0, 0)]:
        writer.write(chunk)
    writer.close()
    written = pq.ParquetFile(tmp_path / "rows.parquet")
    assert [written.metadata.row_group(i).num_rows for i in range(written.num_row_groups)] == [1200, 1200, 600]
    assert written.read() == pa.concat_tables(chunks).cast(schema)
    # a row group also ends at its byte bound (a `records` row holds a whole page)
    monkeypatch.setattr(_RowGroupWriter, "ROW_GROUP_BYTES", chunks[0].nbytes * 2)
    writer = _RowGroupWriter(tmp_path / "bytes.parquet", schema)
    for chunk in chunks:
        writer.write(chunk)
    writer.close()
    assert pq.ParquetFile(tmp_path / "bytes.parquet").num_row_groups == 5


def _worker_pid_chunk(paths, raw_root, max_bytes):
    """Stand-in worker body: which process parsed each file."""
    import os as _os

    import pyarrow as _pa

    return {"files": _pa.table({"pid": [_os.getpid()] * len(paths)})}


def _pool_raw(tmp_path: Path) -> tuple[Path, tuple[Path, ...]]:
    raw = tmp_path / "raw"
    (raw / "b").mkdir(parents=True)
    for i in range(ingest.MIN_FILES_FOR_POOL * 2):
        (raw / "b" / f"{i:03d}.txt").write_text("x", encoding="utf-8")
    return raw, ingest.scan_batches(raw)["b"].files


def _worker_pids(raw: Path, files) -> set[int]:
    from pipelines.staging.pool import intake_tables

    chunks = intake_tables(files, raw, 5_000_000, workers=2, chunk_fn=_worker_pid_chunk)
    return {pid for tables in chunks for pid in tables["files"].column("pid").to_pylist()}


def test_intake_workers_serve_every_batch_inside_shared_workers_only(tmp_path):
    import multiprocessing

    raw, files = _pool_raw(tmp_path)
    with ingest.shared_workers():
        first = _worker_pids(raw, files)
        assert len(first) == 2 and os.getpid() not in first
        assert _worker_pids(raw, files) <= first  # the next batch: the same processes
    assert multiprocessing.active_children() == []  # stopped with the block
    alone = _worker_pids(raw, files)
    assert not alone & first and multiprocessing.active_children() == []  # outside: stopped after each intake


def test_start_workers_starts_the_pool_the_next_intake_uses_only_inside_shared_workers(tmp_path):
    import multiprocessing

    raw, files = _pool_raw(tmp_path)
    ingest.start_workers(2)  # outside the block: the pool would only be stopped again
    assert multiprocessing.active_children() == []
    with ingest.shared_workers():
        ingest.start_workers(2)  # returns at once: a thread starts them
        deadline = time.monotonic() + 60
        while len(multiprocessing.active_children()) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        started = {p.pid for p in multiprocessing.active_children()}
        assert len(started) == 2  # both workers run before any intake asks for them
        used = _worker_pids(raw, files)
        assert len(used) == 2 and used <= started  # the intake parses in the processes started early
    assert multiprocessing.active_children() == []


def test_a_listing_handed_over_is_what_scan_raw_paths_returns_inside_the_block_only(tmp_path):
    raw = tmp_path / "raw"
    (raw / "b").mkdir(parents=True)
    (raw / "b" / "page.txt").write_text("x", encoding="utf-8")
    handed = {"b": ["b/page.txt", "b/gone.txt"]}
    with ingest.listing_handed_over(raw / "b" / "..", handed):  # the same directory, spelled otherwise
        assert ingest.scan_raw_paths(raw) is handed
    assert ingest.scan_raw_paths(raw) == {"b": ["b/page.txt"]}


def _fails() -> None:
    raise OSError("no such warehouse")


def test_start_workers_makes_the_callers_small_calls_in_the_workers_and_relays_failures():
    import multiprocessing

    assert ingest.start_workers(2, also=[(os.getpid, ())]) is None  # no pool outside the block: the caller calls
    with ingest.shared_workers():
        pid, failed = ingest.start_workers(2, also=[(os.getpid, ()), (_fails, ())])
        worker_pid = pid.result(timeout=60)
        assert worker_pid in {p.pid for p in multiprocessing.active_children()} and worker_pid != os.getpid()
        with pytest.raises(OSError, match="no such warehouse"):
            failed.result(timeout=60)
    assert multiprocessing.active_children() == []


def _intake_in_child(raw: str) -> None:
    raw_root = Path(raw)
    _worker_pids(raw_root, ingest.scan_batches(raw_root)["b"].files)


def test_a_process_that_ran_an_intake_exits(tmp_path):
    """A Dagster step process (a multiprocessing child) that ran an intake must be able to exit:
    multiprocessing joins a child's live children before exit hooks could stop them."""
    from tests.child_process import exit_code_in_child

    raw, _ = _pool_raw(tmp_path)
    assert exit_code_in_child(_intake_in_child, str(raw), timeout=120) == 0


def _dies_on_crash_files(paths, raw_root, max_bytes):
    """Stand-in worker body: a file named crash* kills its process like a segfaulting parser would."""
    import os as _os

    from pipelines.staging.pool import intake_chunk

    if any(Path(p).name.startswith("crash") for p in paths):
        _os._exit(1)
    return intake_chunk(paths, raw_root, max_bytes)


@pytest.mark.parametrize("prefix", ["", "page"], ids=["last file", "first file"])
def test_a_file_that_kills_its_worker_is_quarantined_not_fatal(tmp_path, prefix):
    """Last or first in the batch: chunks still to be sent when a worker dies are parsed too."""
    from pipelines.staging.pool import intake_tables

    raw = tmp_path / "raw"
    (raw / "b").mkdir(parents=True)
    crash_name = "crash.txt"
    names = [f"{prefix}{i:03d}.txt" for i in range(ingest.MIN_FILES_FOR_POOL * 2)] + [crash_name]
    for name in names:
        (raw / "b" / name).write_text(f"not a trial page {name}\n", encoding="utf-8")
    files = ingest.scan_batches(raw)["b"].files
    got = _tables_by_path(list(intake_tables(files, raw, 5_000_000, workers=2, chunk_fn=_dies_on_crash_files)))
    assert [r["raw_path"] for r in got["files"]] == sorted(f"b/{n}" for n in names)
    crashed = [r for r in got["quarantine"] if r["raw_path"] == f"b/{crash_name}"]
    assert crashed[0]["reason"] == ingest.INTERNAL_ERROR and "died" in crashed[0]["detail"]
    assert all(r["reason"] != ingest.INTERNAL_ERROR for r in got["quarantine"] if r["raw_path"] != f"b/{crash_name}")


def _hangs_on_hang_files(paths, raw_root, max_bytes):
    """Stand-in worker body: a file named hang* runs code the ordinary limit cannot interrupt (its
    SIGALRM is ignored here, as it is in effect inside libxml2 or compiled code), under a 0.1 s limit."""
    import signal as _signal

    from parsers import deadline
    from pipelines.staging.pool import intake_chunk

    if any(Path(p).name.startswith("hang") for p in paths):
        _signal.signal(_signal.SIGALRM, _signal.SIG_IGN)
        with deadline.time_limit(0.1):
            while True:
                pass
    return intake_chunk(paths, raw_root, max_bytes)


def test_a_file_the_limit_cannot_interrupt_is_stopped_and_quarantined_as_timeout(tmp_path):
    """The hard stop (parsers.deadline) ends the worker; the pool finds the file and goes on."""
    from pipelines.staging.pool import intake_tables

    raw = tmp_path / "raw"
    (raw / "b").mkdir(parents=True)
    names = [f"{i:03d}.txt" for i in range(ingest.MIN_FILES_FOR_POOL * 2)]
    names.insert(70, "hang.txt")
    for name in names:
        (raw / "b" / name).write_text(f"not a trial page {name}\n", encoding="utf-8")
    files = ingest.scan_batches(raw)["b"].files
    got = _tables_by_path(list(intake_tables(files, raw, 5_000_000, workers=2, chunk_fn=_hangs_on_hang_files)))
    assert [r["raw_path"] for r in got["files"]] == sorted(f"b/{n}" for n in names)
    hung = [r for r in got["quarantine"] if r["raw_path"] == "b/hang.txt"]
    assert hung[0]["reason"] == "timeout" and "SIGPROF" in hung[0]["detail"], hung
    others = [r for r in got["quarantine"] if r["raw_path"] != "b/hang.txt"]
    assert len(others) == len(names) - 1 and {r["reason"] for r in others} == {"unknown_layout"}


def test_why_an_isolated_process_died_is_told_by_its_signal_and_its_time():
    from parsers.deadline import HARD_STOP_SIGNAL
    from pipelines.staging.isolated import _why_it_died

    reason, detail = _why_it_died(-HARD_STOP_SIGNAL, 46.0)
    assert reason == "timeout" and "SIGPROF" in detail
    reason, detail = _why_it_died(-9, 0.5)  # an OOM kill, say
    assert reason == ingest.INTERNAL_ERROR and "SIGKILL" in detail
    assert _why_it_died(1, 31.0)[0] == "timeout"  # past the 30 s limit, however it ended
    assert _why_it_died(1, 2.0) == (ingest.INTERNAL_ERROR, "intake process died on this file (exit code 1) after 2.0 s")
    assert "signal 200" in _why_it_died(-200, 1.0)[1]


def _v2(nct: str) -> str:
    return json.dumps({"protocolSection": {"identificationModule": {"nctId": nct, "briefTitle": f"Trial {nct}"}}})


def test_jsonl_with_one_bad_line_quarantines_exactly_that_line_in_the_warehouse(tmp_path):
    import pyarrow.parquet as pq

    from pipelines.warehouse.build import record_id_for
    from pipelines.warehouse.engine import build_snapshot

    raw, wh = tmp_path / "raw", tmp_path / "wh"
    (raw / "b1").mkdir(parents=True)
    lines = [_v2("NCT01111111"), '{"protocolSection": {"identificationModule": {"nctId": "NCT0', _v2("NCT02222222")]
    (raw / "b1" / "studies.jsonl").write_text("\n".join(lines) + "\n")
    (raw / "b1" / "one.json").write_text(_v2("NCT03333333"))
    batch = ingest.scan_batches(raw)["b1"]
    summary = ingest.ingest_batch(raw, wh, batch, max_bytes=1_000_000, workers=1)
    assert (summary.files, summary.by_source, summary.quarantined) == (2, {"ctgov_json": 3}, {"malformed_json": 1})
    result = build_snapshot(wh, ["b1"], ["b1/one.json", "b1/studies.jsonl"])  # the accounting check passes
    quarantine = pq.read_table(result.snapshot / "quarantine.parquet").to_pylist()
    assert [(q["raw_path"], q["record_key"], q["reason"]) for q in quarantine] == [
        ("b1/studies.jsonl", "line-2", "malformed_json")]
    records = sorted((r["raw_path"], r["record_key"], r["record_id"], r["trial_id"])
                     for r in pq.read_table(result.snapshot / "source_records.parquet").to_pylist())
    assert records == [
        ("b1/one.json", None, record_id_for("b1/one.json"), "NCT03333333"),
        ("b1/studies.jsonl", "NCT01111111", record_id_for("b1/studies.jsonl#NCT01111111"), "NCT01111111"),
        ("b1/studies.jsonl", "NCT02222222", record_id_for("b1/studies.jsonl#NCT02222222"), "NCT02222222"),
    ]
