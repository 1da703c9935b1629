"""Atomic, deterministic warehouse snapshots.

Layout under the warehouse root:
    snapshots/<id>/<table>.parquet   complete snapshots; <id> = hash of the tables' bytes
    snapshots/build.tmp-<pid>/       a snapshot being written (left behind only by a killed run)
    current -> snapshots/<id>        symlink, switched atomically (os.replace of a new link)

A reader that opens `current/<table>.parquet` sees a whole file of one snapshot; readers that
want several tables from the same snapshot resolve `current` once (read_current does).
The previous snapshot is kept so a reader that resolved `current` just before a switch can
finish. POSIX only: the atomic symlink switch is not available on Windows (out of scope).
"""
from __future__ import annotations

import hashlib
import os
import re
import shutil
import tempfile
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from pipelines.warehouse.parquet_out import write_rows

SNAPSHOTS = "snapshots"
CURRENT = "current"
_TMP = re.compile(r"^(?P<id>[0-9a-z]+)\.tmp-(?P<pid>\d+)$")


def parquet_bytes(table: pa.Table) -> bytes:
    """The table as the warehouse writes it (pipelines.warehouse.parquet_out): equal tables give equal bytes."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "t.parquet"
        write_rows(path, table.schema, [table])
        return path.read_bytes()


def snapshot_id(file_hashes: dict[str, str]) -> str:
    """Content id of a snapshot from its files' sha256 (name -> hex digest)."""
    digest = hashlib.sha256()
    for name in sorted(file_hashes):
        digest.update(name.encode() + b"\0" + bytes.fromhex(file_hashes[name]))
    return digest.hexdigest()[:20]


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _pid_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def new_build_dir(warehouse_root: Path) -> Path:
    """An empty directory to write a snapshot's tables into before publish() (a killed run's is
    removed by the next one). Refuses a `current` that is not a symlink."""
    root = Path(warehouse_root)
    snaps = root / SNAPSHOTS
    snaps.mkdir(parents=True, exist_ok=True)
    current = root / CURRENT
    if current.exists() and not current.is_symlink():
        raise RuntimeError(f"{current} exists and is not a symlink; move it away (the switch must be atomic)")
    _remove_stale_tmp(snaps)
    _remove_stale_links(root)
    build = snaps / f"build.tmp-{os.getpid()}"
    if build.exists():
        shutil.rmtree(build)
    build.mkdir()
    return build


def publish(warehouse_root: Path, build: Path, file_hashes: dict[str, str]) -> Path:
    """Make the tables written in `build` (new_build_dir) the current snapshot: fsync, rename to
    the content id, switch `current` atomically, prune old snapshots. Returns the snapshot dir."""
    root = Path(warehouse_root)
    snaps = root / SNAPSHOTS
    sid = snapshot_id(file_hashes)
    final = snaps / sid
    if final.is_dir():  # the same content is already published
        shutil.rmtree(build, ignore_errors=True)
    else:
        for path in sorted(build.iterdir()):
            with open(path, "rb+") as fh:
                os.fsync(fh.fileno())
        _fsync_dir(build)
        os.replace(build, final)
        _fsync_dir(snaps)

    previous = _current_target(root)
    target = Path(SNAPSHOTS) / sid  # relative: the warehouse dir can be moved as a whole
    if previous != sid:
        link_tmp = root / f".{CURRENT}.tmp-{os.getpid()}"
        if link_tmp.is_symlink() or link_tmp.exists():
            link_tmp.unlink()
        os.symlink(target, link_tmp, target_is_directory=True)
        os.replace(link_tmp, root / CURRENT)
        _fsync_dir(root)
        _prune(snaps, keep={sid, previous})  # only on a switch: an unchanged rerun keeps what is there
    return final


def write_snapshot(warehouse_root: Path, tables: dict[str, pa.Table]) -> Path:
    """Write all tables (already sorted) as one snapshot and switch `current` to it. Returns its dir."""
    build = new_build_dir(warehouse_root)
    hashes = {name: write_rows(build / f"{name}.parquet", table.schema, [table], name=name)
              for name, table in sorted(tables.items())}
    return publish(warehouse_root, build, hashes)


def _current_target(root: Path) -> str | None:
    current = root / CURRENT
    if not current.is_symlink():
        return None
    return Path(os.readlink(current)).name


def _remove_stale_tmp(snaps: Path) -> None:
    """Drop half-written snapshot dirs of runs that died (their pid is gone)."""
    for entry in snaps.iterdir():
        m = _TMP.match(entry.name)
        if m and not _pid_alive(int(m["pid"])):
            shutil.rmtree(entry, ignore_errors=True)


def _remove_stale_links(root: Path) -> None:
    """Drop temp `current` links of runs that died between creating and renaming them."""
    for entry in root.glob(f".{CURRENT}.tmp-*"):
        pid = entry.name.rsplit("-", 1)[-1]
        if pid.isdigit() and not _pid_alive(int(pid)) and entry.is_symlink():
            entry.unlink()


def _prune(snaps: Path, keep: set[str | None]) -> None:
    for entry in snaps.iterdir():
        if entry.is_dir() and not _TMP.match(entry.name) and entry.name not in keep:
            shutil.rmtree(entry, ignore_errors=True)


def read_current(warehouse_root: Path) -> dict[str, pa.Table]:
    """Every table of the current snapshot (all from the same snapshot: `current` is resolved once)."""
    snapshot = (Path(warehouse_root) / CURRENT).resolve(strict=True)
    return {p.stem: pq.read_table(p) for p in sorted(snapshot.glob("*.parquet"))}
