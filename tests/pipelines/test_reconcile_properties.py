"""Property tests: clustering invariants over random records drawn from a small id pool."""
from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.pipelines.test_reconcile_helpers import ident, make_record, parsed

from parsers.identifiers import link_key
from pipelines.reconcile import reconcile

IDS = [("NCT00000101", "NCT"), ("NCT00000202", "NCT"), ("2024-515914-41-00", "EU_CT"),
       ("2024-515914-41-01", "EU_CT"), ("2018-001393-16", "EUDRACT"), ("ISRCTN12345678", "ISRCTN"),
       ("P60DK020579", "GRANT")]
ORGS = ["1", "Pilot", "ACME-7"]
SPONSORS = ["Acme", "Globex", None]
SOURCES = ["veeva", "medpath", "ctgov_text", "ctgov_json"]

record_st = st.tuples(
    st.sampled_from(SOURCES),
    st.lists(st.sampled_from(IDS), max_size=3, unique_by=lambda i: i[1]),  # one id per type per record
    st.sampled_from([None, *ORGS]),
    st.sampled_from(SPONSORS),
    st.sampled_from([None, "PHASE1", "PHASE2"]),
    st.sampled_from([None, 10, 20]),
    st.sampled_from([None, "ACTUAL", "ESTIMATED"]),
)


def _build(specs):
    files = []
    for n, (source, ids, org, sponsor, phase, enrollment, etype) in enumerate(specs):
        idents = [ident(v, t) for v, t in ids] + ([ident(org, "ORG_STUDY_ID", field="org_study_id")] if org else [])
        files.append(parsed(f"R{n:02d}", make_record(source, idents, lead_sponsor=sponsor, phase=phase,
                                                     enrollment=enrollment, enrollment_type=etype)))
    return files


def _registry_components(members, keys_of):
    """Key sets of the groups the members form by shared registry keys alone."""
    comps: list[set[str]] = []
    for m in members:
        keys = set(keys_of[m])
        merged = [c for c in comps if c & keys]
        for c in merged:
            comps.remove(c)
            keys |= c
        comps.append(keys)
    return comps


@settings(max_examples=60, deadline=None)
@given(st.lists(record_st, max_size=10), st.randoms(use_true_random=False))
def test_clustering_invariants(specs, rnd):
    files = _build(specs)
    rec = reconcile(files)
    shuffled = files[:]
    rnd.shuffle(shuffled)
    assert reconcile(shuffled) == rec

    keys_of = {p.record_id: {link_key(i.value, i.id_type) for i in p.record.identifiers} - {None} for p in files}
    trial_of_key: dict[str, str] = {}
    for rid, keys in keys_of.items():
        for key in keys:  # a registry key lives in exactly one trial
            assert trial_of_key.setdefault(key, rec.trial_ids[rid]) == rec.trial_ids[rid]
    for trial in rec.trials:
        members = [rid for rid, t in rec.trial_ids.items() if t == trial["trial_id"]]
        member_keys = set().union(*(keys_of[m] for m in members))
        # org ids + sponsor may only bridge groups whose registry ids do not clash: within a
        # trial, at most one registry-only component holds ids of any one registry type
        comps = _registry_components(members, keys_of)
        for id_type in {k.split(":", 1)[0] for k in member_keys}:
            assert sum(any(k.startswith(id_type + ":") for k in c) for c in comps) <= 1, (id_type, comps)
        if member_keys:
            assert trial["trial_id"] in trial["registry_ids"]
        # one chosen candidate per resolved field, and the trial row holds the chosen value
        for p in rec.provenance:
            if p.trial_id == trial["trial_id"] and p.chosen and p.field in ("phase", "enrollment", "enrollment_type"):
                assert str(trial[p.field]) == p.value
        if trial["enrollment_type"] is not None and trial["enrollment"] is not None:
            assert any(f.record.enrollment == trial["enrollment"] and f.record.enrollment_type == trial["enrollment_type"]
                       for f in files if f.record_id in members)
    for link in rec.links:
        assert link.record_id_a < link.record_id_b
        assert rec.trial_ids[link.record_id_a] == rec.trial_ids[link.record_id_b] == link.trial_id
    for cand in rec.link_candidates:
        assert cand.trial_id_a != cand.trial_id_b
