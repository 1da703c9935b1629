"""Atomic, deterministic warehouse snapshots.

Layout under the warehouse root:
    snapshots/<id>/<table>.parquet   complete snapshots; <id> = hash of the tables' bytes
    snapshots/<id>.tmp-<pid>/        a snapshot being written (left behind only by a killed run)
    current -> snapshots/<id>        symlink, switched atomically (os.replace of a new link)

A reader that opens `current/<table>.parquet` sees a whole file of one snapshot; readers that
want several tables from the same snapshot resolve `current` once (read_current does).
The previous snapshot is kept so a reader that resolved `current` just before a switch can
finish. POSIX only: the atomic symlink switch is not available on Windows (out of scope).
"""
from __future__ import annotations

import hashlib
import io
import os
import re
import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

SNAPSHOTS = "snapshots"
CURRENT = "current"
_TMP = re.compile(r"^(?P<id>[0-9a-f]+)\.tmp-(?P<pid>\d+)$")


def parquet_bytes(table: pa.Table) -> bytes:
    """The table as Parquet: fixed codec and options, no pandas metadata, so equal tables give equal bytes."""
    sink = io.BytesIO()
    pq.write_table(table.replace_schema_metadata(None) if _has_pandas_meta(table) else table, sink,
                   compression="zstd", compression_level=3, write_statistics=True, use_dictionary=True,
                   version="2.6", data_page_version="1.0")
    return sink.getvalue()


def _has_pandas_meta(table: pa.Table) -> bool:
    return bool(table.schema.metadata) and b"pandas" in table.schema.metadata


def snapshot_id(encoded: dict[str, bytes]) -> str:
    digest = hashlib.sha256()
    for name in sorted(encoded):
        digest.update(name.encode() + b"\0" + hashlib.sha256(encoded[name]).digest())
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


def write_snapshot(warehouse_root: Path, tables: dict[str, pa.Table]) -> Path:
    """Write all tables as one snapshot, switch `current` to it, prune old snapshots. Returns its dir."""
    root = Path(warehouse_root)
    snaps = root / SNAPSHOTS
    snaps.mkdir(parents=True, exist_ok=True)
    current = root / CURRENT
    if current.exists() and not current.is_symlink():
        raise RuntimeError(f"{current} exists and is not a symlink; move it away (the switch must be atomic)")
    _remove_stale_tmp(snaps)
    _remove_stale_links(root)

    encoded = {name: parquet_bytes(table) for name, table in tables.items()}
    sid = snapshot_id(encoded)
    final = snaps / sid
    if not final.is_dir():
        tmp = snaps / f"{sid}.tmp-{os.getpid()}"
        if tmp.exists():
            shutil.rmtree(tmp)
        tmp.mkdir()
        for name in sorted(encoded):
            with open(tmp / f"{name}.parquet", "wb") as fh:
                fh.write(encoded[name])
                fh.flush()
                os.fsync(fh.fileno())
        _fsync_dir(tmp)
        os.replace(tmp, final)
        _fsync_dir(snaps)

    previous = _current_target(root)
    target = Path(SNAPSHOTS) / sid  # relative: the warehouse dir can be moved as a whole
    if previous != sid:
        link_tmp = root / f".{CURRENT}.tmp-{os.getpid()}"
        if link_tmp.is_symlink() or link_tmp.exists():
            link_tmp.unlink()
        os.symlink(target, link_tmp, target_is_directory=True)
        os.replace(link_tmp, current)
        _fsync_dir(root)
        _prune(snaps, keep={sid, previous})  # only on a switch: an unchanged rerun keeps what is there
    return final


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
