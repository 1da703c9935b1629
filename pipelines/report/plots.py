"""The report's charts as inline SVG (matplotlib, no pyplot state, no JavaScript).

Deterministic bytes: text stays <text> (svg.fonttype none), ids are hashed with a fixed salt per
chart (a shared salt can give two charts' clip paths the same id on one page), and the SVG
carries no date. Every chart draws something, even from empty data: an axis that says "none".
"""
from __future__ import annotations

import io
import math
from collections.abc import Callable
from dataclasses import dataclass

from pipelines.report.metrics import Metrics

BAR_COLOR = "#3b6ea5"
# Stacked series colors (source / warning code), color-blind safe (Okabe-Ito).
SERIES_COLORS = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")


@dataclass(frozen=True)
class Chart:
    key: str  # stable id: the SVG salt and the HTML anchor
    title: str
    svg: str


def _figure(width: float, height: float):
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), dpi=100, layout="constrained")


def _to_svg(fig, key: str) -> str:
    import matplotlib

    with matplotlib.rc_context({"svg.hashsalt": f"trialbridge-{key}", "svg.id": f"chart-{key}",
                                "svg.fonttype": "none"}):
        buf = io.StringIO()
        fig.savefig(buf, format="svg", metadata={"Date": None})
    text = buf.getvalue()
    return text[text.index("<svg"):]  # drop the XML prolog and doctype: the SVG sits inside HTML


def _none(ax, what: str) -> None:
    ax.text(0.5, 0.5, f"no {what} in this snapshot", ha="center", va="center", transform=ax.transAxes)
    ax.set_xticks([])
    ax.set_yticks([])


def _height(rows: int) -> float:
    return min(9.0, 1.2 + 0.28 * max(rows, 2))


def bar_chart(counts: dict[str, int], xlabel: str, what: str):
    """Horizontal bars, largest first (counts arrive sorted), with the value at each bar's end."""
    fig = _figure(6.4, _height(len(counts)))
    ax = fig.add_subplot()
    if not counts:
        _none(ax, what)
        return fig
    labels = list(counts)[::-1]
    values = [counts[k] for k in labels]
    bars = ax.barh(labels, values, color=BAR_COLOR)
    ax.bar_label(bars, padding=3, fontsize=8)
    ax.set_xlabel(xlabel)
    ax.xaxis.set_major_locator(_integer_ticks())
    ax.set_xlim(0, max(values) * 1.15 or 1)
    ax.spines[["top", "right"]].set_visible(False)
    return fig


def stacked_chart(table: dict[str, dict[str, int]], xlabel: str, what: str):
    """One horizontal bar per row key, stacked by column key (e.g. batch x source)."""
    fig = _figure(6.4, _height(len(table)) + 0.5)
    ax = fig.add_subplot()
    series = sorted({c for row in table.values() for c in row})
    if not series:
        _none(ax, what)
        return fig
    rows = sorted(table)[::-1]
    left = [0] * len(rows)
    for i, name in enumerate(series):
        values = [table[r].get(name, 0) for r in rows]
        ax.barh(rows, values, left=left, label=name, color=SERIES_COLORS[i % len(SERIES_COLORS)])
        left = [a + b for a, b in zip(left, values)]
    ax.set_xlabel(xlabel)
    ax.xaxis.set_major_locator(_integer_ticks())
    fig.legend(loc="outside upper center", fontsize=7, ncols=min(len(series), 4))
    ax.spines[["top", "right"]].set_visible(False)
    return fig


def _integer_ticks():
    from matplotlib.ticker import MaxNLocator

    return MaxNLocator(integer=True)


