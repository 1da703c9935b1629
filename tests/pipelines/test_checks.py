"""The pure warehouse checks: each catches the fault it is named after."""
from __future__ import annotations

import pyarrow as pa

from pipelines import checks


def _trials(ids, **columns):
    return pa.table({"trial_id": ids, **columns})


def test_unique_trial_ids_pass():
    outcome = checks.check_trial_id_unique(_trials(["NCT00000001", "NCT00000002"]))
    assert outcome.passed and outcome.table == "trials"


def test_duplicate_trial_ids_fail_with_examples():
    outcome = checks.check_trial_id_unique(_trials(["NCT00000001", "NCT00000002", "NCT00000001"]))
    assert not outcome.passed
    assert outcome.metadata["examples"] == ["NCT00000001"]
    assert "NCT00000001" in outcome.description


def test_null_trial_id_fails():
    assert not checks.check_trial_id_unique(_trials(["NCT00000001", None])).passed


def _paths(*paths):
    return pa.table({"raw_path": list(paths)})


def test_every_raw_file_accounted_once():
    outcome = checks.check_raw_files_accounted(["a.txt", "b/c.txt"], _paths("a.txt"), _paths("b/c.txt"))
    assert outcome.passed
    assert outcome.metadata["raw_files"] == 2


def test_raw_file_missing_from_both_tables_fails():
    outcome = checks.check_raw_files_accounted(["a.txt", "b.txt"], _paths("a.txt"), _paths())
    assert not outcome.passed
    assert outcome.metadata["missing"] == 1 and outcome.metadata["examples"] == ["b.txt"]


def test_raw_file_in_both_tables_fails():
    outcome = checks.check_raw_files_accounted(["a.txt"], _paths("a.txt"), _paths("a.txt"))
    assert not outcome.passed and outcome.metadata["duplicated"] == 1


def test_row_for_a_file_not_in_raw_fails():
    outcome = checks.check_raw_files_accounted(["a.txt"], _paths("a.txt", "gone.txt"), _paths())
    assert not outcome.passed and outcome.metadata["unknown"] == 1


def _records(*entries):
    return pa.table({"raw_path": [p for p, _ in entries], "record_key": [k for _, k in entries]})


def test_records_of_one_export_split_between_the_tables_pass():
    outcome = checks.check_raw_files_accounted(
        ["dump.json", "page.txt"], _records(("dump.json", "NCT01"), ("page.txt", None)),
        _records(("dump.json", "line-2")))
    assert outcome.passed and outcome.metadata["records"] == 3


def test_a_record_in_both_tables_fails():
    outcome = checks.check_raw_files_accounted(
        ["dump.json"], _records(("dump.json", "NCT01"), ("dump.json", "NCT02")), _records(("dump.json", "NCT02")))
    assert not outcome.passed and outcome.metadata["examples"] == ["dump.json#NCT02"]


def test_a_file_quarantined_whole_that_also_has_records_fails():
    outcome = checks.check_raw_files_accounted(["dump.json"], _records(("dump.json", "NCT01")),
                                               _records(("dump.json", None)))
    assert not outcome.passed and outcome.metadata["examples"] == ["dump.json"]


def test_vocabulary_values_pass_including_phase_combinations_and_nulls():
    table = _trials(["T1", "T2", "T3"], phase=["PHASE1/PHASE2", "NA", None], status=["RECRUITING", None, "COMPLETED"],
                    masking=["NONE", "DOUBLE", None])
    outcome = checks.check_vocabulary("trials", table)
    assert outcome.passed
    assert outcome.metadata["checked_columns"] == ["phase", "status", "masking"]


def test_vocabulary_rejects_raw_spellings():
    table = _trials(["T1", "T2"], phase=["Phase 2", "PHASE2/PHASE1"], sex=["ALL", "Both"])
    outcome = checks.check_vocabulary("source_records", table)
    assert not outcome.passed
    assert outcome.metadata["offenders"] == {"phase": ["PHASE2/PHASE1", "Phase 2"], "sex": ["Both"]}


def test_vocabulary_checks_identifier_types():
    ok = pa.table({"trial_id": ["T"] * 3, "id_type": ["NCT", "EU_CT", "ORG_STUDY_ID"]})
    bad = pa.table({"trial_id": ["T"], "id_type": ["nct"]})
    assert checks.check_vocabulary("trial_identifiers", ok).passed
    assert not checks.check_vocabulary("trial_identifiers", bad).passed


def test_run_all_checks_and_failure_message():
    tables = {
        "trials": _trials(["NCT1", "NCT1"], phase=["PHASE2", "PHASE2"]),
        "source_records": pa.table({"raw_path": ["a"], "trial_id": ["NCT1"]}),
        "quarantine": _paths(),
    }
    outcomes = checks.run_all_checks(tables, ["a"])
    failed = [(o.table, o.name) for o in outcomes if not o.passed]
    assert failed == [("trials", "trial_id_unique")]
    assert "trials.trial_id_unique" in checks.failure_message(outcomes)


def test_vocabulary_checks_dose_columns():
    ok = pa.table({"trial_id": ["T", "T"], "scaling": ["per_kg", "flat"], "amount_per": ["day", None],
                   "frequency": ["Q3W", None], "route": ["intravenous", "oral"]})
    outcome = checks.check_vocabulary("doses", ok)
    assert outcome.passed and outcome.metadata["checked_columns"] == ["scaling", "amount_per", "frequency", "route"]
    bad = pa.table({"trial_id": ["T"], "frequency": ["twice a day"], "route": ["IV"]})
    assert checks.check_vocabulary("doses", bad).metadata["offenders"] == {"frequency": ["twice a day"], "route": ["IV"]}
    assert "doses" in checks.VOCABULARY_TABLES
