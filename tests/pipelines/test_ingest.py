"""Orchestration glue: batch keys, bulk intake, staging, and the staged-record round trip."""
from __future__ import annotations

import json
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


def _outcome(path, source=None, record=None, reason=None):
    record_json = json.dumps(record.to_dict()) if record else None
    return ingest.StagedOutcome(path, "0" * 64, source, record_json, reason, "", tuple(record.warnings) if record else ())


def test_stage_batch_writes_sources_and_quarantine_and_replaces_whole(tmp_path):
    rec = SourceRecord(source="medpath", parser_version="t1", title="M")
    rec.warn("w", "1")
    summary = ingest.stage_batch(tmp_path, "b1", [_outcome("b1/m.txt", "medpath", rec),
                                                  _outcome("b1/e.txt", reason="empty_file")])
    assert summary.by_source == {"medpath": 1} and summary.quarantined == {"empty_file": 1} and summary.warnings == 1
    staged = ingest.load_staged_source(tmp_path, "b1", "medpath")
    assert staged.num_rows == 1 and staged.column("warnings").to_pylist() == [["w: 1"]]
    assert ingest.warning_codes(staged.column("warnings").to_pylist()) == {"w": 1}
    assert ingest.load_staged_source(tmp_path, "b1", "veeva").num_rows == 0
    assert ingest.load_staged_quarantine(tmp_path, "b1").column("reason").to_pylist() == ["empty_file"]

    ingest.stage_batch(tmp_path, "b1", [_outcome("b1/e.txt", reason="empty_file")])  # m.txt was deleted
    assert ingest.load_staged_source(tmp_path, "b1", "medpath").num_rows == 0
    leftovers = [p.name for p in ingest.staging_root(tmp_path).iterdir() if p.name.startswith(".")]
    assert leftovers == []


def test_staging_left_by_a_killed_run_is_removed_by_the_next_one(tmp_path):
    rec = SourceRecord(source="veeva", parser_version="t1", title="V")
    root = ingest.staging_root(tmp_path)
    # what a kill leaves: a half-written temp dir, and a replaced dir not yet removed
    for name in (".b1.tmp-dead", ".b1.old-dead", ".b2.tmp-other-batch"):
        (root / name).mkdir(parents=True)
        (root / name / "veeva.parquet").write_bytes(b"half")
    ingest.stage_batch(tmp_path, "b1", [_outcome("b1/v.txt", "veeva", rec)])
    assert sorted(p.name for p in root.iterdir()) == [".b2.tmp-other-batch", "b1"]  # another batch's run may be live
    assert ingest.load_staged_source(tmp_path, "b1", "veeva").num_rows == 1


def test_load_staged_gives_parsed_and_quarantined_files(tmp_path):
    rec = SourceRecord(source="veeva", parser_version="t1", title="V")
    ingest.stage_batch(tmp_path, "b1", [_outcome("b1/v.txt", "veeva", rec), _outcome("b1/q.bin", reason="binary")])
    ingest.stage_batch(tmp_path, "root", [_outcome("r.txt", "veeva", rec)])
    parsed, quarantined = ingest.load_staged(tmp_path, ["b1", "root"])
    assert [p.raw_path for p in parsed] == ["b1/v.txt", "r.txt"]
    assert parsed[0].record.title == "V" and parsed[0].record_id.startswith("R")
    assert [(q.raw_path, q.reason) for q in quarantined] == [("b1/q.bin", "binary")]


def test_bulk_intake_across_processes_matches_inline(tmp_path):
    raw = tmp_path / "raw"
    (raw / "b").mkdir(parents=True)
    for i in range(ingest.MIN_FILES_FOR_POOL + 6):
        (raw / "b" / f"{i:03d}.txt").write_text("" if i % 2 else f"not a trial page {i}\n", encoding="utf-8")
    files = ingest.scan_batches(raw)["b"].files
    pooled = ingest.intake_files(files, raw, 5_000_000, workers=2)
    inline = ingest.intake_files(files, raw, 5_000_000, workers=1)
    assert pooled == inline
    assert [o.raw_path for o in pooled] == sorted(f"b/{i:03d}.txt" for i in range(len(files)))
    assert all(o.record_json is None and o.reason for o in pooled)


