"""Clustering: which records become one trial, with which evidence (issue 3 §2)."""
from __future__ import annotations

import pytest

from tests.pipelines.test_reconcile_helpers import ident, make_record, parsed

from pipelines.reconcile import reconcile


def _trial_groups(rec):
    groups: dict[str, set[str]] = {}
    for rid, tid in rec.trial_ids.items():
        groups.setdefault(tid, set()).add(rid)
    return sorted(sorted(g) for g in groups.values())


def test_direct_nct_share_joins_and_leaves_a_link():
    rec = reconcile([
        parsed("R1", make_record("veeva", [ident("NCT01234567", "NCT")])),
        parsed("R2", make_record("ctgov_text", [ident("NCT01234567", "NCT", field="nct_id")])),
        parsed("R3", make_record("medpath", [ident("NCT07654321", "NCT")])),
    ])
    assert _trial_groups(rec) == [["R1", "R2"], ["R3"]]
    assert rec.trial_ids["R1"] == "NCT01234567"
    (link,) = rec.links
    assert (link.record_id_a, link.record_id_b, link.method) == ("R1", "R2", "shared_registry_id")
    assert "NCT01234567" in link.evidence and "nct_id" in link.evidence and "identifiers" in link.evidence
    assert (link.field_a, link.field_b) == ("identifiers", "nct_id")


def test_transitive_medpath_eu_ct_joins_nct_trial_through_veeva():
    # MedPath page only knows the EU CT number; the Veeva page lists both numbers.
    rec = reconcile([
        parsed("Rmed", make_record("medpath", [ident("2024-516715-25-00", "EU_CT")])),
        parsed("Rvee", make_record("veeva", [ident("NCT05000001", "NCT"), ident("2024-516715-25-00", "EU_CT")])),
        parsed("Rct", make_record("ctgov_text", [ident("NCT05000001", "NCT", field="nct_id")])),
    ])
    assert _trial_groups(rec) == [["Rct", "Rmed", "Rvee"]]
    assert set(rec.trial_ids.values()) == {"NCT05000001"}
    pairs = {(l.record_id_a, l.record_id_b, l.id_type) for l in rec.links}
    assert pairs == {("Rmed", "Rvee", "EU_CT"), ("Rct", "Rvee", "NCT")}
    (trial,) = rec.trials
    assert trial["registry_ids"] == ["2024-516715-25-00", "NCT05000001"]


def test_registry_id_inside_secondary_id_text_links_with_its_own_method():
    rec = reconcile([
        parsed("R1", make_record("veeva", [ident("EudraCT Number: 2004-002714-11", "OTHER", field="secondary_id")])),
        parsed("R2", make_record("medpath", [ident("2004-002714-11", "EUDRACT")])),
    ])
    assert _trial_groups(rec) == [["R1", "R2"]]
    (link,) = rec.links
    assert link.method == "registry_id_in_text"
    assert "(in text)" in link.evidence


def test_org_study_id_joins_only_with_same_sponsor():
    same = reconcile([
        parsed("R1", make_record("veeva", [ident("ABC-123", "ORG_STUDY_ID", field="org_study_id")], lead_sponsor="Acme Pharma Inc.")),
        parsed("R2", make_record("medpath", [ident("abc-123", "ORG_STUDY_ID", field="org_study_id")], lead_sponsor="ACME PHARMA")),
    ])
    assert _trial_groups(same) == [["R1", "R2"]]
    assert [l.method for l in same.links] == ["org_study_id+sponsor"]
    assert same.trial_ids["R1"].startswith("TB-")

    different = reconcile([
        parsed("R1", make_record("veeva", [ident("ABC-123", "ORG_STUDY_ID", field="org_study_id")], lead_sponsor="Acme Pharma")),
        parsed("R2", make_record("medpath", [ident("ABC-123", "ORG_STUDY_ID", field="org_study_id")], lead_sponsor="Globex Biotech")),
    ])
    assert _trial_groups(different) == [["R1"], ["R2"]]
    assert different.links == ()


