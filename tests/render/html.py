"""Saved-HTML form of a rendered page: what "Save page as" gives for the same trial.

Headings become <h2> (the title <h1>), values <div><span>, prose <p> (its text wrapped over
several source lines, as pretty-printed pages are), list items <ul>/<ol><li>
with the marker removed (the browser draws it; the parser's HTML-to-lines step adds "• " back),
site chrome goes into <nav>/<footer>, and <head> carries a <style> and <script> whose text a
browser never shows, so a parser that reads script text would fail here. Text is
entity-escaped (&amp;, &lt;, &#x27;, ...).
"""
from __future__ import annotations

import textwrap
from html import escape

from tests.render.page import Line, Page

SITE_NAMES = {"veeva": "ClinicalTrials.Veeva", "medpath": "MedPath", "ctgov_text": "ClinicalTrials.gov"}
CHROME_SECTIONS = {"chrome": "nav", "brand": "nav", "footer": "footer"}

_HEAD = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
  body {{ font-family: system-ui, sans-serif; margin: 0 auto; max-width: 64rem; }}
  h2 {{ font-size: 1.1rem; margin-top: 1.5rem; }} .muted {{ color: #667; }}
</style>
<script>
  window.__PAGE_STATE__ = {{"trial": "{nct_id}", "sections": ["Conditions", "Enrollment", "Sex"]}};
  document.addEventListener("DOMContentLoaded", function () {{ console.log("Status and phase"); }});
</script>
</head>
<body>
"""


def _element(line: Line, tag: str = "div") -> str:
    text = escape(line.text)
    if line.kind == "para":
        # saved pages are pretty-printed: long text breaks across source lines, which a
        # browser shows as single spaces
        wrapped = textwrap.wrap(text, 90, break_long_words=False, break_on_hyphens=False)
        return "<p>\n      " + "\n      ".join(wrapped) + "\n    </p>"
    if line.kind == "chrome":
        return f'<{tag} class="muted">{text}</{tag}>'
    return f'<div class="value"><span>{text}</span></div>'


def _section_html(lines: list[Line], heading_tag: str) -> list[str]:
    out: list[str] = []
    items: list[Line] = []

    def flush() -> None:
        if items:
            tag = "ol" if items[0].marker.strip()[:1].isdigit() else "ul"
            out.append(f"<{tag}>" + "".join(f"<li>{escape(i.text)}</li>" for i in items) + f"</{tag}>")
            items.clear()

    for line in lines:
        if line.kind == "blank":
            continue  # blank lines between list items do not end the list
        if line.kind == "item":
            items.append(line)
            continue
        flush()
        if line.kind == "heading":
            out.append(f"<{heading_tag}>{escape(line.text)}</{heading_tag}>")
        else:
            out.append(_element(line))
    flush()
    return out


def to_html(page: Page) -> str:
    parts = [_HEAD.format(title=escape(f"{page.title} | {SITE_NAMES.get(page.layout, page.layout)}"),
                          nct_id=escape(page.nct_id))]
    in_main = False
    for index, section in enumerate(page.sections):
        wrapper = CHROME_SECTIONS.get(section.name)
        if wrapper:
            if in_main:
                parts.append("</main>")
                in_main = False
            parts.append(f"<{wrapper}>" + "".join(
                f'<div class="muted"><a href="#">{escape(line.text)}</a></div>'
                for line in section.lines if line.kind != "blank") + f"</{wrapper}>")
            continue
        if not in_main:
            parts.append("<main>")
            in_main = True
        heading_tag = "h1" if index <= 1 and section.name in ("title", "header") else "h2"
        parts.append(f'<section data-name="{escape(section.name)}">')
        parts += _section_html(section.lines, heading_tag)
        parts.append("</section>")
    if in_main:
        parts.append("</main>")
    parts.append("</body>\n</html>\n")
    return "\n".join(parts)
