"""Layout drift generator: the ways a site changes a page, applied to a rendered real study.

Each mutation takes a `Page` (tests/render/page.py) and a seeded `random.Random` and returns a
changed page, or None when the kind does not apply to that page (a title too short to wrap,
a text layout with no blank line to lose). Pages are then shown as text or as saved HTML;
`html_wrapper` changes the HTML around the same visible lines.

The wording pools below are this test's own (what sites are seen to print); the parser's
chrome rules (parsers/chrome.py) and heading synonyms (parsers/headings.py) are written
separately and must generalise to them.
"""
from __future__ import annotations

import random
import re
from dataclasses import dataclass, replace

from tests.render.html import to_html
from tests.render.page import BLANK, Line, Page, Section

# --- chrome a scraper catches around the content ------------------------------------------------

TOP_CHROME = (
    "Skip to main content", "Skip to content", "Home > Clinical Trials > {condition}",
    "Home / Trials / {nct_id}", "Home › Studies › {nct_id}", "Share", "Print", "Save", "Share this trial",
    "Print this page", "Save to my list", "Back to search results", "← Back to results", "Back",
    "Sign in", "Log in", "Copy link", "Email this trial", "Follow this trial",
    "We use cookies to improve your experience.", "Accept all cookies", "Accept cookies",
    "Cookie settings", "Manage cookie preferences", "Rated 4.5 out of 5", "★★★★☆", "Rate this trial",
    "Advertisement", "Sponsored", "Download PDF", "Subscribe", "Tweet", "Facebook", "LinkedIn",
)
MIDDLE_CHROME = (
    "Advertisement", "Sponsored content", "Share", "Print", "Save", "Back to top", "↑ Back to top",
    "Was this page helpful?", "Rate this page", "★★★★★", "Report an issue", "Show more", "Read more",
    "Show less", "Download PDF", "Email", "Copy link",
)
BOTTOM_CHROME = (
    "Privacy Policy", "Terms of Use", "Terms of Service", "Contact us", "About us", "Accessibility",
    "Cookie preferences", "© 2026 TrialFinder Ltd. All rights reserved.", "All rights reserved.",
    "Was this page helpful?\nYes\nNo", "Back to top", "Sitemap", "Help", "Newsletter",
)

# --- heading rewording: what a site may rename a heading to --------------------------------------

SYNONYMS = {
    "sex": ("Gender",),
    "enrollment": ("Enrolment", "Participants", "Number of participants"),
    "conditions": ("Condition(s)", "Diseases", "Disease"),
    "lead sponsor": ("Sponsor",),
    "treatments": ("Interventions",),
    "interventions": ("Treatments",),
    "ages": ("Age", "Age range", "Eligible ages"),
    "study type": ("Type of study",),
    "identifiers": ("Trial identifiers", "Study IDs"),
    "status and phase": ("Phase and status",),
    "funder types": ("Funders", "Funding"),
    "volunteers": ("Healthy volunteers",),
    "about": ("Summary", "Overview"),
    "full description": ("Detailed description", "Description"),
    "brief summary": ("Summary",),
    "detailed description": ("Description",),
    "inclusion criteria": ("Inclusion", "Who can take part"),
    "exclusion criteria": ("Exclusion", "Who cannot take part"),
    "registration number": ("Registration No.", "Trial ID"),
    "target recruitment": ("Target enrollment", "Target enrolment"),
    "actual recruitment": ("Actual enrollment", "Actual enrolment"),
    "trial locations": ("Locations", "Study sites"),
    "study groups": ("Study arms", "Arms"),
    "eligibility criteria": ("Eligibility",),
    "basic information": ("Overview", "Key information"),
    "sponsors": ("Sponsors and collaborators", "Sponsor"),
    "other identifiers": ("Other IDs", "Secondary identifiers"),
    "principal investigators": ("Investigators",),
    "central contacts": ("Contacts",),
    "trial design": ("Study design",),
    "recruitment & eligibility": ("Recruitment and eligibility", "Eligibility"),
    "study & design": ("Study and design", "Design"),
    "primary purpose": ("Purpose",),
}
_COUNTABLE = {"type", "design", "contact", "description", "group", "model", "purpose", "number", "sponsor",
              "measure", "location", "condition", "identifier", "keyword", "reference", "investigator", "age"}


