"""Build the linking round-trip corpus: real v2 studies -> rendered pages -> ParsedFile list.

Every choice (which studies, which layouts, which page variant) is seeded by the NCT id, so a
failure names the same page on every run. Each page also carries the registry link keys it
SHOWS, computed from the v2 JSON and the page's visible id fields, independently of the
parsers, so the test can check that the warehouse kept exactly the ids the pages gave it.
"""
from __future__ import annotations

import copy
import hashlib
import random
import re
from dataclasses import dataclass, field
from pathlib import Path

import parsers
from parsers.identifiers import find_registry_ids, link_key
from parsers.sources.ctgov_json import parse_study
from tests.conftest import load_v2_study
from tests.render.variants import Variant, apply, choose_variant, render_page

PAGE_LAYOUTS = ("veeva", "medpath", "ctgov_text")
EU_TYPES = frozenset({"EUDRACT", "EU_CT"})
# The section of each layout that lists the org study id and secondary ids (None: not shown).
ID_SECTION = {"veeva": "Identifiers", "ctgov_text": "Other Identifiers", "medpath": None}
N_MAIN = 46  # studies rendered 2-3 ways each (plus the generic-org-id groups below)


@dataclass
class Page:
    """One rendered (or JSON) record of one study, and what it should contribute to linking."""

    nct_id: str  # the study it came from (the trial it must land in)
    layout: str  # veeva | medpath | ctgov_text | ctgov_json
    label: str  # variant description, for messages
    content: str | dict  # page text / HTML, or the v2 study dict for ctgov_json
    shown_keys: frozenset[str]  # registry link keys the page shows (from the JSON, not the parser)
    # page: an ordinary page; eu_only: a MedPath page whose only registry id is the study's EudraCT
    # / EU CT id; org_only: a Veeva page with no registry id, only the study's own org id + sponsor
    # (joins its trial); ambiguous_org: the same with a generic org id that several trials of the
    # same sponsor use (joins nothing)
    kind: str = "page"

    @property
    def eu_only(self) -> bool:
        return self.kind == "eu_only"

    @property
    def joins_study(self) -> bool:
        return self.kind != "ambiguous_org"

    @property
    def raw_path(self) -> str:
        ext = "json" if self.layout == "ctgov_json" else ("html" if "html" in self.label else "txt")
        return f"roundtrip-linking/{self.nct_id}/{self.layout}-{self.kind}.{ext}"


@dataclass
class Corpus:
    studies: dict[str, dict] = field(default_factory=dict)  # nct -> the (possibly modified) study
    pages: list[Page] = field(default_factory=list)
    generic_groups: list[dict] = field(default_factory=list)  # {"org": str, "ncts": [...], "same_sponsor": bool}


def _seed(*parts: str) -> random.Random:
    return random.Random(":".join(("linking", *parts)))


def _order_key(nct: str) -> str:
    return hashlib.sha256(f"linking:{nct}".encode()).hexdigest()


def normalize_sponsor(name: str) -> str:
    """Our own coarse sponsor key (words, case-insensitive) to pick studies of different sponsors;
    deliberately not the reconciler's rule, which is what the test exercises."""
    return " ".join(re.findall(r"[a-z0-9]+", name.casefold()))


def ident_module(study: dict) -> dict:
    return study["protocolSection"]["identificationModule"]


def sponsor_of(study: dict) -> str:
    return (study["protocolSection"].get("sponsorCollaboratorsModule") or {}).get("leadSponsor", {}).get("name") or ""


def listed_ids(study: dict) -> list[str]:
    """The org study id and secondary ids as the id sections print them."""
    module = ident_module(study)
    org = ((module.get("orgStudyIdInfo") or {}).get("id") or "").strip()
    return [org, *((s.get("id") or "").strip() for s in module.get("secondaryIdInfos", []))]


