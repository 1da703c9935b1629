"""Field resolution: precedence, never-blank, enrollment type survival, conflicts (issue 3 §3-4)."""
from __future__ import annotations

import random

from tests.pipelines.test_reconcile_helpers import ident, make_record, parsed

from pipelines.reconcile import reconcile

NCT = [ident("NCT01111111", "NCT")]


def _prov(rec, field):
    return {(p.record_id, p.value): (p.chosen, p.rule) for p in rec.provenance if p.field == field}


def test_home_registry_beats_aggregator_even_when_older():
    rec = reconcile([
        parsed("R1", make_record("veeva", NCT, phase="PHASE3", last_update_date="2024-05-01")),
        parsed("R2", make_record("ctgov_json", NCT, phase="PHASE2", last_update_date="2020-01-01")),
    ])
    (trial,) = rec.trials
    assert trial["phase"] == "PHASE2"
    assert _prov(rec, "phase") == {("R2", "PHASE2"): (True, "home_registry"),
                                   ("R1", "PHASE3"): (False, "home_registry")}
    assert "phase" in trial["conflicts"]


def test_recency_decides_between_equal_authority():
    rec = reconcile([
        parsed("R1", make_record("veeva", NCT, status="RECRUITING", last_update_date="2021-03")),
        parsed("R2", make_record("medpath", NCT, status="COMPLETED", last_update_date="2023-07-02")),
    ])
    (trial,) = rec.trials
    assert trial["status"] == "COMPLETED"
    assert _prov(rec, "status")[("R2", "COMPLETED")] == (True, "recency")
    assert trial["conflicts"] == ["status"]  # last_update_date differs too, but is exempt


def test_record_id_breaks_full_ties_deterministically():
    a = parsed("R1", make_record("veeva", NCT, acronym="AAA"))
    b = parsed("R2", make_record("medpath", NCT, acronym="BBB"))
    for order in ([a, b], [b, a]):
        rec = reconcile(order)
        assert rec.trials[0]["acronym"] == "AAA"
        assert _prov(rec, "acronym")[("R1", "AAA")] == (True, "record_id")


def test_a_source_lacking_a_field_never_blanks_it():
    rec = reconcile([
        parsed("R1", make_record("ctgov_json", NCT, sex=None, min_age_years=None, status="RECRUITING")),
        parsed("R2", make_record("medpath", NCT, sex="FEMALE", min_age_years=18.0)),
    ])
    (trial,) = rec.trials
    assert (trial["sex"], trial["min_age_years"], trial["status"]) == ("FEMALE", 18.0, "RECRUITING")
    assert _prov(rec, "sex") == {("R2", "FEMALE"): (True, "only_candidate")}
    assert _prov(rec, "min_age_years") == {("R2", "18.0"): (True, "only_candidate")}
    assert trial["conflicts"] == []


def test_enrollment_type_carried_from_record_with_same_count():
    rec = reconcile([
        parsed("R1", make_record("ctgov_text", NCT, enrollment=120, enrollment_type=None)),
        parsed("R2", make_record("veeva", NCT, enrollment=120, enrollment_type="ESTIMATED")),
    ])
    (trial,) = rec.trials
    assert (trial["enrollment"], trial["enrollment_type"]) == (120, "ESTIMATED")
    assert _prov(rec, "enrollment_type") == {("R2", "ESTIMATED"): (True, "type_carried_from_other_record")}
    assert _prov(rec, "enrollment")[("R1", "120")] == (True, "unanimous")


def test_enrollment_type_not_carried_across_different_counts():
    rec = reconcile([
        parsed("R1", make_record("ctgov_text", NCT, enrollment=130, enrollment_type=None)),
        parsed("R2", make_record("veeva", NCT, enrollment=120, enrollment_type="ESTIMATED")),
    ])
    (trial,) = rec.trials
    assert (trial["enrollment"], trial["enrollment_type"]) == (130, None)
    assert _prov(rec, "enrollment_type") == {("R2", "ESTIMATED"): (False, "count_differs")}
    assert "enrollment" in trial["conflicts"]


