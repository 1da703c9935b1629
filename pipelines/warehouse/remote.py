"""Publishing a snapshot to another filesystem (object storage) through pyarrow/fsspec.

The warehouse is built on local disk (DuckDB spills there, the switch is an atomic symlink
replace). Where analysts read from object storage, each published snapshot is then copied to
`<uri>/snapshots/<id>/`, and `<uri>/CURRENT` (a one-line object holding the id) is written
last: object stores have no symlinks and no atomic directory rename, but a reader that reads
CURRENT first and then only that snapshot's immutable files never sees a mix of two runs.

URIs: whatever pyarrow.fs.FileSystem.from_uri knows (file://, s3://, gs://, hdfs://, abfs://),
else any fsspec protocol (memory://, and s3/gcs/azure through s3fs/gcsfs/adlfs when installed),
wrapped as a pyarrow filesystem.
"""
from __future__ import annotations

from pathlib import Path

import pyarrow.fs as pafs
import pyarrow.parquet as pq

CURRENT_OBJECT = "CURRENT"
SNAPSHOTS = "snapshots"


def filesystem_for(uri: str) -> tuple[pafs.FileSystem, str]:
    """(pyarrow filesystem, base path inside it) for a URI."""
    import pyarrow as pa

    try:
        return pafs.FileSystem.from_uri(uri)
    except pa.ArrowInvalid:  # a scheme pyarrow does not know: ask fsspec
        import fsspec

        fs, path = fsspec.core.url_to_fs(uri)
        return pafs.PyFileSystem(pafs.FSSpecHandler(fs)), path


def publish_remote(snapshot_dir: Path, uri: str) -> str:
    """Copy a published snapshot to `uri` and point `uri`/CURRENT at it; returns the remote dir."""
    fs, base = filesystem_for(uri)
    snapshot_dir = Path(snapshot_dir).resolve()
    target = f"{base.rstrip('/')}/{SNAPSHOTS}/{snapshot_dir.name}"
    current = f"{base.rstrip('/')}/{CURRENT_OBJECT}"
    if fs.get_file_info(current).type == pafs.FileType.File and current_snapshot(uri) == target:
        return target  # already there (a rerun with nothing new)
    fs.create_dir(target, recursive=True)
    local = pafs.LocalFileSystem()
    for path in sorted(p for p in snapshot_dir.iterdir() if p.is_file() and not p.name.startswith(".")):
        pafs.copy_files(str(path), f"{target}/{path.name}", source_filesystem=local, destination_filesystem=fs)
    with fs.open_output_stream(f"{base.rstrip('/')}/{CURRENT_OBJECT}") as out:  # last: the switch
        out.write(snapshot_dir.name.encode("ascii") + b"\n")
    return target


def current_snapshot(uri: str) -> str:
    """The remote path of the snapshot `uri`/CURRENT points at."""
    fs, base = filesystem_for(uri)
    with fs.open_input_stream(f"{base.rstrip('/')}/{CURRENT_OBJECT}") as stream:
        snapshot_id = stream.read().decode("ascii").strip()
    return f"{base.rstrip('/')}/{SNAPSHOTS}/{snapshot_id}"


def read_remote_table(uri: str, table: str):
    """One table of the remote current snapshot, as a pyarrow Table."""
    fs, _ = filesystem_for(uri)
    return pq.read_table(f"{current_snapshot(uri)}/{table}.parquet", filesystem=fs)
