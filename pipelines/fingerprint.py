"""Fingerprints of the code whose output is kept between runs.

Staged rows are reused only when made by the same staging code (STAGING_FINGERPRINT: the code
that decides a staged row from a file's bytes: the parsers, pipelines/staging/rows.py and the
per-record row builders it calls); carried-over trial rows only when made by the same code end
to end (ENGINE_FINGERPRINT: that plus pipelines/reconcile and pipelines/warehouse). After an
upgrade that changes either, the next run parses or resolves everything again instead of mixing
old and new outputs. Hashing the sources (not a hand-bumped version number) means nobody has to
remember to bump it; a change to, say, the intake's process pool, the staging store, the
quality report or the CLI changes neither, so it costs no re-parse of the archive (a test
checks that every project module the staging code runs is covered).
"""
from __future__ import annotations

import hashlib
from pathlib import Path

import pyarrow

_ROOT = Path(__file__).resolve().parents[1]
_STAGING = ("parsers", "pipelines/staging/rows.py", "pipelines/arrow_rows.py", "pipelines/warehouse/build.py",
            "pipelines/warehouse/schema.py", "pipelines/reconcile/clustering.py", "pipelines/reconcile/candidates.py",
            "pipelines/reconcile/model.py")
_ENGINE = (*_STAGING, "pipelines/reconcile", "pipelines/warehouse", "pipelines/mapped_ahead.py")


def covered_files(parts: tuple[str, ...]) -> list[Path]:
    """The source files a fingerprint of `parts` (files, or folders of .py files) hashes."""
    files = set()
    for part in parts:
        path = _ROOT / part
        files.update(path.rglob("*.py") if path.is_dir() else [path])
    return sorted(files)


def fingerprint(parts: tuple[str, ...], extra: str = "") -> str:
    digest = hashlib.sha256(extra.encode())
    for path in covered_files(parts):
        digest.update(path.relative_to(_ROOT).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


STAGING_FINGERPRINT = fingerprint(_STAGING)
# the snapshot's row groups are copied from the previous one when unchanged: encoded by this pyarrow
ENGINE_FINGERPRINT = fingerprint(_ENGINE, extra=f"pyarrow {pyarrow.__version__}")