def registry_keys(values: list[str]) -> set[str]:
    keys = set()
    for value in values:
        for canonical, id_type, _ in find_registry_ids(value):
            key = link_key(canonical, id_type)
            if key:
                keys.add(key)
    return keys


def eu_ids(study: dict) -> list[tuple[str, str]]:
    """(canonical, id_type) of the EudraCT / EU CT ids among the study's listed ids."""
    out = []
    for value in listed_ids(study):
        out += [(c, t) for c, t, _ in find_registry_ids(value) if t in EU_TYPES]
    return out


def shown_keys(study: dict, layout: str, omitted: frozenset[str]) -> frozenset[str]:
    nct = ident_module(study)["nctId"]
    keys = registry_keys([nct])
    if layout == "ctgov_json":
        keys |= registry_keys(listed_ids(study) + list(ident_module(study).get("nctIdAliases") or []))
    elif ID_SECTION[layout] and ID_SECTION[layout] not in omitted:
        keys |= registry_keys(listed_ids(study))
    return frozenset(keys)


def page_of(study: dict, layout: str, html: bool, keep_ids: bool = False, kind: str = "page",
            nct: str | None = None) -> Page:
    """Render one layout; a variant chosen like the round-trip suite does (CRLF, BOM, a deleted
    optional section), kept from deleting the id section when this page must carry the ids."""
    rendered = render_page(layout, study)
    variant = choose_variant(rendered, html=html)
    if keep_ids and ID_SECTION[layout] in variant.omit:
        variant = Variant(variant.html, variant.crlf, variant.bom, variant.omit - {ID_SECTION[layout]})
    nct = nct or ident_module(study)["nctId"]
    if kind == "page":
        keys = shown_keys(study, layout, variant.omit)
    else:  # the EU id sits in the nctId slot; org-only pages show none
        keys = frozenset(registry_keys([ident_module(study)["nctId"]]))
    return Page(nct, layout, variant.describe(), apply(rendered, variant), keys, kind)


def eu_only_copy(study: dict) -> dict | None:
    """A copy whose MedPath "Registration Number" (the renderer prints nctId there) is the
    study's EudraCT / EU CT id: a page that can only join its trial through that id."""
    found = eu_ids(study)
    if not found:
        return None
    # an EU CT number is preferred (the CTIS case); else the first EudraCT number
    canonical, id_type = sorted(found, key=lambda ct: (ct[1] != "EU_CT", ct[0]))[0]
    copy_ = copy.deepcopy(study)
    ident_module(copy_)["nctId"] = eu_spelling(canonical, id_type, ident_module(study)["nctId"])
    return copy_


def eu_spelling(canonical: str, id_type: str, nct: str) -> str:
    """How another register prints the same EU id: a CTIS resubmission suffix on an EU CT number
    (one trial whatever the suffix), EUCTR's member-state suffix / prefix on a EudraCT number."""
    if id_type == "EU_CT":
        base = canonical[:14]  # YYYY-5NNNNN-NN
        return f"{base}-{int(canonical[15:] or 0) + 1:02d}" if len(canonical) > 14 else f"{base}-01"
    return _seed("eu-spelling", nct).choice(
        (canonical, f"{canonical}-DE", f"EUCTR{canonical}-ES", f"{canonical}-3RD", f"EudraCT {canonical}"))


def study_pages(study: dict, layouts: list[str], with_json: bool, eu_only: bool,
                keep_all_ids: bool = False) -> list[Page]:
    nct = ident_module(study)["nctId"]
    rng = _seed("variant", nct)
    pages = []
    for layout in layouts:
        # the page that bridges an EU-only MedPath page to the NCT must keep its id section
        keep = keep_all_ids or (eu_only and layout != "medpath")
        pages.append(page_of(study, layout, html=rng.random() < 0.35, keep_ids=keep))
    if with_json:
        pages.append(Page(nct, "ctgov_json", "json", study, shown_keys(study, "ctgov_json", frozenset())))
    if eu_only:
        pages.append(page_of(eu_only_copy(study), "medpath", html=rng.random() < 0.35, kind="eu_only", nct=nct))
    return pages


