"""The snapshot step's two passes over staged batches, so its peak memory follows the light
per-record data instead of whole parsed pages:

1. reconcile records loaded without the child lists reconciliation never reads
   (ingest.load_staged(reconcile_only=True));
2. stream the full records batch by batch (ingest.iter_staged) into the per-record tables.

The tables are the same, byte for byte, as build_tables over fully loaded records
(tests/pipelines/test_build_streaming.py).
"""
from __future__ import annotations

from pathlib import Path

import pyarrow as pa

from pipelines import ingest
from pipelines.reconcile import QuarantinedFile, Reconciled, reconcile


def reconcile_staged(warehouse_root: Path, batch_keys: list[str]) -> tuple[Reconciled, list[QuarantinedFile]]:
    """Pass 1: (reconcile() result, quarantined files); the light records are dropped on return."""
    parsed, quarantined = ingest.load_staged(warehouse_root, batch_keys, reconcile_only=True)
    return reconcile(parsed), quarantined


def build_staged_tables(warehouse_root: Path, batch_keys: list[str]) -> dict[str, pa.Table]:
    """Both passes: every warehouse table of the staged batches."""
    from pipelines.warehouse.build import build_tables

    reconciled, quarantined = reconcile_staged(warehouse_root, batch_keys)
    return build_tables(ingest.iter_staged(warehouse_root, batch_keys), quarantined, reconciled)
