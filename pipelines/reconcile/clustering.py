"""Group records into trials: union-find over identifier evidence, never over titles.

Edges (each becomes a trial_links row):
- shared_registry_id: two records carry the same registry id (same `link_key`) in structured
  id fields (EU CT resubmissions share a key, so -00 and -01 are one trial);
- registry_id_in_text: as above, but at least one side found the id inside free text
  (a secondary id typed OTHER whose text holds "EudraCT 2004-...", a free_text identifier);
- org_study_id+sponsor: the same org study id AND the same normalized lead sponsor. Applied
  after the registry edges, one org key at a time (sorted), and refused when the records holding
  the key already sit in two or more clusters holding registry ids of the same type (two NCT
  numbers are two trials whatever their org ids say; a page with only that ambiguous org id
  cannot tell which trial it belongs to). A refused key shared by exactly two trials becomes a
  link candidate; more means a generic id ('1', 'Pilot') and yields nothing.
Grant numbers and other non-registry ids never link. Titles never link (see candidates.py).
"""
from __future__ import annotations

import functools
import hashlib
import unicodedata
from collections import defaultdict
from dataclasses import dataclass

import parsers.identifiers as ids
from pipelines.reconcile.model import LinkCandidate, ParsedFile, RecordIdentifier

NON_LINKING_FIELD_MARK = "free_text"  # Identifier.field of ids found in running text
BLOCKED_METHOD = "org_study_id+sponsor_blocked"  # link_candidates.method of a refused org-id join
MAX_PAIRWISE = 50  # a key shared by more records than this links them as a star (to the smallest id)


@dataclass(frozen=True)
class Edge:
    record_id_a: str
    record_id_b: str
    method: str
    shared_value: str
    id_type: str
    field_a: str
    field_b: str
    evidence: str


@dataclass(frozen=True)
class Clusters:
    members: dict[str, tuple[str, ...]]  # trial_id -> record ids (sorted)
    trial_ids: dict[str, str]  # record_id -> trial_id
    edges: tuple[Edge, ...]  # edges that joined records (all within one cluster)
    blocked: tuple[LinkCandidate, ...]  # org-id edges refused because of conflicting registry ids
    identifiers: tuple[RecordIdentifier, ...]


def record_identifiers(parsed: ParsedFile) -> list[RecordIdentifier]:
    """Every identifier of a record with its link key; registry ids inside non-registry id text too."""
    out: dict[tuple, RecordIdentifier] = {}

    def add(value: str, id_type: str, field: str, raw: str, from_text: bool) -> None:
        key = _safe_link_key(value, id_type) if id_type in ids.REGISTRY_ID_TYPES else None
        item = RecordIdentifier(parsed.record_id, value, id_type, field, raw, key, from_text)
        out.setdefault((value, id_type, field, from_text), item)

    for ident in parsed.record.identifiers:
        if not ident.value:
            continue
        add(ident.value, ident.id_type, ident.field, ident.raw, ident.field == NON_LINKING_FIELD_MARK)
        if ident.id_type not in ids.REGISTRY_ID_TYPES:
            # e.g. a secondary id typed OTHER that reads "EudraCT Number: 2004-002714-11"
            for canonical, id_type, matched in ids.find_registry_ids(ident.raw or ident.value):
                if id_type in ids.REGISTRY_ID_TYPES:
                    add(canonical, id_type, ident.field, matched, True)
    return sorted(out.values(), key=lambda i: (i.id_type, i.value, i.field, i.from_text))


@functools.lru_cache(maxsize=1 << 16)  # records of one trial repeat the same ids
def _safe_link_key(value: str, id_type: str) -> str | None:
    key = ids.link_key(value, id_type)
    return key or None


def normalize_org_id(value: str) -> str:
    text = unicodedata.normalize("NFKC", value).casefold()
    return " ".join(text.split())


def normalized_sponsor(name: str | None) -> str | None:
    return (ids.normalize_sponsor(name) or None) if name else None


def _joining_org_id(ident: RecordIdentifier) -> str | None:
    """The normalized org study id of a structured ORG_STUDY_ID (ids found in text never join)."""
    if ident.id_type != "ORG_STUDY_ID" or ident.from_text:
        return None
    return normalize_org_id(ident.value) or None