def org_only_copy(study: dict) -> dict:
    """A copy with no registry id at all (no NCT, no secondary ids): only org study id + sponsor."""
    out = copy.deepcopy(study)
    ident_module(out)["nctId"] = ""
    ident_module(out)["secondaryIdInfos"] = []
    ident_module(out).pop("nctIdAliases", None)
    return out


def has_specific_org_id(study: dict) -> bool:
    org = listed_ids(study)[0]
    return bool(org) and not registry_keys([org]) and bool(sponsor_of(study))


def choose_layouts(nct: str, need_ids: bool) -> tuple[list[str], bool]:
    """2 or 3 page layouts (and whether to add the JSON record), seeded by the NCT id.

    need_ids: at least one page must show the id section (veeva or ctgov_text)."""
    rng = _seed("layouts", nct)
    layouts = sorted(rng.sample(PAGE_LAYOUTS, rng.choice((2, 2, 3))), key=PAGE_LAYOUTS.index)
    if need_ids and layouts == ["medpath"]:
        layouts = ["veeva", "medpath"]
    return layouts, rng.random() < 0.35


def _load(ctgov_v2_dir: Path) -> dict[str, dict]:
    studies = {}
    for path in sorted(ctgov_v2_dir.glob("NCT*.json")):
        study = load_v2_study(path)
        studies[ident_module(study)["nctId"]] = study
    return studies


def with_eu_id_in_text(study: dict) -> dict:
    """A copy whose EU id secondary entry is free text around the id, typed OTHER: the id can only
    be found inside the text (the "EudraCT 2004-... (version 2)" entries real registries hold)."""
    out = copy.deepcopy(study)
    for info in ident_module(out).get("secondaryIdInfos", []):
        if any(t in EU_TYPES for _, t, _ in find_registry_ids(info.get("id") or "")):
            info["id"], info["type"] = f"EudraCT {info['id'].strip()} (protocol version 2)", "OTHER"
            break
    return out


def _with_org_id(study: dict, org: str, sponsor: str | None = None) -> dict:
    out = copy.deepcopy(study)
    info = ident_module(out).setdefault("orgStudyIdInfo", {})
    info["id"] = org
    if sponsor is not None:
        out["protocolSection"]["sponsorCollaboratorsModule"]["leadSponsor"]["name"] = sponsor
    return out


