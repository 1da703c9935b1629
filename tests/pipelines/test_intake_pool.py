"""The intake pool's traffic. Read-ahead: the workers start on the next batch's first chunks while
the step between two batches runs; the next intake uses those results only when they are its own
and fresh. Transport: a chunk's tables come back from a worker as Arrow IPC bytes."""
from __future__ import annotations

import os
from pathlib import Path

from pipelines import ingest
from pipelines.staging import pool
from pipelines.staging.transport import from_transport


def _counting_chunk(paths, raw_root, max_bytes):
    """Stand-in worker body: a `files` table as file_result makes it (size, mtime at the read), and
    one line per parsed file in <raw_root>/../parsed.log (what was parsed, how often)."""
    import os as _os

    import pyarrow as _pa

    stats = [_os.lstat(p) for p in paths]
    with open(_os.path.join(raw_root, "..", "parsed.log"), "a", encoding="utf-8") as log:
        log.writelines(f"{p}\n" for p in paths)
    return {"files": _pa.table({"raw_path": list(paths), "size": [s.st_size for s in stats],
                                "mtime_ns": [s.st_mtime_ns for s in stats]})}


def _batches(tmp_path: Path, names: tuple[str, ...], files: int = 300) -> tuple[Path, dict[str, list[Path]]]:
    raw = tmp_path / "raw"
    for name in names:
        (raw / name).mkdir(parents=True)
        for i in range(files):
            (raw / name / f"{i:04d}.txt").write_text(f"{name} {i}\n", encoding="utf-8")
    return raw, {key: list(batch.files) for key, batch in ingest.scan_batches(raw).items()}


def _intake(raw: Path, files: list[Path]) -> list[dict]:
    rows = []
    for tables in pool.intake_tables(files, raw, 5_000_000, workers=2, chunk_fn=_counting_chunk):
        rows += tables["files"].to_pylist()
    return rows


def _parsed(raw: Path) -> list[str]:
    return (raw.parent / "parsed.log").read_text(encoding="utf-8").splitlines()


def test_the_next_intake_takes_the_chunks_read_ahead_and_parses_each_file_once(tmp_path):
    raw, batches = _batches(tmp_path, ("a", "b"))
    with ingest.shared_workers():
        pool.expect_next_intake(lambda: batches["b"], raw, 5_000_000, workers=2)
        first = _intake(raw, batches["a"])
        ahead = [path for paths, _ in pool._AHEAD[0][1] for path in paths]  # b's first chunks went out
        assert ahead == [str(p) for p in batches["b"][:len(ahead)]] and len(ahead) >= 64
        second = _intake(raw, batches["b"])
    assert [r["raw_path"] for r in first] == [str(p) for p in batches["a"]]
    assert [r["raw_path"] for r in second] == [str(p) for p in batches["b"]]  # whole, in order
    parsed = _parsed(raw)
    assert sorted(parsed) == sorted(str(p) for p in batches["a"] + batches["b"])  # none twice


def test_a_file_changed_after_it_was_read_ahead_is_parsed_again(tmp_path):
    raw, batches = _batches(tmp_path, ("a", "b"))
    changed = batches["b"][3]
    with ingest.shared_workers():
        pool.expect_next_intake(lambda: batches["b"], raw, 5_000_000, workers=2)
        _intake(raw, batches["a"])
        for _, future in pool._AHEAD[0][1]:
            future.result()  # read ahead: b's first chunks are parsed
        changed.write_text("b 3, edited after it was read\n", encoding="utf-8")
        second = _intake(raw, batches["b"])
    row = next(r for r in second if r["raw_path"] == str(changed))
    assert row["size"] == changed.stat().st_size and row["mtime_ns"] == changed.stat().st_mtime_ns
    assert _parsed(raw).count(str(changed)) == 2
    assert len(second) == len(batches["b"]) and len({r["raw_path"] for r in second}) == len(second)


def test_chunks_read_ahead_for_other_files_are_not_used(tmp_path):
    raw, batches = _batches(tmp_path, ("a", "b", "c"))
    with ingest.shared_workers():
        pool.expect_next_intake(lambda: batches["b"], raw, 5_000_000, workers=2)
        _intake(raw, batches["a"])
        third = _intake(raw, batches["c"])  # not the intake announced
        assert pool._AHEAD == []  # dropped, not kept for a later intake
    assert [r["raw_path"] for r in third] == [str(p) for p in batches["c"]]


def test_a_read_ahead_that_fails_costs_the_current_intake_nothing(tmp_path):
    raw, batches = _batches(tmp_path, ("a", "b"))

    def broken_listing():
        raise OSError("raw/b vanished")

    with ingest.shared_workers():
        pool.expect_next_intake(broken_listing, raw, 5_000_000, workers=2)
        first = _intake(raw, batches["a"])
        assert pool._AHEAD == []
        second = _intake(raw, batches["b"])
    assert [r["raw_path"] for r in first] == [str(p) for p in batches["a"]]
    assert [r["raw_path"] for r in second] == [str(p) for p in batches["b"]]


