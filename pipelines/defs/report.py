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
    """Writes quality.html into the current snapshot (open `<warehouse>/current/quality.html`,
    no network needed): records and trials per source and batch, field fill rate per source,
    conflicts per field, link methods, quarantine reasons, parser warnings per batch,
    enrollment and phase distributions. Counted from the snapshot's tables only."""
    from pipelines.report import summary_markdown, write_quality_report

    snapshot = (trialbridge.warehouse_path / "current").resolve(strict=True)
    path, metrics = write_quality_report(snapshot)
    context.log.info(f"quality report: {path}")
    return dg.MaterializeResult(metadata={
        "summary": dg.MetadataValue.md(summary_markdown(metrics, str(path))),
        "path": dg.MetadataValue.path(str(path)),
        **{key.replace(" ", "_"): value for key, value in metrics.totals.items()},
    })