def build_corpus(ctgov_v2_dir: Path) -> Corpus:
    every = _load(ctgov_v2_dir)
    # no two real studies may share a registry id, or "one trial per study" would be wrong by design
    owners: dict[str, str] = {}
    for nct, study in every.items():
        for key in registry_keys([nct, *listed_ids(study)]):
            assert owners.setdefault(key, nct) == nct, f"{key} is listed by {owners[key]} and {nct}"

    ordered = sorted(every, key=_order_key)
    with_eu = [n for n in ordered if eu_ids(every[n])]
    main = with_eu + [n for n in ordered if n not in with_eu][: N_MAIN - len(with_eu)]
    rest = iter(n for n in ordered if n not in main and sponsor_of(every[n]))

    corpus = Corpus()
    for position, nct in enumerate(main):
        study = every[nct]
        eu_only = bool(eu_ids(study))
        if eu_only and position % 3 == 0:
            study = with_eu_id_in_text(study)
        org_only = not eu_only and position % 4 == 1 and has_specific_org_id(study)
        layouts, with_json = choose_layouts(nct, need_ids=eu_only or org_only)
        corpus.studies[nct] = study
        # an org-only page needs another page of its trial that shows the org id (2 layouts always
        # include veeva or ctgov_text; keep_ids keeps their id section)
        corpus.pages += study_pages(study, layouts, with_json, eu_only, keep_all_ids=org_only)
        if org_only:
            corpus.pages.append(page_of(org_only_copy(study), "veeva", html=position % 8 == 1,
                                        kind="org_only", nct=nct))

    # Generic org study ids on DIFFERENT studies. Every page that shows the org id is rendered,
    # so the only thing keeping these studies apart is the linking rule itself.
    used_sponsors: set[str] = set()

    def take(n: int) -> list[str]:
        picked: list[str] = []
        for nct in rest:
            key = normalize_sponsor(sponsor_of(every[nct]))
            if key and key not in used_sponsors:
                used_sponsors.add(key)
                picked.append(nct)
                if len(picked) == n:
                    return picked
        raise AssertionError("not enough real studies with distinct sponsors")

    # org study ids that real, different studies already share (different sponsors in the sample)
    org_owners: dict[str, list[str]] = {}
    for nct in ordered:
        org = " ".join(((ident_module(every[nct]).get("orgStudyIdInfo") or {}).get("id") or "").casefold().split())
        if org:
            org_owners.setdefault(org, []).append(nct)
    for org, ncts in sorted(org_owners.items()):
        if len(ncts) < 2:
            continue
        for nct in ncts:
            used_sponsors.add(normalize_sponsor(sponsor_of(every[nct])))
            if nct in corpus.studies:
                continue
            corpus.studies[nct] = every[nct]
            corpus.pages += [page_of(every[nct], layout, html=False, keep_ids=True)
                             for layout in ("veeva", "ctgov_text")]
        same = len({normalize_sponsor(sponsor_of(every[n])) for n in ncts}) == 1
        corpus.generic_groups.append({"org": org, "ncts": ncts, "same_sponsor": same, "sponsor": None,
                                      "natural": True})

    groups = [("1", 3, False), ("Pilot", 2, False), ("Pilot", 2, True), ("1", 3, True)]
    for org, size, same_sponsor in groups:
        ncts = take(size)
        sponsor = sponsor_of(every[ncts[0]]) if same_sponsor else None
        for nct in ncts:
            study = _with_org_id(every[nct], org, sponsor)
            corpus.studies[nct] = study
            _, with_json = choose_layouts(nct, need_ids=True)
            pages = [page_of(study, layout, html=_seed("g", nct).random() < 0.5, keep_ids=True)
                     for layout in ("veeva", "ctgov_text")]
            if with_json:
                pages.append(Page(nct, "ctgov_json", "json", study, shown_keys(study, "ctgov_json", frozenset())))
            corpus.pages += pages
        if same_sponsor and size > 2:
            # a page with ONLY this org id + sponsor: it cannot tell which of the trials it is
            lone = org_only_copy(_with_org_id(every[ncts[0]], org, sponsor))
            corpus.pages.append(page_of(lone, "veeva", html=False, kind="ambiguous_org", nct=ncts[0]))
        corpus.generic_groups.append({"org": org, "ncts": ncts, "same_sponsor": same_sponsor,
                                      "sponsor": sponsor, "natural": False})
    return corpus


def parse_pages(pages: list[Page]) -> tuple[list, dict]:
    """Every page through the real parse path (layout detected from content): (ParsedFile list,
    record_id -> Page)."""
    from pipelines.reconcile import ParsedFile
    from pipelines.warehouse import record_id_for

    parsed, page_of = [], {}
    for page in pages:
        if page.layout == "ctgov_json":
            record = parse_study(page.content)
            data = repr(page.content).encode()
        else:
            detected = parsers.detect(page.content)
            assert detected == page.layout, f"{page.nct_id} {page.layout} [{page.label}] detected as {detected!r}"
            record = parsers.parse_text(page.content)
            data = page.content.encode("utf-8")
        assert record.source == page.layout
        rid = record_id_for(page.raw_path)
        parsed.append(ParsedFile(rid, page.raw_path, hashlib.sha256(data).hexdigest(), record))
        page_of[rid] = page
    return parsed, page_of
