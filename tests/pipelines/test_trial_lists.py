"""The trial-grain list rule on small hand-made trials (pipelines.reconcile.trial_lists)."""
from __future__ import annotations

from parsers.record import Arm, Condition, Intervention, Location, SourceRecord, Sponsor
from pipelines.reconcile.model import ParsedFile
from pipelines.reconcile.trial_lists import trial_list_rows


def parsed(record_id: str, source: str, **lists) -> ParsedFile:
    return ParsedFile(record_id, f"{record_id}.txt", "0" * 64, SourceRecord(source=source, parser_version="t", **lists))


def test_best_record_gives_the_list_and_others_fill_its_gaps():
    text = parsed("R1", "ctgov_text", arms=[Arm("Arm A", interventions=["Drug X"]), Arm("Placebo")],
                  interventions=[Intervention("Drug X"), Intervention("Placebo")])
    veeva = parsed("R2", "veeva", arms=[Arm("arm  a", "EXPERIMENTAL", description="gets X"),
                                        Arm("Placebo", "PLACEBO_COMPARATOR"), Arm("Only on Veeva", "OTHER")],
                   interventions=[Intervention("drug x", "DRUG", description="10 mg"), Intervention("Placebo", "DRUG")])
    rows = trial_list_rows("NCT1", [veeva, text])  # input order does not matter
    assert [(r["label"], r["arm_type"], r["description"], r["interventions"]) for r in rows["trial_arms"]] == [
        ("Arm A", "EXPERIMENTAL", "gets X", ["Drug X"]), ("Placebo", "PLACEBO_COMPARATOR", None, [])]
    assert [r["record_ids"] for r in rows["trial_arms"]] == [["R1", "R2"], ["R1", "R2"]]
    assert {r["list_record_id"] for r in rows["trial_arms"]} == {"R1"}
    assert [(r["name"], r["intervention_type"], r["description"], r["position"])
            for r in rows["trial_interventions"]] == [("Drug X", "DRUG", "10 mg", 1), ("Placebo", "DRUG", None, 2)]


def test_a_list_flagged_as_mis_split_is_not_used():
    text = parsed("R1", "ctgov_text", arms=[Arm("A"), Arm("B")], warnings=["ambiguous_groups: 4 lines"])
    veeva = parsed("R2", "veeva", arms=[Arm("A", "EXPERIMENTAL"), Arm("B", "OTHER"), Arm("C", "OTHER")])
    assert [r["label"] for r in trial_list_rows("T", [text, veeva])["trial_arms"]] == ["A", "B", "C"]
    assert trial_list_rows("T", [text])["trial_arms"] == []  # no trustworthy list: no rows
    # the flag is about arms only: the same record still gives other lists
    text_c = parsed("R1", "ctgov_text", conditions=[Condition("Asthma", "asthma")], warnings=["ambiguous_groups: x"])
    assert [r["condition"] for r in trial_list_rows("T", [text_c])["trial_conditions"]] == ["Asthma"]


def test_repeats_are_kept_for_interventions_and_merged_for_conditions_and_sponsors():
    a = parsed("R1", "ctgov_json",
               interventions=[Intervention("App", "DEVICE", description="early"), Intervention("app", "DEVICE", description="late")],
               conditions=[Condition("Asthma", "asthma"), Condition("ASTHMA", "asthma")],
               sponsors=[Sponsor("Acme, Inc.", "lead"), Sponsor("ACME", "lead"), Sponsor("Acme", "collaborator")])
    b = parsed("R2", "veeva", interventions=[Intervention("App"), Intervention("App", description="late, as shown")])
    rows = trial_list_rows("T", [a, b])
    assert [(r["description"], r["record_ids"]) for r in rows["trial_interventions"]] == [
        ("early", ["R1", "R2"]), ("late", ["R1", "R2"])]
    assert [r["condition"] for r in rows["trial_conditions"]] == ["Asthma"]
    assert [(r["name"], r["role"]) for r in rows["trial_sponsors"]] == [("Acme, Inc.", "lead"), ("Acme", "collaborator")]


def test_sites_match_on_facility_and_city():
    a = parsed("R1", "ctgov_text", locations=[Location("Research Site", "Lyon"), Location("Research Site", "Paris")])
    b = parsed("R2", "medpath", locations=[Location("research site", "PARIS", "IDF", "France"),
                                           Location("Research Site", "Nice", country="France")])
    rows = trial_list_rows("T", [a, b])["trial_locations"]
    assert [(r["city"], r["state"], r["country"], r["record_ids"]) for r in rows] == [
        ("Lyon", None, None, ["R1"]), ("Paris", "IDF", "France", ["R1", "R2"])]


def test_precedence_decides_the_list_record():
    old = parsed("R1", "veeva", conditions=[Condition("Old name", "old name")])
    new = ParsedFile("R2", "R2.txt", "0" * 64, SourceRecord(source="veeva", parser_version="t", last_update_date="2025-01",
                                                             conditions=[Condition("New name", "new name")]))
    rows = trial_list_rows("T", [old, new])["trial_conditions"]
    assert [(r["condition"], r["list_record_id"]) for r in rows] == [("New name", "R2")]  # more recent wins
