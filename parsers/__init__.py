"""trialbridge parsers: raw page -> SourceRecord (pure Python, no Dagster).

Public API: `detect(text)`, `parse_text(text, source=None)`, `PARSER_VERSION`.
"""
from __future__ import annotations

from parsers.detect import detect, detect_lines
from parsers.lines import page_lines
from parsers.record import SourceRecord

PARSER_VERSION = "1.1.0"  # 1.1: export readers, drift-tolerant page parsing


class UnknownLayout(ValueError):
    """parse_text got a page whose layout detect() does not recognise (quarantine it)."""


def parse_text(text: str, source: str | None = None, markup: bool | None = None) -> SourceRecord:
    """Parse one page (text or saved HTML) of a known layout into a SourceRecord.

    Never raises on page content once the layout is known: a section that cannot be read
    becomes a "section_error" warning and the rest of the page is still used. Raises
    UnknownLayout when `source` is None and the content matches no layout, ValueError for a
    `source` key that is not a line layout. markup: whether the text is HTML, when the caller
    sniffed it already (parsers.lines.looks_like_html).
    """
    from parsers.layout import parse_lines
    from parsers.sources import layout_specs

    from parsers.lines import looks_like_html

    if markup is None:
        markup = looks_like_html(text or "")
    lines = page_lines(text or "", mark_headings=True, markup=markup)
    key = source or detect_lines(lines)
    if key is None:
        from parsers.detect import closest_layout

        raise UnknownLayout(f"no known page layout matches this content; {closest_layout(lines)}")
    specs = layout_specs()
    if key not in specs:
        raise ValueError(f"{key!r} is not a page layout (known: {sorted(specs)})")
    record = SourceRecord(source=key, parser_version=PARSER_VERSION)
    return parse_lines(lines, specs[key], record, markup)


__all__ = ["PARSER_VERSION", "SourceRecord", "UnknownLayout", "detect", "parse_text"]