def heatmap(metrics: Metrics):
    """Fill rate: one row per field, one column per source, the share as color and text."""
    sources = metrics.sources
    fields = list(next(iter(metrics.fill_rate.values()), {}))
    fig = _figure(1.8 + 1.1 * max(len(sources), 1), _height(len(fields)))
    ax = fig.add_subplot()
    if not sources:
        _none(ax, "records")
        return fig
    grid = [[metrics.fill_rate[s][f] for s in sources] for f in fields]
    mesh = ax.pcolormesh(grid, cmap="Blues", vmin=0.0, vmax=1.0, edgecolors="white", linewidth=0.5)
    for y, row in enumerate(grid):
        for x, share in enumerate(row):
            ax.text(x + 0.5, y + 0.5, f"{share:.0%}", ha="center", va="center", fontsize=7,
                    color="white" if share > 0.6 else "black")
    ax.set_xticks([i + 0.5 for i in range(len(sources))], sources, fontsize=8)
    ax.set_yticks([i + 0.5 for i in range(len(fields))], fields, fontsize=8)
    ax.invert_yaxis()
    ax.xaxis.tick_top()
    fig.colorbar(mesh, ax=ax, shrink=0.5, label="share of the source's records")
    return fig


def histogram(values: list[int], xlabel: str, what: str):
    """Counts on log-spaced bins (enrollment spans 1 to tens of thousands)."""
    fig = _figure(6.4, 3.0)
    ax = fig.add_subplot()
    positive = [v for v in values if v > 0]
    if not positive:
        _none(ax, what)
        return fig
    top = math.ceil(math.log10(max(positive) + 1)) or 1
    edges = [10 ** (i / 4) for i in range(0, 4 * top + 1)]
    ax.hist(positive, bins=edges, color=BAR_COLOR, edgecolor="white")
    ax.set_xscale("log")
    # plain "1,000" labels at the powers of ten, none between: the log axis' default
    # "$10^{3}$" labels go through matplotlib's mathtext parser, a third of the report's time
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    ax.xaxis.set_major_locator(LogLocator(base=10))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:,.0f}"))
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.set_xlabel(xlabel)
    ax.set_ylabel("trials")
    ax.yaxis.set_major_locator(_integer_ticks())
    ax.spines[["top", "right"]].set_visible(False)
    zeros = len(values) - len(positive)
    if zeros:
        ax.set_title(f"{zeros} trial(s) with enrollment 0 not shown", fontsize=8)
    return fig


# (key, title, figure builder): the report's charts, in page order
CHARTS: tuple[tuple[str, str, Callable[[Metrics], object]], ...] = (
    ("records", "Records per batch and source",
     lambda m: stacked_chart(m.records_by_batch_source, "records", "records")),
    ("trials-source", "Trials per source (a trial counts once for each source it has)",
     lambda m: bar_chart(m.trials_by_source, "trials", "trials")),
    ("trials-batch", "Trials per batch (trials with at least one record of the batch)",
     lambda m: bar_chart(m.trials_by_batch, "trials", "trials")),
    ("fill-rate", "Field fill rate per source", heatmap),
    ("conflicts", "Conflicts per field (trials whose sources disagree)",
     lambda m: bar_chart(m.conflicts_by_field, "trials", "conflicts")),
    ("doses", "Doses per trial (one per agent amount in an arm or intervention, chosen where records disagree)",
     lambda m: bar_chart(m.doses_per_trial, "trials", "trial doses")),
    ("links", "Link methods (edges that joined records into trials)",
     lambda m: bar_chart(m.link_methods, "links", "links")),
    ("quarantine", "Quarantine reasons", lambda m: bar_chart(m.quarantine_by_reason, "files", "quarantined files")),
    ("warnings", "Parser warnings per batch, by code",
     lambda m: stacked_chart(m.warnings_by_batch_code, "warnings", "parser warnings")),
    ("enrollment", "Enrollment distribution (resolved per trial)",
     lambda m: histogram(m.enrollment, "enrollment (participants, log scale)", "enrollment counts")),
    ("phases", "Phase distribution", lambda m: bar_chart(m.phases, "trials", "trials")),
)


def draw_chart(metrics: Metrics, index: int) -> Chart:
    """CHARTS[index], drawn."""
    key, title, build = CHARTS[index]
    return Chart(key, title, _to_svg(build(metrics), key))


def draw_charts(metrics: Metrics) -> list[Chart]:
    return [draw_chart(metrics, index) for index in range(len(CHARTS))]
