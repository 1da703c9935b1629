"""Page variants a real scrape delivers: CRLF, a UTF-8 BOM, saved HTML, a missing section, long lists.

Every choice is seeded by the layout and NCT id, so a failing study fails the same way on
every run (and on every machine).
"""
from __future__ import annotations

import copy
import random
from dataclasses import dataclass

from tests.render import ctgov_text, medpath, veeva
from tests.render.html import to_html
from tests.render.page import Page

RENDERERS = {"veeva": veeva.render, "medpath": medpath.render, "ctgov_text": ctgov_text.render}
LAYOUTS = tuple(RENDERERS)


@dataclass(frozen=True)
class Variant:
    html: bool = False
    crlf: bool = False
    bom: bool = False
    omit: frozenset[str] = frozenset()

    def describe(self) -> str:
        flags = [name for name in ("html", "crlf", "bom") if getattr(self, name)]
        flags += [f"without {name!r}" for name in sorted(self.omit)]
        return "+".join(flags) or "plain"


def render_page(layout: str, study: dict) -> Page:
    return RENDERERS[layout](study)


def choose_variant(page: Page, html: bool) -> Variant:
    """A deterministic mix of CRLF / BOM / one deleted optional section for this page."""
    rng = random.Random(f"{page.layout}:{page.nct_id}:{'html' if html else 'text'}")
    optional = page.optional_names()
    omit = frozenset([rng.choice(optional)]) if optional and rng.random() < 0.5 else frozenset()
    return Variant(html=html, crlf=rng.random() < 0.4, bom=rng.random() < 0.3, omit=omit)


def apply(page: Page, variant: Variant) -> str:
    shown = page.without(variant.omit)
    text = to_html(shown) if variant.html else shown.text()
    if variant.crlf:
        text = text.replace("\r\n", "\n").replace("\n", "\r\n")
    if variant.bom:
        text = "\ufeff" + text
    return text


def variants_for(layout: str, study: dict) -> list[tuple[Variant, str]]:
    """The plain text page, one text variant and one HTML variant of a study in a layout."""
    page = render_page(layout, study)
    chosen = [Variant(), choose_variant(page, html=False), choose_variant(page, html=True)]
    return [(variant, apply(page, variant)) for variant in dict.fromkeys(chosen)]


def with_long_lists(study: dict, copies: int = 40) -> dict:
    """A copy of a study with many conditions, arms, interventions and locations.

    New entries get distinct names (" - site 7", " - group 7") so a parser that collapses,
    truncates or pages a long list shows up as a count mismatch.
    """
    big = copy.deepcopy(study)
    protocol = big.setdefault("protocolSection", {})
    conditions = protocol.setdefault("conditionsModule", {}).setdefault("conditions", [])
    base_conditions = list(conditions) or ["Condition"]
    conditions += [f"{base_conditions[n % len(base_conditions)]} variant {n}" for n in range(1, copies)]
    arms_module = protocol.setdefault("armsInterventionsModule", {})
    interventions = arms_module.setdefault("interventions", [])
    arms = arms_module.setdefault("armGroups", [])
    for n in range(1, copies):
        name = f"Study product {n}"
        interventions.append({"type": "DRUG", "name": name, "description": f"Dose level {n}."})
        arms.append({"label": f"Cohort {n}", "type": "EXPERIMENTAL", "description": f"Receives dose level {n}.",
                     "interventionNames": [f"Drug: {name}"]})
    locations = protocol.setdefault("contactsLocationsModule", {}).setdefault("locations", [])
    base = locations[0] if locations else {"facility": "Clinic", "city": "Lyon", "country": "France"}
    for n in range(1, copies):
        site = dict(base)
        site["facility"] = f"{base.get('facility') or 'Clinic'} - site {n}"
        locations.append(site)
    return big