def _plural_toggle(text: str) -> str:
    head, _, last = text.rpartition(" ")
    if last.endswith("ies"):
        last = last[:-3] + "y"
    elif last.endswith("s") and not last.endswith("ss") and len(last) > 3:
        last = last[:-1]
    elif last.casefold() in _COUNTABLE:
        last += "s"
    return f"{head} {last}".strip()


def _amp_toggle(text: str) -> str:
    return text.replace(" & ", " and ") if "&" in text else text.replace(" and ", " & ")


REWORDINGS = {
    "upper": str.upper,
    "lower": lambda t: t[:1] + t[1:].lower(),
    "title": lambda t: " ".join(w[:1].upper() + w[1:] for w in t.split(" ")),
    "colon": lambda t: t + ":",
    "plural": _plural_toggle,
    "ampersand": _amp_toggle,
    "synonym": lambda t: t,  # chosen below (needs the rng)
}


def _reworded(text: str, rng: random.Random) -> str | None:
    ways = list(REWORDINGS)
    rng.shuffle(ways)
    for way in ways:
        if way == "synonym":
            options = SYNONYMS.get(text.casefold())
            new = rng.choice(options) if options else text
        else:
            new = REWORDINGS[way](text)
        if new != text:
            return new
    return None


# --- page structure helpers ----------------------------------------------------------------------

_TOP_NAMES = {"chrome", "brand", "title", "sponsor", "badges", "header"}


def _headed(page: Page) -> list[int]:
    """Indexes of the sections that open with a heading line (not the title, not the footer)."""
    return [i for i, s in enumerate(page.sections)
            if s.name not in _TOP_NAMES and s.name != "footer" and s.lines and s.lines[0].kind == "heading"]


def _blank_rhythm(page: Page) -> bool:
    """Veeva and MedPath separate blocks with blank lines; the CT.gov text does not."""
    return page.layout != "ctgov_text"


def _chrome_section(name: str, texts: list[str], page: Page) -> Section:
    lines = [Line(t, "chrome") for text in texts for t in text.split("\n")]
    if _blank_rhythm(page):
        lines = [x for line in lines for x in (line, BLANK)]
    return Section(name, lines)


def _fill(text: str, page: Page, condition: str) -> str:
    return text.format(nct_id=page.nct_id, condition=condition)


def _condition(page: Page) -> str:
    for section in page.sections:
        if section.name == "Conditions":
            values = [line.text for line in section.lines if line.kind == "value"]
            if values:
                return values[0]
    return "Trials"


def chrome_top(page: Page, rng: random.Random) -> Page:
    texts = [_fill(t, page, _condition(page)) for t in rng.sample(TOP_CHROME, rng.randint(2, 5))]
    at = next(i for i, s in enumerate(page.sections) if s.name in ("title", "header"))
    sections = list(page.sections)
    sections.insert(at, _chrome_section("share", texts, page))
    return replace(page, sections=sections)


def chrome_middle(page: Page, rng: random.Random) -> Page:
    sections = list(page.sections)
    for _ in range(rng.randint(1, 3)):
        headed = _headed(replace(page, sections=sections))
        at = rng.choice(headed[1:] or headed)
        sections.insert(at, _chrome_section("ad", rng.sample(MIDDLE_CHROME, rng.randint(1, 3)), page))
    return replace(page, sections=sections)