def test_enrollment_type_comes_with_the_chosen_count():
    rec = reconcile([
        parsed("R1", make_record("ctgov_json", NCT, enrollment=40, enrollment_type="ACTUAL")),
        parsed("R2", make_record("medpath", NCT, enrollment=40, enrollment_type="ESTIMATED", last_update_date="2030")),
    ])
    (trial,) = rec.trials
    assert trial["enrollment_type"] == "ACTUAL"
    assert _prov(rec, "enrollment_type")[("R1", "ACTUAL")] == (True, "same_record_as_enrollment")
    assert trial["conflicts"] == ["enrollment_type"]


def test_dates_of_different_precision_do_not_conflict_but_different_dates_do():
    rec = reconcile([
        parsed("R1", make_record("ctgov_text", NCT, start_date="2007-03", completion_date="2009-01-31")),
        parsed("R2", make_record("veeva", NCT, start_date="2007-03-31", completion_date="2010-01-31")),
    ])
    (trial,) = rec.trials
    assert trial["start_date"] == "2007-03"  # authority, not precision, decides
    assert trial["conflicts"] == ["completion_date"]
    assert rec.conflicts[trial["trial_id"]] == ("completion_date",)


def test_every_candidate_is_in_provenance_with_exactly_one_chosen():
    records = [
        parsed("R1", make_record("veeva", NCT, title="T one", phase="PHASE1", healthy_volunteers=False)),
        parsed("R2", make_record("medpath", NCT, title="T two", phase="PHASE1")),
        parsed("R3", make_record("ctgov_text", NCT, title=None, phase="PHASE1/PHASE2", healthy_volunteers=True)),
    ]
    rec = reconcile(records)
    rows = [p for p in rec.provenance if p.field in ("title", "phase", "healthy_volunteers")]
    assert len(rows) == 2 + 3 + 2
    for field in ("title", "phase", "healthy_volunteers"):
        assert sum(p.chosen for p in rows if p.field == field) == 1
    assert _prov(rec, "healthy_volunteers")[("R3", "true")] == (True, "registry_rendering")
    assert rec.trials[0]["title"] == "T one"  # veeva and medpath rank equal; R1 wins on record_id


def test_lists_union_across_records():
    rec = reconcile([
        parsed("R1", make_record("ctgov_text", NCT, conditions=["Asthma", "COPD"])),
        parsed("R2", make_record("veeva", NCT, conditions=["asthma", "Emphysema"])),
    ])
    (trial,) = rec.trials
    assert trial["conditions"] == ["Asthma", "COPD", "Emphysema"]
    assert trial["sources"] == ["ctgov_text", "veeva"]


def test_input_order_does_not_matter():
    records = [
        parsed(f"R{i:02d}", make_record(src, [ident(f"NCT0000{i % 4:04d}", "NCT")], title=f"Trial {i % 4}",
                                        phase=["PHASE1", "PHASE2"][i % 2], enrollment=10 + i % 3,
                                        enrollment_type=[None, "ACTUAL"][i % 2], last_update_date=f"202{i % 5}"))
        for i, src in enumerate(["veeva", "medpath", "ctgov_text"] * 4)
    ]
    base = reconcile(records)
    rng = random.Random(7)
    for _ in range(5):
        shuffled = records[:]
        rng.shuffle(shuffled)
        assert reconcile(shuffled) == base


def test_sponsor_spellings_and_truncated_text_are_not_conflicts():
    rec = reconcile([
        parsed("R1", make_record("ctgov_text", NCT, lead_sponsor="Pfizer, Inc.", brief_summary="A long summary of the study.")),
        parsed("R2", make_record("veeva", NCT, lead_sponsor="PFIZER", brief_summary="A long summary of the…")),
        parsed("R3", make_record("medpath", NCT, official_title="Study A", acronym="ABC")),
        parsed("R4", make_record("medpath", NCT, official_title="Study B", acronym="abc")),
    ])
    (trial,) = rec.trials
    assert trial["lead_sponsor"] == "Pfizer, Inc."
    assert trial["conflicts"] == ["official_title"]
