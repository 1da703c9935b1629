"""One dynamic partition per raw batch (a top-level directory of raw/; see pipelines.ingest)."""
import dagster as dg

RAW_BATCHES = "raw_batches"
raw_batches = dg.DynamicPartitionsDefinition(name=RAW_BATCHES)