def join_key(ident: RecordIdentifier, norm_sponsor: str | None) -> str | None:
    """What two records must share for clustering to join (or refuse to join) them through this
    identifier: its registry link key, or its org id with the lead sponsor. Records linked by no
    chain of shared join keys are clustered independently of each other, which lets the snapshot
    engine re-cluster only the components a change touches."""
    if ident.link_key:
        return ident.link_key
    org = _joining_org_id(ident)
    return f"org\x1f{org}\x1f{norm_sponsor}" if org and norm_sponsor else None


def lead_sponsor_name(parsed: ParsedFile) -> str | None:
    rec = parsed.record
    if rec.lead_sponsor:
        return rec.lead_sponsor
    for sponsor in rec.sponsors:
        if sponsor.role == "lead" and sponsor.name:
            return sponsor.name
    return None


class _UnionFind:
    def __init__(self, items: list[str]):
        self.parent = {i: i for i in items}

    def find(self, x: str) -> str:
        root = x
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[x] != root:
            self.parent[x], x = root, self.parent[x]
        return root

    def union(self, a: str, b: str) -> str:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return ra
        lo, hi = (ra, rb) if ra < rb else (rb, ra)
        self.parent[hi] = lo  # smallest record id is the root: deterministic
        return lo


def _pairs(record_ids: list) -> list[tuple]:
    if len(record_ids) <= MAX_PAIRWISE:
        return [(a, b) for i, a in enumerate(record_ids) for b in record_ids[i + 1:]]
    hub = record_ids[0]
    return [(hub, b) for b in record_ids[1:]]


def _best_occurrence(occurrences: list[RecordIdentifier]) -> RecordIdentifier:
    # structured fields before ids found in text; then by field name for determinism
    return min(occurrences, key=lambda o: (o.from_text, o.field, o.value, o.raw))


def cluster(parsed: list[ParsedFile]) -> Clusters:
    by_id = {p.record_id: p for p in parsed}
    idents = {rid: record_identifiers(by_id[rid]) for rid in sorted(by_id)}
    return cluster_identifiers(idents, {rid: lead_sponsor_name(p) for rid, p in by_id.items()})