def chrome_bottom(page: Page, rng: random.Random) -> Page:
    sections = list(page.sections)
    texts = rng.sample(BOTTOM_CHROME, rng.randint(2, 5))
    footer = next((i for i, s in enumerate(sections) if s.name == "footer"), len(sections))
    at = footer + 1 if rng.random() < 0.5 else footer
    sections.insert(at, _chrome_section("links", texts, page))
    return replace(page, sections=sections)


def reorder(page: Page, rng: random.Random) -> Page | None:
    headed = _headed(page)
    if len(headed) < 3:
        return None
    moved = [page.sections[i] for i in headed]
    for _ in range(10):
        rng.shuffle(moved)
        if [s.name for s in moved] != [page.sections[i].name for i in headed]:
            break
    sections = list(page.sections)
    for i, section in zip(headed, moved):
        sections[i] = section
    return replace(page, sections=sections)


UNKNOWN_SECTIONS = (
    ("Collaborators", ["Northwind Research Foundation", "Contoso University Hospital"]),
    ("Study Documents", ["Study Protocol (PDF, 1.2 MB)", "Statistical Analysis Plan"]),
    ("Plain Language Summary", ["This study tests whether the treatment helps people live longer."]),
    ("Related Trials", ["A long-term follow-up of the same participants"]),
    ("Data Sharing Statement", ["Individual participant data will not be shared."]),
    ("Publications", ["No publications are linked to this trial yet."]),
    ("Trial Updates", ["Last reviewed by the sponsor in March 2025."]),
    ("Similar Studies", ["Three studies with the same condition are recruiting near you."]),
    ("Investigator Information", ["Dr. Jane Roe", "Principal investigator"]),
    # headings no rule of the parser names: their lines must end up unused or in free text, never as values
    ("Funding Sources", ["National Heart Foundation"]),
    ("Ask a Question", ["Send your question to the study team."]),
)


def unknown_sections(page: Page, rng: random.Random) -> Page:
    sections = list(page.sections)
    for heading, body in rng.sample(UNKNOWN_SECTIONS, rng.randint(1, 2)):
        headed = _headed(replace(page, sections=sections))
        at = rng.choice(headed[1:] + [max(headed) + 1])
        lines = [Line(heading, "heading")]
        if page.layout == "ctgov_text":
            lines.append(Line("More about this study from the registry.", "chrome"))  # the explainer
        elif _blank_rhythm(page):
            lines.append(BLANK)
        lines += [Line(t) for t in body]
        if _blank_rhythm(page):
            lines.append(BLANK)
        sections.insert(at, Section(f"unknown {heading}", lines))
    return replace(page, sections=sections)


def reword_headings(page: Page, rng: random.Random) -> Page | None:
    """A few headings (1 to 4) reworded: case, punctuation, "&"/"and", singular/plural, synonym."""
    spots = [(s, n) for s, section in enumerate(page.sections) if section.name not in _TOP_NAMES
             for n, line in enumerate(section.lines) if line.kind == "heading" and not re.search(r"\d", line.text)]
    if not spots:
        return None
    sections = [Section(s.name, list(s.lines), s.optional) for s in page.sections]
    changed = 0
    for s, n in rng.sample(spots, min(len(spots), rng.randint(1, 4))):
        new = _reworded(sections[s].lines[n].text, rng)
        if new is not None:
            sections[s].lines[n] = Line(new, "heading")
            changed += 1
    return replace(page, sections=sections) if changed else None


def blank_lines_lost(page: Page, rng: random.Random) -> Page | None:
    if not any(line.kind == "blank" for line in page.lines()):
        return None
    return replace(page, sections=[Section(s.name, [x for x in s.lines if x.kind != "blank"], s.optional)
                                   for s in page.sections])


def blank_lines_doubled(page: Page, rng: random.Random) -> Page:
    out = []
    for section in page.sections:
        lines: list[Line] = []
        for line in section.lines:
            if line.kind == "heading" and not _blank_rhythm(page):
                lines.append(BLANK)  # a layout without blank lines gains them
            lines.append(line)
            if line.kind == "blank":
                lines.append(BLANK)
        out.append(Section(section.name, lines, section.optional))
    return replace(page, sections=out)


