"""The compiled parser modules (tools/build_compiled.py, pipelines.staging.compiled): used only
while they match the sources, only in the intake workers, and they stage exactly what the Python
source stages; a file whose compiled parse met an exception is parsed again from the source."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pytest

from parsers.record import RecordOutcome, SourceRecord
from pipelines.staging import compiled
from pipelines.staging.rows import INTERNAL_ERROR, SET_ASIDE, FileResult, stage_files
from pipelines.staging.transport import doubtful_when_compiled
from tests.conftest import load_v2_study

ROOT = Path(__file__).resolve().parents[2]


def _needs_build() -> None:
    if os.environ.get(compiled.PURE_PYTHON_ENV) == "1":
        pytest.skip(f"{compiled.PURE_PYTHON_ENV}=1: the compiled build is turned off")
    if compiled.fresh_build() is None:
        reason = "no compiled build of the current sources in this venv: `make` builds it (mypy, a C compiler)"
        (pytest.fail if os.environ.get("TRIALBRIDGE_REQUIRE_COMPILED") == "1" else pytest.skip)(reason)


def _write_build(target: Path, digest: str | None = None) -> Path:
    (target / "lines.so").write_bytes(b"")
    digest = digest or compiled.source_hash(compiled.source_path("parsers.lines"))
    manifest = {"modules": {"parsers.lines": {"so": "lines.so", "sha256": digest}}, "runtime": {}}
    (target / compiled.MANIFEST_NAME).write_text(json.dumps(manifest), encoding="utf-8")
    return target


def test_a_build_is_used_only_while_every_module_matches_its_source(tmp_path):
    assert compiled.fresh_build(_write_build(tmp_path)) == {"parsers.lines": tmp_path / "lines.so"}
    assert compiled.fresh_build(_write_build(tmp_path, digest="0" * 64)) is None  # the source was edited since
    _write_build(tmp_path)
    (tmp_path / "lines.so").unlink()
    assert compiled.fresh_build(tmp_path) is None  # a module is missing
    (tmp_path / compiled.MANIFEST_NAME).write_text("{", encoding="utf-8")
    assert compiled.fresh_build(tmp_path) is None  # an unreadable manifest


def _module_files_in_child(code: str, **env: str) -> list[str]:
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120,
                         env={**os.environ, **env}, check=True).stdout
    return out.split()


USE_THEN_IMPORT = ("from pipelines.staging.compiled import use_compiled; on = use_compiled(); "
                   "import parsers.lines, parsers.sources.veeva as v; print(on, parsers.lines.__file__, v.__file__)")


def test_a_process_that_asks_first_imports_the_build_and_others_the_source():
    _needs_build()
    on, lines, veeva = _module_files_in_child(USE_THEN_IMPORT)
    assert on == "True" and lines.endswith(".so") and veeva.endswith(".so")
    on, lines, veeva = _module_files_in_child(USE_THEN_IMPORT, TRIALBRIDGE_PURE_PYTHON="1")
    assert on == "False" and lines.endswith(".py") and veeva.endswith(".py")
    on, lines, _ = _module_files_in_child("import parsers.lines; " + USE_THEN_IMPORT)  # too late to switch
    assert on == "False" and lines.endswith(".py")


def test_this_process_runs_the_python_source():
    import parsers.lines

    assert parsers.lines.__file__.endswith(".py") and not compiled.compiled_in_use()


def _parser_module_files() -> tuple[str, str]:
    import parsers.identifiers
    import parsers.normalize.text

    return parsers.identifiers.__file__, parsers.normalize.text.__file__


def _pools_in_child() -> None:
    """Exit 0 when the intake workers run the build and a pool of the same forkserver started
    after them (as the snapshot step's resolve workers and chart helpers are) runs the source."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    from pipelines.staging import pool

    with pool.shared_workers():
        intake = pool._submit(2, _parser_module_files).result()
        with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("forkserver")) as other:
            resolving = other.submit(_parser_module_files).result()
    sys.exit(0 if all(f.endswith(".so") for f in intake) and all(f.endswith(".py") for f in resolving) else 3)


def test_only_the_intake_workers_of_the_shared_forkserver_run_the_build():
    _needs_build()
    from tests.child_process import exit_code_in_child

    assert exit_code_in_child(_pools_in_child, timeout=120) == 0


def _outcome(warnings: list[str] | None = None, reason: str | None = None) -> RecordOutcome:
    record = SourceRecord(source="veeva", parser_version="1")
    record.warnings.extend(warnings or [])
    return RecordOutcome(None, None if reason else record, reason, "")


def test_a_parse_that_met_an_exception_is_doubtful():
    result = lambda *outcomes: FileResult("b/x.txt", 1, 1, "0" * 64, "veeva", list(outcomes))  # noqa: E731
    assert doubtful_when_compiled(result(_outcome(["section_error: Arms: TypeError: str object expected"])))
    assert doubtful_when_compiled(result(_outcome(reason=INTERNAL_ERROR)))
    assert not doubtful_when_compiled(result(_outcome(["unused_lines: top n=2"])))
    assert not doubtful_when_compiled(result(_outcome(reason="unknown_layout")))


