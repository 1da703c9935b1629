"""Jobs the sensor and `trialbridge ingest` launch (the same graph the UI shows)."""
import dagster as dg

from pipelines import ingest
from pipelines.defs.intake import INTAKE_KEY, parsed_key
from pipelines.defs.report import REPORT_KEY
from pipelines.defs.warehouse import TABLE_SPECS

INGEST_BATCH_JOB = "ingest_batch"
SNAPSHOT_JOB = "build_warehouse"

ingest_batch_job = dg.define_asset_job(
    INGEST_BATCH_JOB,
    selection=dg.AssetSelection.assets(INTAKE_KEY, *(parsed_key(s) for s in ingest.SOURCES)),
    description="Intake one raw batch in bulk and publish its parsed records per source.",
)

build_warehouse_job = dg.define_asset_job(
    SNAPSHOT_JOB,
    selection=dg.AssetSelection.assets(*(spec.key for spec in TABLE_SPECS), REPORT_KEY),
    description="Reconcile every staged batch, check, switch the warehouse snapshot, write its quality report.",
)