def split_title(page: Page, rng: random.Random) -> Page | None:
    """The title wrapped over two lines (a narrow page or a copy from a PDF)."""
    at = next(i for i, s in enumerate(page.sections) if s.name in ("title", "header"))
    section = page.sections[at]
    words = section.lines[0].text.split(" ")
    if len(words) < 6:
        return None
    cut = rng.randint(2, len(words) - 2)
    lines = [Line(" ".join(words[:cut]), "heading"), Line(" ".join(words[cut:]), "heading"), *section.lines[1:]]
    sections = list(page.sections)
    sections[at] = Section(section.name, lines, section.optional)
    return replace(page, sections=sections)


# --- HTML wrappers -------------------------------------------------------------------------------

_HEADING_TAGS = (
    lambda m: f"<div role=\"heading\" aria-level=\"2\">{m.group(1)}</div>",
    lambda m: f"<div class=\"section-title\"><strong>{m.group(1)}</strong></div>",
    lambda m: f"<p><b>{m.group(1)}</b></p>",
)


def html_wrapper(html: str, rng: random.Random) -> str:
    """Same visible lines, other markup: headings in other tags, sections as cards, values
    as <span>s ended by <br>, the whole page wrapped in app containers."""
    tag = rng.choice(_HEADING_TAGS)
    html = re.sub(r"<h2>(.*?)</h2>", tag, html)
    if rng.random() < 0.5:
        html = re.sub(r"<section data-name=\"[^\"]*\">", '<div class="card"><div class="card-body">', html)
        html = html.replace("</section>", "</div></div>")
    if rng.random() < 0.5:
        html = re.sub(r"<div class=\"value\"><span>(.*?)</span></div>", r"<span>\1</span><br>", html)
    if rng.random() < 0.5:
        html = html.replace("<body>", '<body><div id="app"><div class="container">').replace(
            "</body>", "</div></div></body>")
    return html


@dataclass(frozen=True)
class Kind:
    name: str
    mutate: object  # (Page, Random) -> Page | None
    forms: tuple[str, ...] = ("text", "html")


KINDS = (
    Kind("chrome_top", chrome_top),
    Kind("chrome_middle", chrome_middle),
    Kind("chrome_bottom", chrome_bottom),
    Kind("reorder", reorder),
    Kind("unknown_section", unknown_sections),
    Kind("reword", reword_headings),
    Kind("blank_lost", blank_lines_lost, ("text",)),  # saved HTML has no blank lines to lose
    Kind("blank_doubled", blank_lines_doubled, ("text",)),
    Kind("split_value", split_title),
    Kind("html_wrapper", lambda page, rng: page, ("html",)),
)


def combined(page: Page, rng: random.Random) -> Page | None:
    """Two or three of the page-level kinds at once (a site redesign rarely changes one thing)."""
    kinds = rng.sample([chrome_top, chrome_middle, chrome_bottom, reorder, unknown_sections, reword_headings,
                        split_title], rng.randint(2, 3))
    changed = page
    for mutate in kinds:
        changed = mutate(changed, rng) or changed
    return changed if changed is not page else None


KINDS = (*KINDS, Kind("combined", combined))
KIND_NAMES = tuple(k.name for k in KINDS)


def mutated_page(page: Page, kind: Kind, rng: random.Random, form: str) -> str | None:
    """The page text (or HTML) after one mutation; None when the kind does not apply."""
    changed = kind.mutate(page, rng)
    if changed is None:
        return None
    if form == "text":
        return changed.text()
    html = to_html(changed)
    return html_wrapper(html, rng) if kind.name == "html_wrapper" else html


def clean_page(page: Page, form: str) -> str:
    return page.text() if form == "text" else to_html(page)