@pytest.mark.parametrize("generic", ["1", "Pilot"])
def test_generic_org_ids_with_different_sponsors_stay_apart(generic):
    rec = reconcile([
        parsed("R1", make_record("veeva", [ident(generic, "ORG_STUDY_ID", field="org_study_id")], lead_sponsor="University A")),
        parsed("R2", make_record("veeva", [ident(generic, "ORG_STUDY_ID", field="org_study_id")], lead_sponsor="Hospital B")),
        parsed("R3", make_record("medpath", [ident(generic, "ORG_STUDY_ID", field="org_study_id")])),  # no sponsor
    ])
    assert _trial_groups(rec) == [["R1"], ["R2"], ["R3"]]
    assert len(set(rec.trial_ids.values())) == 3


def test_org_id_never_merges_two_different_nct_trials():
    org = [ident("1", "ORG_STUDY_ID", field="org_study_id")]
    two = [
        parsed("R1", make_record("veeva", [ident("NCT00000101", "NCT"), *org], lead_sponsor="Same Univ")),
        parsed("R2", make_record("veeva", [ident("NCT00000202", "NCT"), *org], lead_sponsor="Same Univ")),
    ]
    rec = reconcile(two)
    assert rec.trial_ids["R1"] != rec.trial_ids["R2"]
    (blocked,) = rec.link_candidates
    assert blocked.method == "org_study_id+sponsor_blocked" and "different NCT ids" in blocked.evidence
    assert (blocked.trial_id_a, blocked.trial_id_b) == ("NCT00000101", "NCT00000202")

    # a page with only the ambiguous org id + sponsor joins neither (which trial would it be?)
    rec = reconcile([*two, parsed("R3", make_record("medpath", list(org), lead_sponsor="Same Univ"))])
    assert len(set(rec.trial_ids.values())) == 3
    assert rec.links == () and rec.link_candidates == ()  # 3+ trials on one id: generic, not reviewable


def test_org_id_page_joins_its_only_registered_trial():
    org = [ident("ACME-7", "ORG_STUDY_ID", field="org_study_id")]
    rec = reconcile([
        parsed("R1", make_record("ctgov_text", [ident("NCT00000101", "NCT"), *org], lead_sponsor="Acme")),
        parsed("R2", make_record("medpath", list(org), lead_sponsor="ACME Inc.")),
        parsed("R3", make_record("veeva", [ident("2019-001234-22", "EUDRACT"), *org], lead_sponsor="Acme")),
    ])
    # NCT and EudraCT are different types: no clash, one trial through the org id + sponsor
    assert set(rec.trial_ids.values()) == {"NCT00000101"}
    assert {l.method for l in rec.links} == {"org_study_id+sponsor"}


def test_org_id_bridge_cannot_chain_two_registered_trials():
    # R2 joins R1 by one org id; R2 and R3 share another org id, but R3's NCT clashes with R1's.
    rec = reconcile([
        parsed("R1", make_record("veeva", [ident("NCT00000101", "NCT"), ident("A", "ORG_STUDY_ID", field="org_study_id")], lead_sponsor="S")),
        parsed("R2", make_record("medpath", [ident("A", "ORG_STUDY_ID", field="org_study_id"), ident("B", "ORG_STUDY_ID", field="org_study_id")], lead_sponsor="S")),
        parsed("R3", make_record("veeva", [ident("NCT00000202", "NCT"), ident("B", "ORG_STUDY_ID", field="org_study_id")], lead_sponsor="S")),
    ])
    assert rec.trial_ids["R1"] == rec.trial_ids["R2"] == "NCT00000101"
    assert rec.trial_ids["R3"] == "NCT00000202"


def test_ctis_resubmissions_are_one_trial():
    rec = reconcile([
        parsed("R1", make_record("medpath", [ident("2023-508143-51-00", "EU_CT")])),
        parsed("R2", make_record("veeva", [ident("2023-508143-51-01", "EU_CT")])),
    ])
    assert _trial_groups(rec) == [["R1", "R2"]]
    assert rec.trial_ids["R1"] == "2023-508143-51-01"  # highest resubmission (identifiers.best_trial_id)


@pytest.mark.parametrize("who_lists_both", ["old", "new"])
def test_eudract_to_ctis_transition_is_one_trial_when_either_lists_the_other(who_lists_both):
    eudract, ctis = ident("2018-001393-16", "EUDRACT"), ident("2024-515914-41-00", "EU_CT")
    old_ids = [eudract, ctis] if who_lists_both == "old" else [eudract]
    new_ids = [ctis, eudract] if who_lists_both == "new" else [ctis]
    rec = reconcile([parsed("Rold", make_record("medpath", old_ids)), parsed("Rnew", make_record("veeva", new_ids))])
    assert _trial_groups(rec) == [["Rnew", "Rold"]]
    assert rec.trial_ids["Rold"] == "2024-515914-41-00"


