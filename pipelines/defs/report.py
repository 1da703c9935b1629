"""The data-quality report: written into each new snapshot, after the warehouse step."""

import dagster as dg

from pipelines.defs.intake import OWNERS
from pipelines.defs.resources import TrialbridgeConfig
from pipelines.defs.warehouse import TABLE_SPECS

REPORT_KEY = "quality_report"


@dg.asset(
    name=REPORT_KEY,
    deps=[spec.key for spec in TABLE_SPECS],
    group_name="reports",
    owners=OWNERS,
    kinds={"html"},
)
def quality_report(context: dg.AssetExecutionContext, trialbridge: TrialbridgeConfig) -> dg.MaterializeResult:
    """The quality report of the current snapshot (the snapshot step writes it into the snapshot
    before switching to it; this asset writes it only for a snapshot that lacks one) (open `<warehouse>/current/quality.html`,
    no network needed): records and trials per source and batch, field fill rate per source,
    conflicts per field, link methods, quarantine reasons, parser warnings per batch,
    enrollment and phase distributions. Counted from the snapshot's tables only."""
    from pipelines.report import REPORT_FILE, read_quality_metrics, summary_markdown, write_quality_report

    snapshot = (trialbridge.warehouse_path / "current").resolve(strict=True)
    metrics = read_quality_metrics(snapshot)  # the snapshot engine writes the report with the snapshot
    path = snapshot / REPORT_FILE
    if metrics is None or not path.is_file():  # a snapshot from before the report existed
        path, metrics = write_quality_report(snapshot)
    context.log.info(f"quality report: {path}")
    return dg.MaterializeResult(metadata={
        "summary": dg.MetadataValue.md(summary_markdown(metrics, str(path))),
        "path": dg.MetadataValue.path(str(path)),
        **{key.replace(" ", "_"): value for key, value in metrics.totals.items()},
    })
