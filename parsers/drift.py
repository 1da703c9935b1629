"""Layout drift: how one page departs from its layout (warnings), and how a batch departs from
its source's usual profile (metrics, alert).

Page level (`warn_layout_drift`, called by the layout engine): generic chrome removed,
reworded headings, sections out of their usual order or missing, blank-line rhythm changed
(text), headings no longer in h1-h6 tags (HTML). Readers add their own drift warnings:
"unknown_heading", "unused_lines", "suspect_value" (a slot refused a value), "joined_lines".

Batch level (`batch_drift`): per source, the share of pages with each drift signal and the
share of pages where a usually filled field is null, compared with USUAL_PROFILE. Pure:
the Dagster asset, its WARN check and `trialbridge ingest` only call `batch_drift` and
`alert_line`.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from parsers.headings import heading_like, sentence_like
from parsers.lines import is_item
from parsers.sections import TOP, UNKNOWN, order_departures

if TYPE_CHECKING:
    from parsers.layout import Block, LayoutSpec
    from parsers.record import SourceRecord

DRIFT_CODES = frozenset({
    "unknown_heading",  # a heading no layout knows: its lines were set aside
    "unused_lines",  # lines no reader used
    "heading_variant",  # a heading read through case / plural / synonym tolerance
    "chrome_removed",  # generic site chrome removed (share links, breadcrumbs, cookie banner...)
    "section_order",  # a section earlier than its usual place
    "missing_section",  # a section the source always shows is absent
    "spacing_drift",  # the page's blank-line rhythm changed
    "html_drift",  # saved HTML whose headings are no longer h1-h6 elements
    "suspect_value",  # a slot refused what stood in it (a UI word as the title...)
    "joined_lines",  # a value wrapped over several lines was joined
    # a heading-like line standing alone in free text, after a MedPath outcome table or after
    # the last CT.gov text study group (kept as text; the readers of those blocks add it)
    "possible_heading",
})


@dataclass(frozen=True)
class Profile:
    """What a source's pages usually look like.

    sections: shown on every page of the source; fields: filled on (almost) every page;
    max_share: the share of a batch's pages that may carry each drift signal before the batch
    counts as drifted (measured on the round-trip batches of 462 real studies, where every
    signal stays under 2%, with headroom for small batches); max_null: the same for a usual
    field left null."""

    sections: tuple[str, ...]
    fields: tuple[str, ...]
    max_share: float = 0.10
    max_null: float = 0.10


USUAL_PROFILE: dict[str, Profile] = {
    "veeva": Profile(sections=("Status and phase", "Conditions", "Identifiers", "Details and patient eligibility"),
                     fields=("title", "status", "conditions", "identifiers", "lead_sponsor")),
    "medpath": Profile(sections=("Conditions", "Registration Number", "Recruitment & Eligibility", "Status", "Sex"),
                       fields=("title", "status", "conditions", "identifiers", "lead_sponsor", "sex")),
    "ctgov_text": Profile(sections=("Basic Information", "Conditions", "Eligibility Criteria", "Sponsors"),
                          fields=("title", "status", "conditions", "identifiers", "study_type", "lead_sponsor")),
}


def warning_code(warning: str) -> str:
    return warning.split(":", 1)[0]


def has_drift_warning(warnings: Iterable[str]) -> bool:
    return any(warning_code(w) in DRIFT_CODES for w in warnings)


# --- page level -----------------------------------------------------------------------------------

def warn_layout_drift(record: "SourceRecord", blocks: list["Block"], spec: "LayoutSpec", removed: list[str],
                      lines: list[str], markup: bool) -> None:
    """Warnings for the ways this page departs from its layout (see module docstring)."""
    if removed:
        record.warn("chrome_removed", f"n={len(removed)} " + ", ".join(repr(line) for line in removed[:3]))
    printed = {h.name: h.text or h.name for h in spec.headings if h.pattern is None}
    headed = [b for b in blocks if b.name not in (TOP, UNKNOWN)]
    for block in headed:
        if block.heading != printed.get(block.name, block.heading):
            record.warn("heading_variant", f"{block.heading!r} read as {block.name!r}")
    for name, after in order_departures([b.name for b in blocks], spec)[:3]:
        record.warn("section_order", f"{name!r} after {after!r}")
    for block in blocks:
        if block.name in spec.prose_blocks - spec.described_blocks:
            for line in _standalone_headings(block.lines, spec.explainer_after_heading):
                record.warn("possible_heading", f"{line!r} in {block.heading!r}")
    profile = USUAL_PROFILE.get(spec.key)
    if profile is not None:
        names = {b.name for b in blocks}
        for name in profile.sections:
            if name not in names:
                record.warn("missing_section", repr(name))
    if markup:
        tagged = [b.after_blank for b in headed if b.exact]
        if len(tagged) >= 3 and sum(tagged) < len(tagged) / 2:
            record.warn("html_drift", f"{len(tagged) - sum(tagged)} of {len(tagged)} headings not in h1-h6 elements")
    else:
        spacing = _spacing_drift(lines, spec.blank_rhythm)
        if spacing:
            record.warn("spacing_drift", spacing)


def _standalone_headings(lines: list[str], explained: bool) -> list[str]:
    """Heading-like lines in free text that stand as this layout's headings do: between blank
    lines, or (layouts with an explainer) followed by a sentence. Most likely the heading of a
    section no layout knows: they stay text, but are named."""
    texts = [line.strip() for line in lines]
    filled = [i for i, t in enumerate(texts) if t]
    out = []
    for n, i in enumerate(filled[:-1]):
        if not heading_like(texts[i]):
            continue
        following = texts[filled[n + 1]]
        if explained and sentence_like(following) and not is_item(following):
            out.append(texts[i])  # the explainer under the heading was already taken: any line counts
        elif not explained and n > 0 and i - filled[n - 1] > 1 and filled[n + 1] - i > 1:
            out.append(texts[i])
    return out


def _spacing_drift(lines: list[str], blank_rhythm: bool) -> str | None:
    blank = [not line.strip() for line in lines]
    filled = [i for i, is_blank in enumerate(blank) if not is_blank]
    if len(filled) < 2:
        return None
    inner = blank[filled[0]:filled[-1] + 1]
    blanks = sum(inner)
    if any(a and b for a, b in zip(inner, inner[1:])):
        return "runs of blank lines"
    if blank_rhythm and blanks == 0:
        return "no blank lines between blocks"
    if not blank_rhythm and blanks:
        return f"{blanks} blank lines in a layout without them"
    return None


# --- batch level ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Departure:
    metric: str
    share: float
    usual: float

    def __str__(self) -> str:
        return f"{self.metric} {100 * self.share:.0f}% (usual <= {100 * self.usual:.0f}%)"


@dataclass
class BatchDrift:
    source: str
    pages: int
    shares: dict[str, float] = field(default_factory=dict)  # drift code -> share of pages carrying it
    null_shares: dict[str, float] = field(default_factory=dict)  # usual field -> share of pages null
    departures: list[Departure] = field(default_factory=list)

    @property
    def drifted(self) -> bool:
        return bool(self.departures)

    def metadata(self) -> dict[str, float | int | str]:
        """Flat numbers for the parse asset's metadata."""
        out: dict[str, float | int | str] = {"drift_pages": self.pages}
        out.update({f"drift_{code}_share": round(share, 4) for code, share in sorted(self.shares.items())})
        out.update({f"drift_null_{name}_share": round(share, 4) for name, share in sorted(self.null_shares.items())})
        out["drift_departures"] = self.departures_text() or "none"
        return out

    def departures_text(self) -> str:
        return ", ".join(map(str, self.departures[:4]))


