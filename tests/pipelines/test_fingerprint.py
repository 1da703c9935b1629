"""The staging fingerprint covers every project function that decides a staged row, and no more:
staged rows made by other code are parsed again, and a change elsewhere costs no re-parse."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

from pipelines import fingerprint
from tests.conftest import REPO_ROOT, shared_path

# Runs the staging code on the files of a folder and prints the source files of every function it
# called, except the class bodies and comprehensions a module runs as it is imported (defining a
# class decides no row; its methods, when staging runs them, are calls of their own).
_CALLED = """
import json, sys
from pathlib import Path
called = set()

def record(frame, event, arg):
    if event == "call" and frame.f_code.co_name != "<module>" and (
            frame.f_back is None or frame.f_back.f_code.co_name != "<module>"):
        called.add(frame.f_code.co_filename)

sys.setprofile(record)
from pipelines.staging.rows import stage_files
root = Path(sys.argv[1])
tables = stage_files(sorted(str(p) for p in root.iterdir()), str(root), 50_000_000)
sys.setprofile(None)
print(json.dumps({"called": sorted(called), "records": tables["records"].num_rows,
                  "quarantined": tables["quarantine"].num_rows}))
"""


def _sample_files(tmp_path: Path) -> Path:
    """Every kind of input intake meets: each page layout, each registry export, and bad files."""
    folder = tmp_path / "raw"
    folder.mkdir()
    for page in (REPO_ROOT / "raw").iterdir():
        if page.is_file():
            shutil.copy(page, folder / page.name)
    for kind in ("ctgov_v2", "ctgov_xml", "euctr", "ictrp"):
        for path in sorted(shared_path("real", kind).iterdir())[:2]:
            if path.is_file() and path.stat().st_size < 5_000_000:
                shutil.copy(path, folder / f"{kind}_{path.name}")
    (folder / "binary.pdf").write_bytes(b"%PDF-1.4\x00\x01")
    (folder / "empty.txt").write_bytes(b"")
    (folder / "unknown.txt").write_text("Just a note\n\nnothing like a trial page\n", encoding="utf-8")
    return folder


def test_every_function_the_staging_code_calls_is_fingerprinted(tmp_path):
    folder = _sample_files(tmp_path)
    result = subprocess.run([sys.executable, "-c", _CALLED, str(folder)], cwd=REPO_ROOT, capture_output=True,
                            text=True, check=True, timeout=600)
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert seen["records"] > 10 and seen["quarantined"] >= 3  # pages, exports and bad files all went through
    files = [Path(f).resolve() for f in seen["called"] if Path(f).is_absolute()]  # not "<frozen os>"
    project = {f for f in files if f.is_relative_to(REPO_ROOT) and ".venv" not in f.parts}
    covered = {p.resolve() for p in fingerprint.covered_files(fingerprint._STAGING)}
    assert project - covered == set(), "staging code outside STAGING_FINGERPRINT: old staged rows would be kept"
    assert REPO_ROOT / "pipelines/staging/rows.py" in project and REPO_ROOT / "parsers/intake.py" in project


def test_the_intake_pool_and_the_store_are_not_fingerprinted():
    """They move and keep staged rows without deciding one: changing them re-parses nothing."""
    covered = {p.resolve() for p in fingerprint.covered_files(fingerprint._STAGING)}
    for module in ("pipelines/staging/pool.py", "pipelines/staging/store.py", "pipelines/staging/batches.py",
                   "pipelines/cli.py", "pipelines/warehouse/engine.py"):
        assert (REPO_ROOT / module).resolve() not in covered
    assert (REPO_ROOT / "pipelines/warehouse/engine.py").resolve() in {
        p.resolve() for p in fingerprint.covered_files(fingerprint._ENGINE)}