def test_no_read_ahead_outside_shared_workers_or_when_none_is_expected(tmp_path):
    raw, batches = _batches(tmp_path, ("a", "b"))
    pool.expect_next_intake(lambda: batches["b"], raw, 5_000_000, workers=2)
    _intake(raw, batches["a"])
    assert pool._AHEAD == [] and pool._NEXT == []
    with ingest.shared_workers():
        pool.expect_next_intake(lambda: batches["b"], raw, 5_000_000, workers=2)
        pool.expect_next_intake(None, raw, 5_000_000, workers=2)
        _intake(raw, batches["a"])
        assert pool._AHEAD == []
    assert sorted(_parsed(raw)) == sorted(str(p) for p in batches["a"] * 2)


def test_batch_files_are_the_files_scan_batch_gives(tmp_path):
    raw = tmp_path / "raw"
    for rel in ("b/x.txt", "b/sub/a.txt", "b/sub-2/c.txt", "b/A.txt", "b/sub/deeper/z.txt", "top.txt"):
        (raw / rel).parent.mkdir(parents=True, exist_ok=True)
        (raw / rel).write_text("x", encoding="utf-8")
    for key, paths in ingest.scan_raw_paths(raw).items():
        assert ingest.batch_files(raw, paths) == list(ingest.scan_batch(raw, key).files)


def test_a_cli_ingest_of_new_batches_reads_each_one_ahead_and_stages_every_file(tmp_path, monkeypatch):
    """Two new batches through the CLI: the first batch's chunks are taken from the read-ahead the
    workers begin as they start (before Dagster is imported), the second's first chunks from the
    read-ahead after the first batch's intake; both batches are staged whole."""
    from pipelines.cli import main

    adopted: list[int] = []
    adopt = pool._adopt_read_ahead

    def counting(key, chunks):
        taken = adopt(key, chunks)
        adopted.append(len(taken))
        return taken

    monkeypatch.setattr(pool, "_adopt_read_ahead", counting)
    samples = sorted(p for p in (Path(__file__).parents[2] / "raw").iterdir() if p.is_file())
    raw = tmp_path / "raw"
    for batch in ("2026-01-01", "2026-01-02"):
        (raw / batch).mkdir(parents=True)
        for i in range(ingest.MIN_FILES_FOR_POOL + 10):
            sample = samples[i % len(samples)]
            (raw / batch / f"{i:03d}_{sample.name}").write_bytes(sample.read_bytes())
    warehouse = tmp_path / "warehouse"
    assert main(["ingest", "--raw", str(raw), "--warehouse", str(warehouse), "--workers", "2"]) == 0
    first_chunks = len(list(pool._chunks(sorted((raw / "2026-01-01").iterdir()),
                                         pool._chunk_size(ingest.MIN_FILES_FOR_POOL + 10, 2))))
    assert adopted[0] == first_chunks <= pool.STARTUP_READ_AHEAD_CHUNKS  # all of it read ahead at startup
    assert adopted[1] > 0
    for batch in ("2026-01-01", "2026-01-02"):
        staged = ingest.read_staged(warehouse, batch, "files", ["raw_path"]).column(0).to_pylist()
        assert sorted(staged) == sorted(f"{batch}/{p.name}" for p in (raw / batch).iterdir())
    assert os.listdir(raw)  # untouched


def test_worker_chunks_cross_the_pipe_as_arrow_ipc_and_come_back_equal(tmp_path, monkeypatch):
    """Intake workers send Arrow IPC bytes (not pickled tables); the parent reads back exactly the
    tables stage_files makes, nested record columns included."""
    from pipelines.staging.rows import stage_files

    samples = sorted(p for p in (Path(__file__).parents[2] / "raw").iterdir() if p.is_file())
    raw = tmp_path / "raw"
    raw.mkdir()
    for sample in samples:
        (raw / sample.name).write_bytes(sample.read_bytes())
    paths = sorted(str(p) for p in raw.iterdir())
    monkeypatch.setattr(pool, "_IN_WORKER", [True])  # as the pool's initializer marks a worker
    monkeypatch.setattr(pool, "settle_heap", lambda: None)  # not this test process's heap
    sent = pool.intake_chunk(paths, str(raw), 5_000_000)
    assert sent and all(isinstance(value, bytes) for value in sent.values())
    expected = stage_files(paths, str(raw), 5_000_000)
    received = from_transport(sent)
    assert received.keys() == expected.keys() and received["records"].num_rows == len(samples)
    for name, table in expected.items():
        assert received[name].equals(table), name
