"""Authority per trial (issue 10): the home registry of the trial's id leads, other registries'
exports next, the CT.gov text rendering, then the aggregator scrapes; field_provenance names
the tier that decided."""
from __future__ import annotations

import pytest
from tests.pipelines.test_reconcile_helpers import ident, make_record, parsed

from pipelines.reconcile import reconcile
from pipelines.reconcile.precedence import home_sources
from pipelines.reconcile.resolve import resolve_trial

EU_CT, EUDRACT, NCT = "2024-516715-25-00", "2021-002179-21", "NCT01111111"


def _rules(prov, field):
    return {(p.record_id, p.source): (p.value, p.chosen, p.rule) for p in prov if p.field == field}


@pytest.mark.parametrize("trial_id, home", [
    (NCT, {"ctgov_json", "ctgov_xml"}), (EU_CT, {"ctis"}), (EUDRACT, {"euctr"}),
    ("ISRCTN12345678", {"ictrp"}), ("ChiCTR2000029308", {"ictrp"}), ("TB-0123456789abcdef", set()),
])
def test_home_registry_follows_the_type_of_the_trial_id(trial_id, home):
    assert home_sources(trial_id) == home


def test_eu_ct_trial_takes_the_ctis_record_over_a_newer_ctgov_json_record():
    members = [
        parsed("R1", make_record("ctgov_json", [ident(EU_CT, "EU_CT")], phase="PHASE2", status="RECRUITING",
                                 last_update_date="2025-06-01")),
        parsed("R2", make_record("ctis", [ident(EU_CT, "EU_CT")], phase="PHASE3", status="RECRUITING",
                                 last_update_date="2024-01-01")),
        parsed("R3", make_record("medpath", [ident(EU_CT, "EU_CT")], phase="PHASE1", last_update_date="2025-09-01")),
    ]
    resolved, prov, conflicts = resolve_trial(EU_CT, members)
    assert resolved["phase"] == "PHASE3"
    assert _rules(prov, "phase") == {("R2", "ctis"): ("PHASE3", True, "home_registry"),
                                     ("R1", "ctgov_json"): ("PHASE2", False, "home_registry"),
                                     ("R3", "medpath"): ("PHASE1", False, "home_registry")}
    assert _rules(prov, "status")[("R2", "ctis")] == ("RECRUITING", True, "unanimous")
    assert "phase" in conflicts


def test_the_same_records_under_an_nct_trial_id_let_ctgov_json_lead():
    members = [
        parsed("R1", make_record("ctgov_json", [ident(NCT, "NCT")], phase="PHASE2", last_update_date="2020-01-01")),
        parsed("R2", make_record("ctis", [ident(NCT, "NCT")], phase="PHASE3", last_update_date="2024-01-01")),
    ]
    resolved, prov, _ = resolve_trial(NCT, members)
    assert resolved["phase"] == "PHASE2"
    assert _rules(prov, "phase")[("R1", "ctgov_json")] == ("PHASE2", True, "home_registry")


def test_nct_trial_takes_ctgov_json_over_a_newer_veeva_page_and_shows_the_losing_value():
    rec = reconcile([
        parsed("R1", make_record("veeva", [ident(NCT, "NCT")], enrollment=120, enrollment_type="ESTIMATED",
                                 last_update_date="2025-05-01")),
        parsed("R2", make_record("ctgov_json", [ident(NCT, "NCT")], enrollment=118, enrollment_type="ACTUAL",
                                 last_update_date="2021-01-01")),
    ])
    (trial,) = rec.trials
    assert (trial["trial_id"], trial["enrollment"], trial["enrollment_type"]) == (NCT, 118, "ACTUAL")
    rows = _rules(rec.provenance, "enrollment")
    assert rows == {("R2", "ctgov_json"): ("118", True, "home_registry"),
                    ("R1", "veeva"): ("120", False, "home_registry")}


def test_other_registry_exports_rank_above_the_rendering_and_the_scrapes():
    # an NCT trial with no CT.gov record: the EU CTR export leads the text rendering and Veeva
    rec = reconcile([
        parsed("R1", make_record("veeva", [ident(NCT, "NCT")], sex="FEMALE", last_update_date="2025-01-01")),
        parsed("R2", make_record("ctgov_text", [ident(NCT, "NCT")], sex="MALE", last_update_date="2025-01-01")),
        parsed("R3", make_record("euctr", [ident(NCT, "NCT"), ident(EUDRACT, "EUDRACT")], sex="ALL",
                                 last_update_date="2019-01-01")),
    ])
    assert rec.trials[0]["sex"] == "ALL"
    assert _rules(rec.provenance, "sex")[("R3", "euctr")] == ("ALL", True, "registry_export")
    rec = reconcile([
        parsed("R1", make_record("veeva", [ident(NCT, "NCT")], sex="FEMALE", last_update_date="2025-01-01")),
        parsed("R2", make_record("ctgov_text", [ident(NCT, "NCT")], sex="MALE", last_update_date="2020-01-01")),
    ])
    assert _rules(rec.provenance, "sex")[("R2", "ctgov_text")] == ("MALE", True, "registry_rendering")