def test_transition_without_cross_listing_stays_two_trials():
    rec = reconcile([
        parsed("Rold", make_record("medpath", [ident("2018-001393-16", "EUDRACT")])),
        parsed("Rnew", make_record("veeva", [ident("2024-515914-41-00", "EU_CT")])),
    ])
    assert _trial_groups(rec) == [["Rnew"], ["Rold"]]


def test_grants_and_other_ids_never_link():
    rec = reconcile([
        parsed("R1", make_record("veeva", [ident("P60DK020579", "GRANT"), ident("X-1", "OTHER")])),
        parsed("R2", make_record("medpath", [ident("P60DK020579", "GRANT"), ident("X-1", "OTHER")])),
    ])
    assert _trial_groups(rec) == [["R1"], ["R2"]]


def test_identical_titles_never_join_but_become_candidates():
    title = "Human Photoallergy Test"
    rec = reconcile([
        parsed("R1", make_record("veeva", [ident("NCT00000111", "NCT")], title=title)),
        parsed("R2", make_record("medpath", [], title="HUMAN photoallergy test.")),
        parsed("R3", make_record("veeva", [ident("NCT00000333", "NCT")], title="Human Photoallergy Test of a Cream")),
        parsed("R4", make_record("veeva", [ident("NCT00000444", "NCT")], title="Something Else Entirely")),
    ])
    assert _trial_groups(rec) == [["R1"], ["R2"], ["R3"], ["R4"]]
    cands = {(c.record_id_a, c.record_id_b): c for c in rec.link_candidates}
    assert set(cands) == {("R1", "R2")}  # R3's Jaccard is 3/6 < 0.8
    c = cands[("R1", "R2")]
    assert (c.method, c.score, c.trial_id_a, c.trial_id_b) == ("same_title", 1.0, "NCT00000111", rec.trial_ids["R2"])


def test_similar_title_above_threshold_is_a_candidate():
    rec = reconcile([
        parsed("R1", make_record("veeva", [], title="A Phase 2 Study of Drug X in Adults With Severe Asthma")),
        parsed("R2", make_record("veeva", [], title="A Phase 2 Study of Drug X in Adults With Severe Asthma Trial")),
    ])
    (c,) = rec.link_candidates
    assert c.method == "similar_title" and 0.8 <= c.score < 1.0


def test_titles_within_one_trial_are_not_candidates():
    rec = reconcile([
        parsed("R1", make_record("veeva", [ident("NCT00000111", "NCT")], title="Same")),
        parsed("R2", make_record("medpath", [ident("NCT00000111", "NCT")], title="Same")),
    ])
    assert rec.link_candidates == ()


def test_trial_ids_without_registry_ids_are_stable_and_unique():
    recs = [parsed(f"R{i}", make_record("veeva", [])) for i in range(5)]
    a, b = reconcile(recs), reconcile(list(reversed(recs)))
    assert a.trial_ids == b.trial_ids
    assert len(set(a.trial_ids.values())) == 5
    assert all(t.startswith("TB-") for t in a.trial_ids.values())


def test_duplicate_record_ids_are_rejected():
    rec = parsed("R1", make_record("veeva", []))
    with pytest.raises(ValueError, match="duplicate record_id"):
        reconcile([rec, rec])


def test_pages_with_only_an_ambiguous_org_id_get_distinct_clean_ids():
    org = [ident("1", "ORG_STUDY_ID", field="org_study_id")]
    rec = reconcile([
        parsed("R1", make_record("veeva", [ident("NCT00000101", "NCT"), *org], lead_sponsor="U")),
        parsed("R2", make_record("veeva", [ident("NCT00000202", "NCT"), *org], lead_sponsor="U")),
        parsed("R3", make_record("medpath", list(org), lead_sponsor="U")),
        parsed("R4", make_record("veeva", list(org), lead_sponsor="U")),
    ])
    floating = {rec.trial_ids["R3"], rec.trial_ids["R4"]}
    assert len(floating) == 2 and all(t.startswith("TB-") and "~" not in t for t in floating)
