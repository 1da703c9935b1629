"""quality.html: one self-contained page (inline CSS and SVG, no script, no link, no timestamp)."""
from __future__ import annotations

from html import escape

from pipelines.report.metrics import Metrics
from pipelines.report.plots import Chart

STYLE = """
body { font-family: "Liberation Sans", "DejaVu Sans", Arial, sans-serif; margin: 2rem auto; max-width: 1100px;
       color: #1d2430; padding: 0 1rem; }
h1 { font-size: 1.5rem; } h2 { font-size: 1.1rem; margin-top: 2rem; border-bottom: 1px solid #d8dde6; }
table { border-collapse: collapse; font-size: 0.85rem; margin: 0.5rem 0; }
td, th { border: 1px solid #d8dde6; padding: 0.2rem 0.6rem; text-align: left; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
figure { margin: 0.5rem 0; } figure svg { max-width: 100%; height: auto; }
nav a { margin-right: 0.8rem; } .muted { color: #5b6575; font-size: 0.85rem; }
"""


def _table(header: tuple[str, ...], rows: list[tuple]) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in header)
    body = "".join(
        "<tr>" + "".join(f'<td class="n">{v}</td>' if isinstance(v, (int, float)) else f"<td>{escape(str(v))}</td>"
                         for v in row) + "</tr>"
        for row in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def _data_rows(key: str, m: Metrics) -> tuple[tuple[str, ...], list[tuple]]:
    """The numbers behind each chart, as a table under it."""
    if key == "records":
        return ("batch", *m.sources), [(b, *(row.get(s, 0) for s in m.sources)) for b, row in m.records_by_batch_source.items()]
    if key == "fill-rate":
        fields = list(next(iter(m.fill_rate.values()), {}))
        return ("field", *m.sources), [(f, *(f"{m.fill_rate[s][f]:.0%}" for s in m.sources)) for f in fields]
    if key == "warnings":
        return ("batch", "code", "warnings"), [(b, c, n) for b, codes in m.warnings_by_batch_code.items() for c, n in codes.items()]
    if key == "doses":
        return ("", "count"), [*m.doses.items(), *m.doses_per_trial.items()]
    if key == "enrollment":
        e = m.enrollment
        stats = [("trials with a count", len(e))]
        if e:
            stats += [("minimum", e[0]), ("median", e[len(e) // 2]), ("maximum", e[-1])]
        return ("", "value"), stats
    counts = {"trials-source": m.trials_by_source, "trials-batch": m.trials_by_batch, "conflicts": m.conflicts_by_field,
              "links": m.link_methods, "quarantine": m.quarantine_by_reason, "phases": m.phases}[key]
    return ("", "count"), list(counts.items())


def render_html(metrics: Metrics, charts: list[Chart], snapshot_id: str | None = None) -> str:
    title = "trialbridge data quality" + (f": snapshot {snapshot_id}" if snapshot_id else "")
    nav = " ".join(f'<a href="#{c.key}">{escape(c.title.split(" (")[0])}</a>' for c in charts)
    sections = []
    for chart in charts:
        header, rows = _data_rows(chart.key, metrics)
        sections.append(f'<section id="{chart.key}"><h2>{escape(chart.title)}</h2>'
                        f'<figure role="img" aria-label="{escape(chart.title)}">{chart.svg}</figure>'
                        f"<details><summary>numbers</summary>{_table(header, rows)}</details></section>")
    totals = _table(("", ""), list(metrics.totals.items()))
    return (
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        f"<title>{escape(title)}</title><style>{STYLE}</style></head><body>"
        f"<h1>{escape(title)}</h1>"
        '<p class="muted">Counted from the snapshot\'s own tables (see warehouse/README.md); a batch is a '
        "top-level folder of raw/. Drift per batch is not measured yet.</p>"
        f"{totals}<nav>{nav}</nav>{''.join(sections)}</body></html>\n"
    )


def summary_markdown(metrics: Metrics, path: str) -> str:
    """The Dagster asset's summary: the headline numbers, the biggest problems, the file."""
    lines = ["| | |", "|---|---|", *(f"| {k} | {v} |" for k, v in metrics.totals.items())]
    for label, counts in (("quarantine reasons", metrics.quarantine_by_reason),
                          ("conflicts per field", metrics.conflicts_by_field)):
        top = ", ".join(f"{k} {v}" for k, v in list(counts.items())[:5]) or "none"
        lines.append(f"| {label} | {top} |")
    return "\n".join(lines) + f"\n\nReport: `{path}`\n"
