"""Compile the page parsers' hot modules to C with mypyc, for the intake workers (optional).

`make` runs this after installing. It writes the extension modules and a manifest into the
virtual environment (`.venv/trialbridge-compiled/`: built for that interpreter, gone with it),
never into the source tree, so a stale build can never shadow an edited module: the workers
use the build only while every module's source hash matches the manifest
(pipelines.staging.compiled). Up to date: nothing is done (hashing the sources takes a few ms).

Optional by design: without mypy (in the dev extras), a C compiler or the Python headers, this
prints one line saying so and exits 0; intake then runs the Python source, with the same results,
slower (the README's runs: intake 13%, from scratch 13-23%). `TRIALBRIDGE_PURE_PYTHON=1 make` skips the build.

Which modules: the ones a page goes through (decoding, lines, sections, the page layouts'
readers, normalizers, doses), not the registry export readers nor the deadline (signals) nor the
intake loop. Each must type-check cleanly under mypy: mypyc trusts the annotations and checks
them at run time.
"""
from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from pipelines.staging.compiled import (MANIFEST_NAME, PURE_PYTHON_ENV, build_dir, fresh_build,  # noqa: E402
                                        source_hash, source_path)

MODULES = [
    "parsers/chrome.py", "parsers/criteria.py", "parsers/decode.py", "parsers/detect.py",
    "parsers/drift.py", "parsers/headings.py", "parsers/identifiers.py", "parsers/layout.py", "parsers/lines.py",
    "parsers/sections.py", "parsers/signature.py",  # not record.py: staging reads its dataclasses' annotations
    "parsers/normalize/ages.py", "parsers/normalize/conditions.py", "parsers/normalize/dates.py",
    "parsers/normalize/design.py", "parsers/normalize/enrollment.py", "parsers/normalize/phase.py",
    "parsers/normalize/sex.py", "parsers/normalize/status.py", "parsers/normalize/text.py",
    "parsers/normalize/types.py", "parsers/normalize/vocab.py",
    "parsers/sources/veeva.py", "parsers/sources/medpath.py", "parsers/sources/ctgov_text.py",
    "parsers/sources/ctgov_text_groups.py",
]
GROUP = "trialbridge_parsers"  # the name of the shared library mypyc builds beside the modules


def module_name(relative: str) -> str:
    return relative[:-3].replace("/", ".")


def _manifest_hashes(target: Path) -> dict[str, str]:
    manifest = json.loads((target / MANIFEST_NAME).read_text(encoding="utf-8"))
    return {name: entry["sha256"] for name, entry in manifest["modules"].items()}


def build(target: Path) -> str:
    """Compile MODULES into target; returns what was done, in one line."""
    hashes = {module_name(m): source_hash(source_path(module_name(m), ROOT)) for m in MODULES}
    built = fresh_build(target)
    if built is not None and hashes == _manifest_hashes(target):
        return f"compiled parsers up to date ({len(MODULES)} modules)"
    try:
        from mypyc.build import mypycify
        from setuptools import Distribution
    except ImportError as exc:
        return f"compiled parsers not built ({exc.name} is not installed): intake runs the Python source"
    shutil.rmtree(target, ignore_errors=True)
    with tempfile.TemporaryDirectory(prefix="trialbridge-mypyc-") as work:
        here = os.getcwd()
        os.chdir(ROOT)  # mypyc names modules from paths relative to the project root
        try:
            extensions = mypycify(MODULES, opt_level="3", group_name=GROUP, target_dir=str(Path(work, "c")))
            distribution = Distribution({"name": "trialbridge-compiled", "ext_modules": extensions})
            command = distribution.get_command_obj("build_ext")
            command.build_lib = str(target)
            command.build_temp = str(Path(work, "obj"))
            command.parallel = os.cpu_count() or 1
            distribution.run_command("build_ext")
            outputs = {ext.name: Path(command.get_ext_fullpath(ext.name)).relative_to(target).as_posix()
                       for ext in extensions}
        finally:
            os.chdir(here)
    modules = {name: {"so": outputs[name], "sha256": digest} for name, digest in hashes.items()}
    runtime = {name: so for name, so in outputs.items() if name not in modules}
    (target / MANIFEST_NAME).write_text(json.dumps({"python": sys.version, "modules": modules, "runtime": runtime},
                                              indent=1, sort_keys=True), encoding="utf-8")
    return f"compiled parsers built ({len(modules)} modules, mypyc) in {target}"


def main() -> int:
    if os.environ.get(PURE_PYTHON_ENV) == "1":
        print(f"compiled parsers skipped ({PURE_PYTHON_ENV}=1)")
        return 0
    target = build_dir()
    log = io.StringIO()  # mypy's and mypyc's lines ("Treating generator comprehension as list"), setuptools'
    try:
        with contextlib.redirect_stdout(log):
            done = build(target)
        print(done)
    except (Exception, SystemExit) as exc:  # noqa: BLE001 - optional: a failed build leaves the Python source in use
        shutil.rmtree(target, ignore_errors=True)
        print(log.getvalue()[-3000:], end="")
        print(f"compiled parsers not built ({type(exc).__name__}: {str(exc)[:300]}): intake runs the Python source")
    return 0


if __name__ == "__main__":
    sys.exit(main())
