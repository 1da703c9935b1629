"""A fingerprint of the code whose output is kept between runs.

Staged rows (parsers + pipelines/staging + the per-record row builders) and carried-over trial
rows (pipelines/reconcile + pipelines/warehouse) are reused only when they were made by the same
code: after an upgrade that changes any of it, the next run parses and resolves everything again
instead of mixing old and new outputs. Hashing the sources (not a hand-bumped version number)
means nobody has to remember to bump it.
"""
from __future__ import annotations

import hashlib
from pathlib import Path

_ROOT = Path(__file__).resolve().parents[1]
_CODE = ("parsers", "pipelines/staging", "pipelines/reconcile", "pipelines/warehouse")


def _fingerprint() -> str:
    digest = hashlib.sha256()
    for directory in _CODE:
        for path in sorted((_ROOT / directory).rglob("*.py")):
            digest.update(path.relative_to(_ROOT).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


CODE_FINGERPRINT = _fingerprint()
