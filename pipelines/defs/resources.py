"""Where raw pages are read and the warehouse written, and how hard intake may work."""

import os
from pathlib import Path

import dagster as dg

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_MAX_FILE_BYTES = 5_000_000


class TrialbridgeConfig(dg.ConfigurableResource):
    """Paths and intake limits shared by the assets, checks and the sensor."""

    raw_root: str
    warehouse_root: str
    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES
    workers: int = 0  # processes that parse a batch and resolve trials; 0 = the CPUs this process may use
    memory_limit: str = "1GB"  # the snapshot engine's budget (DuckDB memory_limit); it spills beyond
    publish_uri: str = ""  # also publish each snapshot there (object storage, pipelines.warehouse.remote)

    @classmethod
    def from_env(cls) -> "TrialbridgeConfig":
        """TRIALBRIDGE_RAW / TRIALBRIDGE_WAREHOUSE, else the repo's raw/ and warehouse/."""
        return cls(
            raw_root=os.environ.get("TRIALBRIDGE_RAW") or str(REPO_ROOT / "raw"),
            warehouse_root=os.environ.get("TRIALBRIDGE_WAREHOUSE") or str(REPO_ROOT / "warehouse"),
            max_file_bytes=int(os.environ.get("TRIALBRIDGE_MAX_FILE_BYTES") or DEFAULT_MAX_FILE_BYTES),
            workers=int(os.environ.get("TRIALBRIDGE_WORKERS") or 0),
            memory_limit=os.environ.get("TRIALBRIDGE_MEMORY_LIMIT") or "1GB",
            publish_uri=os.environ.get("TRIALBRIDGE_PUBLISH_URI") or "",
        )

    @property
    def raw_path(self) -> Path:
        return Path(self.raw_root)

    @property
    def warehouse_path(self) -> Path:
        return Path(self.warehouse_root)
