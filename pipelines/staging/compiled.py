"""The parser modules compiled to C (mypyc), in the intake workers only.

`make` builds them (tools/build_compiled.py) into the virtual environment, for its interpreter:
`<sys.prefix>/trialbridge-compiled/`, with a manifest of each module's source hash. Nothing is
built into the source tree, so nothing can shadow an edited module: `use_compiled()` puts the
build on the import path only when every hash in the manifest matches the source on disk, and
only before any of those modules is imported. Each intake worker calls it as it starts
(start_intake_worker, the pool's initializer): their forkserver preloads libraries only, never a
module of ours, since it also forks the resolve workers, chart helpers and clustering pools. Every
other process (the CLI, Dagster's steps, the tests, those pools) runs the Python source.

mypyc trusts the annotations and checks them at run time, where Python would let a wrong type
pass. So a file whose compiled parse reports a section_error or an internal_error is parsed
again from the Python source in the parent (pipelines.staging.transport): where the two could
differ, the Python source decides. `TRIALBRIDGE_PURE_PYTHON=1` turns the build off.
"""
from __future__ import annotations

import hashlib
import importlib.abc
import importlib.util
import json
import os
import sys
from pathlib import Path

BUILD_DIR_NAME = "trialbridge-compiled"
MANIFEST_NAME = "manifest.json"
PURE_PYTHON_ENV = "TRIALBRIDGE_PURE_PYTHON"
PROJECT_ROOT = Path(__file__).resolve().parents[2]  # parsers/ lies beside pipelines/
_ACTIVE = [False]


def build_dir() -> Path:
    return Path(sys.prefix) / BUILD_DIR_NAME


def source_path(module: str, root: Path = PROJECT_ROOT) -> Path:
    return root.joinpath(*module.split(".")).with_suffix(".py")


def source_hash(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


class _CompiledModules(importlib.abc.MetaPathFinder):
    """Finds the built extension module of each compiled name (and mypyc's shared library)."""

    def __init__(self, files: dict[str, Path]) -> None:
        self.files = files

    def find_spec(self, name, path=None, target=None):
        file = self.files.get(name)
        return importlib.util.spec_from_file_location(name, file) if file is not None else None


def fresh_build(target: Path | None = None) -> dict[str, Path] | None:
    """{module name: extension file} of a build whose every module matches its source; else None."""
    target = target or build_dir()
    try:
        manifest = json.loads((target / MANIFEST_NAME).read_text(encoding="utf-8"))
        files = {name: target / entry["so"] for name, entry in manifest["modules"].items()}
        if not files or any(source_hash(source_path(name)) != entry["sha256"]
                            for name, entry in manifest["modules"].items()):
            return None
        files.update({name: target / so for name, so in manifest.get("runtime", {}).items()})
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
    return files if all(file.is_file() for file in files.values()) else None


def use_compiled() -> bool:
    """Import the compiled parser modules in this process from now on, when a fresh build exists
    and none of them is imported yet. True when they are in use."""
    if _ACTIVE[0]:
        return True
    if os.environ.get(PURE_PYTHON_ENV) == "1":
        return False
    files = fresh_build()
    if files is None or any(name in sys.modules for name in files):
        return False
    sys.meta_path.insert(0, _CompiledModules(files))
    _ACTIVE[0] = True
    return True


def compiled_in_use() -> bool:
    return _ACTIVE[0]


def start_intake_worker() -> None:
    """The intake pool's initializer: the build (before any parser is imported here), the
    parsers, then the worker's settings."""
    use_compiled()
    import parsers.intake  # noqa: F401 - imported as the worker starts, not on its first chunk
    from pipelines.staging.pool import mark_worker

    mark_worker()