def cluster_identifiers(idents: dict[str, list[RecordIdentifier]], lead_sponsors: dict[str, str | None]) -> Clusters:
    """cluster() from what it reads of each record: its identifiers (record_identifiers) and lead
    sponsor name (lead_sponsor_name). The snapshot engine calls this with staged rows only."""
    record_ids = sorted(idents)
    uf = _UnionFind(record_ids)
    edges: list[Edge] = []

    # 1. registry ids
    by_key: dict[str, dict[str, list[RecordIdentifier]]] = defaultdict(lambda: defaultdict(list))
    for rid in record_ids:
        for ident in idents[rid]:
            if ident.link_key:
                by_key[ident.link_key][rid].append(ident)
    for key in sorted(by_key):
        holders = by_key[key]
        for a, b in _pairs(sorted(holders)):
            oa, ob = _best_occurrence(holders[a]), _best_occurrence(holders[b])
            method = "registry_id_in_text" if (oa.from_text or ob.from_text) else "shared_registry_id"
            shown = key.split(":", 1)[1] if key.startswith(f"{oa.id_type}:") else key
            evidence = (
                f"{oa.id_type} {shown}: {a} {oa.field}{' (in text)' if oa.from_text else ''} = {oa.value!r}; "
                f"{b} {ob.field}{' (in text)' if ob.from_text else ''} = {ob.value!r}"
            )
            edges.append(Edge(a, b, method, key, oa.id_type, oa.field, ob.field, evidence))
            uf.union(a, b)

    # registry keys per cluster root, per id type (for the org-id conflict guard)
    root_keys: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for rid in record_ids:
        for ident in idents[rid]:
            if ident.link_key:
                root_keys[uf.find(rid)][ident.id_type].add(ident.link_key)

    # 2. org study id + same normalized sponsor
    blocked: list[LinkCandidate] = []
    by_org: dict[tuple[str, str], list[tuple[str, str, str]]] = defaultdict(list)  # -> (record, value, field)
    for rid in record_ids:
        norm_sponsor = normalized_sponsor(lead_sponsors.get(rid))
        if not norm_sponsor:
            continue
        seen = set()
        for ident in idents[rid]:
            org = _joining_org_id(ident)
            if org and org not in seen:
                seen.add(org)
                by_org[(org, norm_sponsor)].append((rid, ident.value, ident.field))
    for org, sponsor in sorted(by_org):
        holders = sorted(by_org[(org, sponsor)])
        roots = sorted({uf.find(rid) for rid, _, _ in holders})
        pairs = _pairs(holders)
        if len(roots) > 1:
            clash = _clashing_types([root_keys.get(r, {}) for r in roots])
            if clash:
                # Ambiguous: the id+sponsor names two registered trials (e.g. a sponsor numbering its
                # studies '1', '2'...). Join nothing through it. Two trials sharing it is worth a
                # review row; more means the id is generic and pairing would only make noise.
                if len(roots) == 2:
                    for (a, va, _), (b, vb, _) in pairs:
                        if uf.find(a) != uf.find(b):
                            blocked.append(LinkCandidate(
                                a, b, "", "", BLOCKED_METHOD, 1.0,
                                f"org study id {va!r} / {vb!r} with lead sponsor {sponsor!r}; "
                                f"not joined: different {', '.join(clash)} ids"))
                continue
        for (a, va, fa), (b, vb, fb) in pairs:
            evidence = f"org study id {va!r} ({a} {fa}) / {vb!r} ({b} {fb}) with lead sponsor {sponsor!r}"
            edges.append(Edge(a, b, "org_study_id+sponsor", org, "ORG_STUDY_ID", fa, fb, evidence))
            ra, rb = uf.find(a), uf.find(b)
            if ra != rb:
                root = uf.union(a, b)
                other = rb if root == ra else ra
                for t, keys in root_keys.pop(other, {}).items():
                    root_keys[root][t] |= keys

    # 3. clusters and their trial ids
    rec_orgs: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for org_key, holders in by_org.items():
        if len({uf.find(rid) for rid, _, _ in holders}) == 1:  # only keys that name one trial
            for rid, _, _ in holders:
                rec_orgs[rid].append(org_key)
    groups: dict[str, list[str]] = defaultdict(list)
    for rid in record_ids:
        groups[uf.find(rid)].append(rid)
    members: dict[str, tuple[str, ...]] = {}
    trial_ids: dict[str, str] = {}
    for root in sorted(groups):
        rids = groups[root]
        tid = _trial_id_for(rids, idents, rec_orgs)
        if tid in members:  # cannot happen with consistent link keys; never merge silently
            tid = f"{tid}~{_digest(chr(10).join(rids))[:8]}"
        members[tid] = tuple(rids)
        for rid in rids:
            trial_ids[rid] = tid

    blocked_out = tuple(
        LinkCandidate(c.record_id_a, c.record_id_b, trial_ids[c.record_id_a], trial_ids[c.record_id_b],
                      c.method, c.score, c.evidence)
        for c in blocked
    )
    all_idents = tuple(i for rid in record_ids for i in idents[rid])
    edges.sort(key=lambda e: (e.record_id_a, e.record_id_b, e.method, e.shared_value, e.field_a, e.field_b))
    return Clusters(members, trial_ids, tuple(edges), blocked_out, all_idents)


def _clashing_types(key_sets: list[dict[str, set[str]]]) -> list[str]:
    """Registry id types held by two or more of these clusters (distinct clusters never share a
    registry key, so two clusters both holding e.g. an NCT id are two different trials)."""
    seen: dict[str, int] = defaultdict(int)
    for keys in key_sets:
        for id_type, values in keys.items():
            if values:
                seen[id_type] += 1
    return sorted(t for t, n in seen.items() if n > 1)


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _trial_id_for(rids: list[str], idents: dict[str, list[RecordIdentifier]],
                  rec_orgs: dict[str, list[tuple[str, str]]]) -> str:
    registry = sorted({(i.value, i.id_type) for rid in rids for i in idents[rid] if i.link_key})
    best = ids.best_trial_id(registry) if registry else None
    if best:
        return best
    # No registry id: hash something that survives adding another page of the same trial.
    org_keys = sorted(k for rid in rids for k in rec_orgs.get(rid, ()))
    if org_keys:
        org, sponsor = org_keys[0]
        return "TB-" + _digest(f"org:{org}|sponsor:{sponsor}")[:16]
    return "TB-" + _digest("records:" + "\n".join(sorted(rids)))[:16]