def _dies_on_crash_files(paths, raw_root, max_bytes):
    """Stand-in worker body: a file named crash* kills its process like a segfaulting parser would."""
    import os as _os

    if any(Path(p).name.startswith("crash") for p in paths):
        _os._exit(1)
    return ingest._intake_chunk(paths, raw_root, max_bytes)


def test_a_file_that_kills_its_worker_is_quarantined_not_fatal(tmp_path):
    raw = tmp_path / "raw"
    (raw / "b").mkdir(parents=True)
    names = [f"{i:03d}.txt" for i in range(ingest.MIN_FILES_FOR_POOL)] + ["crash.txt"]
    for name in names:
        (raw / "b" / name).write_text(f"not a trial page {name}\n", encoding="utf-8")
    files = ingest.scan_batches(raw)["b"].files
    outcomes = ingest.intake_files(files, raw, 5_000_000, workers=2, chunk_fn=_dies_on_crash_files)
    assert [o.raw_path for o in outcomes] == sorted(f"b/{n}" for n in names)
    crashed = [o for o in outcomes if o.raw_path == "b/crash.txt"]
    assert crashed[0].reason == ingest.INTERNAL_ERROR and "died" in crashed[0].detail
    assert all(o.reason != ingest.INTERNAL_ERROR for o in outcomes if o.raw_path != "b/crash.txt")


def _v2(nct: str) -> str:
    return json.dumps({"protocolSection": {"identificationModule": {"nctId": nct, "briefTitle": f"Trial {nct}"}}})


def test_jsonl_with_one_bad_line_quarantines_exactly_that_line_in_the_warehouse(tmp_path):
    from pipelines.checks import check_raw_files_accounted
    from pipelines.warehouse.build import record_id_for
    from pipelines.warehouse.staged import build_staged_tables

    raw, wh = tmp_path / "raw", tmp_path / "wh"
    (raw / "b1").mkdir(parents=True)
    lines = [_v2("NCT01111111"), '{"protocolSection": {"identificationModule": {"nctId": "NCT0', _v2("NCT02222222")]
    (raw / "b1" / "studies.jsonl").write_text("\n".join(lines) + "\n")
    (raw / "b1" / "one.json").write_text(_v2("NCT03333333"))
    batch = ingest.scan_batches(raw)["b1"]
    summary = ingest.ingest_batch(raw, wh, batch, max_bytes=1_000_000, workers=1)
    assert (summary.files, summary.by_source, summary.quarantined) == (2, {"ctgov_json": 3}, {"malformed_json": 1})
    tables = build_staged_tables(wh, ["b1"])
    quarantine = tables["quarantine"].to_pylist()
    assert [(q["raw_path"], q["record_key"], q["reason"]) for q in quarantine] == [
        ("b1/studies.jsonl", "line-2", "malformed_json")]
    records = sorted((r["raw_path"], r["record_key"], r["record_id"], r["trial_id"])
                     for r in tables["source_records"].to_pylist())
    assert records == [
        ("b1/one.json", None, record_id_for("b1/one.json"), "NCT03333333"),
        ("b1/studies.jsonl", "NCT01111111", record_id_for("b1/studies.jsonl#NCT01111111"), "NCT01111111"),
        ("b1/studies.jsonl", "NCT02222222", record_id_for("b1/studies.jsonl#NCT02222222"), "NCT02222222"),
    ]
    paths = ["b1/one.json", "b1/studies.jsonl"]
    assert check_raw_files_accounted(paths, tables["source_records"], tables["quarantine"]).passed
