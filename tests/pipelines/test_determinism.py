"""Two ingests of the same raw folder give byte-identical Parquet (issue 5), whatever the
worker count and the order the files were written in."""
from __future__ import annotations

import shutil
from pathlib import Path

from pipelines import cli
from pipelines.ingest import MIN_FILES_FOR_POOL
from pipelines.warehouse import TABLES
from tests.pipelines.test_assets import write_invented_raw

REPO_RAW = Path(__file__).resolve().parents[2] / "raw"


def _raw_folder(root: Path, reverse: bool) -> Path:
    """The invented test pages plus a batch holding enough copies of the repo's sample pages
    for the process pool to run, copied in forward or reverse order so file creation order
    differs between the two folders."""
    raw = root / "raw"
    write_invented_raw(raw)
    samples = sorted(REPO_RAW.iterdir())
    copies = [(n, path) for n in range(MIN_FILES_FOR_POOL // len(samples) + 1) for path in samples]
    (raw / "samples").mkdir(parents=True)
    for n, path in (reversed(copies) if reverse else copies):
        shutil.copyfile(path, raw / "samples" / f"{n:02d}_{path.name}")
    return raw


def _tables(warehouse: Path) -> dict[str, bytes]:
    current = warehouse / "current"
    return {p.name: p.read_bytes() for p in sorted(current.glob("*.parquet"))}


def test_two_ingests_are_byte_identical(tmp_path, monkeypatch):
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    first = cli.run_ingest(_raw_folder(tmp_path / "a", reverse=False), tmp_path / "a" / "wh", workers=1)
    second = cli.run_ingest(_raw_folder(tmp_path / "b", reverse=True), tmp_path / "b" / "wh", workers=2)
    assert first.exit_code == second.exit_code == cli.EXIT_OK, (first.error, second.error)

    a, b = _tables(tmp_path / "a" / "wh"), _tables(tmp_path / "b" / "wh")
    assert len(a) == len(TABLES) and a.keys() == b.keys()
    differing = sorted(name for name in a if a[name] != b[name])
    assert not differing, f"tables differ between two ingests of the same files: {differing}"
    # the snapshot is named by its content, so the same files give the same snapshot id
    assert Path(first.snapshot).name == Path(second.snapshot).name
    assert first.trials >= 5 and first.merged_trials >= 2
    assert first.files_by_source == second.files_by_source
    assert sum(first.files_by_source.values()) > MIN_FILES_FOR_POOL
