"""trial_doses (pipelines.reconcile.trial_doses): each dose of a trial once, disagreements surfaced.

Constructed trials whose records are written the way pages write doses; the real-data round
trip is tests/roundtrip/test_trial_doses_roundtrip.py.
"""
from __future__ import annotations

from parsers.record import Arm, Identifier, Intervention, SourceRecord
from pipelines.reconcile import ParsedFile, reconcile
from pipelines.reconcile.trial_doses import trial_dose_rows
from pipelines.warehouse import build_tables

NCT = "NCT09000013"


def page(record_id: str, source: str, arm_text: str, updated: str | None = None, iv_text: str | None = None,
         warnings: tuple[str, ...] = ()) -> ParsedFile:
    record = SourceRecord(source=source, parser_version="t", last_update_date=updated)
    record.identifiers = [Identifier(value=NCT, id_type="NCT", raw=NCT, field="nct_id")]
    record.arms = [Arm("Cohort 1", "EXPERIMENTAL", description=arm_text)]
    record.interventions = [Intervention("Drugex", "DRUG", description=iv_text)]
    record.warnings = list(warnings)
    return ParsedFile(record_id, f"{record_id}.txt", "0" * 64, record)


def by_agent(rows: list[dict]) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for row in rows:
        out.setdefault(row["agent"], []).append(row)
    return out


# The home registry's record (CT.gov JSON for an NCT trial) writes the power of ten; an
# aggregator page, updated later, lost the superscript and shows an older Drugex dose.
JSON_TEXT = "CellX 1 x 10^6 cells/kg intravenously on day 1. Drugex 40 mg orally once daily."
VEEVA_TEXT = "CellX 106 cells/kg intravenously on day 1. Drugex 20 mg orally once daily."


def disagreeing_trial() -> list[ParsedFile]:
    return [page("R-json", "ctgov_json", JSON_TEXT, updated="2024-01-10"),
            page("R-veeva", "veeva", VEEVA_TEXT, updated="2025-06-01")]


def test_one_conflict_chosen_from_the_home_registry_and_none_for_the_repaired_exponent():
    reconciled = reconcile(disagreeing_trial())
    (trial,) = reconciled.trials
    assert trial["conflicts"].count("doses") == 1
    doses = by_agent(list(reconciled.trial_doses))

    (cellx,) = doses["cellx"]  # 106 cells/kg with its exponent restored is 1 x 10^6 cells/kg
    assert (cellx["dose_low"], cellx["unit"], cellx["scaling"]) == (1e6, "cells", "per_kg")
    assert cellx["record_ids"] == ["R-json", "R-veeva"] and cellx["chosen"] and cellx["rule"] == "unanimous"
    assert "exponent_restored" in cellx["flags"]
    assert cellx["source_text"] == "1 x 10^6 cells/kg"  # as the best record writes it

    drugex = sorted(doses["drugex"], key=lambda r: not r["chosen"])
    assert [(r["dose_low"], r["record_id"], r["record_ids"], r["chosen"]) for r in drugex] == [
        (40.0, "R-json", ["R-json"], True), (20.0, "R-veeva", ["R-veeva"], False)]
    assert {r["rule"] for r in drugex} == {"home_registry"}  # older, but the trial's own registry
    assert drugex[0]["daily_low"] == 40.0 and drugex[0]["frequency"] == "QD" and drugex[0]["route"] == "oral"


def test_within_a_tier_the_most_recent_record_is_chosen():
    rows, disagree = trial_dose_rows(NCT, [page("R-old", "veeva", "Drugex 20 mg orally once daily.", "2023-01-01"),
                                          page("R-new", "medpath", "Drugex 40 mg orally once daily.", "2025-01-01")])
    assert disagree
    chosen = [r for r in rows if r["chosen"]]
    assert [(r["dose_low"], r["record_id"], r["rule"]) for r in chosen] == [(40.0, "R-new", "recency")]


def test_spellings_of_one_dose_agree_and_gaps_are_filled_from_the_next_record():
    best = page("R1", "ctgov_json", "Drugex 5 mg/kg every 3 weeks.")  # no route
    other = page("R2", "ctgov_text", "Drugex 5 mg per kg IV every 3 weeks.")
    rows, disagree = trial_dose_rows(NCT, [other, best])  # input order does not matter
    assert not disagree
    (row,) = rows
    assert (row["dose_low"], row["unit"], row["scaling"], row["frequency"]) == (5.0, "mg", "per_kg", "Q3W")
    assert row["route"] == "intravenous" and row["record_ids"] == ["R1", "R2"] and row["record_id"] == "R1"


def test_a_contradiction_beyond_the_amount_is_a_disagreement_too():
    rows, disagree = trial_dose_rows(NCT, [page("R1", "ctgov_json", "Drugex 40 mg orally once daily."),
                                          page("R2", "veeva", "Drugex 40 mg orally twice daily.")])
    assert disagree and sorted((r["frequency"], r["chosen"]) for r in rows) == [("BID", False), ("QD", True)]


def test_a_dose_said_twice_in_one_text_is_one_dose():
    rows, disagree = trial_dose_rows(NCT, [page("R1", "ctgov_json", "Drugex 300 mg. Each week: Drugex 300 mg SC once weekly.")])
    assert not disagree
    (row,) = rows
    assert (row["dose_low"], row["frequency"], row["route"], row["rule"]) == (300.0, "QW", "subcutaneous", "only_candidate")


def test_arm_and_intervention_doses_are_rows_of_their_own_and_a_mis_split_arm_list_gives_none():
    ambiguous = page("R2", "ctgov_text", "Drugex 99 mg daily.", iv_text="Drugex 40 mg tablet once daily.",
                     warnings=("ambiguous_groups: 3 lines after the last intervention block read as one group",))
    best = page("R1", "ctgov_json", "Drugex 40 mg orally once daily.", iv_text="Drugex 40 mg tablet once daily.")
    rows, disagree = trial_dose_rows(NCT, [best, ambiguous])
    assert not disagree  # the 99 mg of the mis-split arm text is not read
    assert sorted((r["described_in"], r["label"], r["record_ids"]) for r in rows) == [
        ("arm", "Cohort 1", ["R1"]), ("intervention", "Drugex", ["R1", "R2"])]


def test_the_reference_build_writes_the_rows_and_the_dose_conflict():
    parsed = disagreeing_trial()
    tables = build_tables(parsed, [], reconcile(parsed))
    doses = tables["trial_doses"].to_pylist()
    assert len(doses) == 3 and sum(not r["chosen"] for r in doses) == 1
    assert tables["trials"].column("conflicts").to_pylist() == [["doses"]]
    assert tables["doses"].num_rows == 4  # the per-record table keeps every record's mentions
