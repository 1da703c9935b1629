"""Real files for the export readers' tests: decoded as intake decodes them, read once per process."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from parsers.decode import NotText, decode_bytes
from tests.conftest import REPO_ROOT, shared_path


def decoded(path: Path) -> str:
    return decode_bytes(path.read_bytes()).text


@lru_cache(maxsize=1)
def _all_texts(real_dir: Path, seeds_dir: Path) -> tuple[tuple[str, str], ...]:
    paths = [p for p in sorted(real_dir.rglob("*")) if p.is_file()]
    paths += [p for p in sorted(seeds_dir.rglob("*")) if p.is_file()]
    paths += [p for p in sorted((REPO_ROOT / "raw").rglob("*")) if p.is_file()]
    out = []
    for path in paths:
        try:
            out.append((str(path), decoded(path)))
        except NotText:
            continue  # binary (the ctrdata SQLite file): intake quarantines it before any reader
    return tuple(out)


def other_texts(*own: Path) -> list[tuple[str, str]]:
    """(path, text) of every real file, seed page and raw/ sample except `own`."""
    texts = _all_texts(shared_path("real"), shared_path("seeds"))
    assert len(texts) > 500  # JSON, XML, CSV, text downloads, seed pages
    skip = {str(p) for p in own}
    return [(path, text) for path, text in texts if path not in skip]