def filled_fields(record: "SourceRecord | dict[str, Any]") -> set[str]:
    """Names of a record's fields (scalars and lists) that hold a value; works on a record or its dict."""
    data = record if isinstance(record, dict) else record.to_dict()
    return {name for name, value in data.items() if value not in (None, "", [], {})}


MIN_PAGES_TO_DEPART = 3


def batch_drift(source: str, pages: Iterable[tuple[Iterable[str], set[str]]]) -> BatchDrift:
    """Drift metrics of one source's pages in one batch: pages = (warnings, filled field names)."""
    profile = USUAL_PROFILE.get(source, Profile((), ()))
    counts: dict[str, int] = dict.fromkeys(sorted(DRIFT_CODES), 0)
    nulls: dict[str, int] = dict.fromkeys(profile.fields, 0)
    total = 0
    for warnings, filled in pages:
        total += 1
        for code in {warning_code(w) for w in warnings} & DRIFT_CODES:
            counts[code] += 1
        for name in profile.fields:
            nulls[name] += name not in filled
    result = BatchDrift(source, total)
    if not total:
        return result
    result.shares = {code: n / total for code, n in counts.items()}
    result.null_shares = {name: n / total for name, n in nulls.items()}
    # A share departs when it is above the usual one AND at least MIN_PAGES_TO_DEPART pages show
    # it: in a batch of two pages one odd page is 50% (its own warnings already say so), not drift.
    result.departures = [Departure(code, share, profile.max_share) for code, share in result.shares.items()
                         if share > profile.max_share and counts[code] >= MIN_PAGES_TO_DEPART]
    result.departures += [Departure(f"{name} null", share, profile.max_null)
                          for name, share in result.null_shares.items()
                          if share > profile.max_null and nulls[name] >= MIN_PAGES_TO_DEPART]
    return result


def usual_fields(source: str) -> tuple[str, ...]:
    """The record fields batch_drift looks at for this source (all a caller needs to load)."""
    return tuple(USUAL_PROFILE.get(source, Profile((), ())).fields)


def batch_drift_from_rows(source: str, rows: Iterable[dict[str, Any]]) -> BatchDrift:
    """batch_drift over staged record rows holding `warnings` and the usual_fields(source)."""
    return batch_drift(source, ((row.get("warnings") or [], filled_fields(row)) for row in rows))


def alert_line(batch: str, drifted: Iterable[tuple[str, int, str]]) -> str | None:
    """One line for the operator: (source, pages, departures) of the sources whose pages in
    this batch departed from their usual profile; None when none did."""
    parts = [f"{source} ({pages} pages): {departures}" for source, pages, departures in drifted]
    if not parts:
        return None
    return f"drift alert, batch {batch}: " + "; ".join(parts) + " (README: 'Answering a drift alert')"