def _sets_aside_sick_files(paths, raw_root, max_bytes):
    """Stand-in worker body: files named sick* are set aside as a doubtful compiled parse would be."""
    from pipelines.staging.transport import to_ipc

    tables = stage_files(paths, raw_root, max_bytes, set_aside=lambda r: Path(r.raw_path).name.startswith("sick"))
    return {name: to_ipc(table) for name, table in tables.items()}


def test_files_a_worker_sets_aside_are_staged_from_the_source_by_the_parent(tmp_path):
    from pipelines import ingest
    from pipelines.staging.pool import intake_tables

    raw = tmp_path / "raw"
    (raw / "b").mkdir(parents=True)
    names = [f"{i:03d}.txt" for i in range(ingest.MIN_FILES_FOR_POOL * 2)] + ["sick1.txt", "sick2.txt"]
    for name in names:
        (raw / "b" / name).write_text(f"not a trial page {name}\n", encoding="utf-8")
    only = stage_files([str(raw / "b" / "sick1.txt"), str(raw / "b" / "000.txt")], str(raw), 5_000_000,
                       set_aside=lambda r: "sick" in r.raw_path)
    assert only[SET_ASIDE].column("path").to_pylist() == [str(raw / "b" / "sick1.txt")]
    assert only["files"].column("raw_path").to_pylist() == ["b/000.txt"]
    chunks = list(intake_tables(ingest.scan_batches(raw)["b"].files, raw, 5_000_000, workers=2,
                                chunk_fn=_sets_aside_sick_files))
    assert all(SET_ASIDE not in chunk for chunk in chunks)
    staged = sorted(pa.concat_tables([c["files"] for c in chunks]).column("raw_path").to_pylist())
    assert staged == sorted(f"b/{n}" for n in names)
    assert pa.concat_tables([c["quarantine"] for c in chunks]).num_rows == len(names)  # none lost, none twice


def _sorted_rows(rows: list[dict]) -> list[dict]:
    return sorted(rows, key=lambda r: json.dumps(r, sort_keys=True, default=str))


def _tables(chunks: list[dict[str, pa.Table]]) -> dict[str, list]:
    return {name: _sorted_rows(pa.concat_tables([c[name] for c in chunks]).to_pylist()) for name in chunks[0]}


def _pooled_in_child(raw: str, work: str) -> None:
    """Intake across 2 worker processes; each table to work/pooled/NAME.arrow; exit 3 when the
    workers did not run the compiled build."""
    from pipelines.staging import pool

    files = [Path(line) for line in Path(work, "files.txt").read_text(encoding="utf-8").splitlines()]
    with pool.shared_workers():
        chunks = list(pool.intake_tables(files, Path(raw), 5_000_000, workers=2))
        workers_compiled = pool._submit(2, compiled.compiled_in_use).result()
    Path(work, "pooled").mkdir()
    for name in chunks[0]:
        table = pa.concat_tables([c[name] for c in chunks])
        with pa.ipc.new_file(Path(work, "pooled", f"{name}.arrow"), table.schema) as writer:
            writer.write_table(table)
    sys.exit(0 if workers_compiled else 3)


def test_compiled_workers_stage_exactly_what_the_python_source_stages(tmp_path, ctgov_v2_dir):
    """Real studies in every layout, as text and saved HTML, with CRLF, BOM and missing sections:
    the workers' tables (compiled) equal the parent's (the source), table by table, row by row."""
    _needs_build()
    from pipelines.staging.pool import intake_tables
    from tests.render.variants import LAYOUTS, variants_for, with_long_lists

    paths = sorted(ctgov_v2_dir.glob("*.json"))
    studies = [load_v2_study(p) for p in paths[::6]]
    studies[0] = with_long_lists(studies[0])
    raw = tmp_path / "raw"
    (raw / "b").mkdir(parents=True)
    files = []
    for i, study in enumerate(studies):
        for layout in LAYOUTS:
            for k, (variant, text) in enumerate(variants_for(layout, study)):
                path = raw / "b" / f"{i:03d}_{layout}_{k}.{'html' if variant.html else 'txt'}"
                path.write_text(text, encoding="utf-8", newline="")
                files.append(path)
    files.sort()
    assert len(files) > 400
    from tests.child_process import exit_code_in_child

    # a fresh process, as a run is: its workers' forkserver is its own (one started by another
    # test of this pytest worker may have imported the parsers from source)
    (tmp_path / "files.txt").write_text("\n".join(map(str, files)), encoding="utf-8")
    assert exit_code_in_child(_pooled_in_child, str(raw), str(tmp_path), timeout=300) == 0
    pooled = {path.stem: _sorted_rows(pa.ipc.open_file(path).read_all().to_pylist())
              for path in (tmp_path / "pooled").glob("*.arrow")}
    inline = _tables(list(intake_tables(files, raw, 5_000_000, workers=1)))
    assert pooled.keys() == inline.keys()
    for name in inline:
        assert pooled[name] == inline[name], name
    assert len(pooled["records"]) == len(files)  # every page parsed, none quarantined