def test_two_home_records_are_decided_by_recency():
    resolved, prov, _ = resolve_trial(NCT, [
        parsed("R1", make_record("ctgov_xml", [ident(NCT, "NCT")], status="RECRUITING", last_update_date="2019-04-16")),
        parsed("R2", make_record("ctgov_json", [ident(NCT, "NCT")], status="COMPLETED", last_update_date="2023-02-01")),
    ])
    assert resolved["status"] == "COMPLETED"
    assert _rules(prov, "status")[("R2", "ctgov_json")] == ("COMPLETED", True, "recency")


def test_eudract_trial_that_moved_to_ctis_is_one_eu_ct_trial_led_by_ctis():
    rec = reconcile([
        parsed("R1", make_record("euctr", [ident(EUDRACT, "EUDRACT")], status="COMPLETED", last_update_date="2023-01-01")),
        parsed("R2", make_record("ctis", [ident(EU_CT, "EU_CT"), ident(EUDRACT, "EUDRACT")], status="RECRUITING",
                                 last_update_date="2022-01-01")),
    ])
    (trial,) = rec.trials
    assert (trial["trial_id"], trial["status"]) == (EU_CT, "RECRUITING")
    assert _rules(rec.provenance, "status")[("R2", "ctis")] == ("RECRUITING", True, "home_registry")
    (link,) = rec.links
    assert (link.method, link.id_type) == ("shared_registry_id", "EUDRACT")


def test_an_eu_trial_across_sources_is_one_trial_with_the_home_values_and_every_losing_value_visible():
    eu_ct = ident(EU_CT, "EU_CT")
    records = [
        parsed("R1", make_record("medpath", [eu_ct], phase="PHASE1", status="RECRUITING", masking="SINGLE")),
        parsed("R2", make_record("ctis", [eu_ct], phase="PHASE3", status="RECRUITING", masking="DOUBLE",
                                 last_update_date="2025-02-01")),
        parsed("R3", make_record("ictrp", [eu_ct, ident(NCT, "NCT", "secondary_id")], phase="PHASE2",
                                 last_update_date="2025-03-01")),  # the bridge: lists both registries
        parsed("R4", make_record("ctgov_json", [ident(NCT, "NCT", "nct_id")], phase="PHASE2", status="COMPLETED",
                                 last_update_date="2024-01-01")),
        parsed("R5", make_record("veeva", [ident(NCT, "NCT")], phase="PHASE2/PHASE3", status="COMPLETED",
                                 masking="TRIPLE", last_update_date="2025-06-01")),
    ]
    rec = reconcile(records)
    (trial,) = rec.trials
    assert (trial["trial_id"], trial["record_count"]) == (NCT, 5)  # NCT is the best id: CT.gov is home
    assert (trial["phase"], trial["status"], trial["masking"]) == ("PHASE2", "COMPLETED", "DOUBLE")
    assert _rules(rec.provenance, "phase") == {
        ("R4", "ctgov_json"): ("PHASE2", True, "home_registry"), ("R3", "ictrp"): ("PHASE2", False, "home_registry"),
        ("R2", "ctis"): ("PHASE3", False, "home_registry"), ("R5", "veeva"): ("PHASE2/PHASE3", False, "home_registry"),
        ("R1", "medpath"): ("PHASE1", False, "home_registry")}
    # CT.gov gives no masking: the CTIS export beats both scrapes, whose values stay visible
    assert _rules(rec.provenance, "masking") == {
        ("R2", "ctis"): ("DOUBLE", True, "registry_export"), ("R5", "veeva"): ("TRIPLE", False, "registry_export"),
        ("R1", "medpath"): ("SINGLE", False, "registry_export")}
    edges = {(link.record_id_a, link.record_id_b): (link.method, link.id_type) for link in rec.links}
    assert edges[("R1", "R2")] == edges[("R2", "R3")] == ("shared_registry_id", "EU_CT")
    assert edges[("R3", "R4")] == edges[("R4", "R5")] == ("shared_registry_id", "NCT")
