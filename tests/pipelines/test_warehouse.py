"""Warehouse tables, schemas, the data dictionary and the atomic deterministic snapshot."""
from __future__ import annotations

import os
import random
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tests.pipelines.test_reconcile_helpers import ident, make_record, parsed

from parsers.record import Arm, Criterion, Intervention, Location, Sponsor
from pipelines.reconcile import QuarantinedFile, reconcile
from pipelines.warehouse import TABLES, build_tables, read_current, record_id_for, write_snapshot
from pipelines.warehouse.dictionary import render
from pipelines.warehouse.snapshot import CURRENT, SNAPSHOTS

REPO = Path(__file__).resolve().parents[2]
CONTRACT = {  # DESIGN.md "Warehouse contract": table -> key columns
    "trials": "trial_id title acronym phase status study_type enrollment enrollment_type sex min_age_years "
              "max_age_years healthy_volunteers start_date completion_date last_update_date allocation "
              "intervention_model masking primary_purpose lead_sponsor conditions countries sources",
    "source_records": "record_id trial_id source raw_path sha256 parser_version warnings title phase status enrollment",
    "trial_identifiers": "trial_id identifier id_type record_id",
    "trial_links": "trial_id record_id_a record_id_b method evidence",
    "field_provenance": "trial_id field value record_id source chosen rule",
    "conditions": "trial_id record_id condition condition_normalized",
    "interventions": "trial_id record_id intervention_type name description",
    "arms": "trial_id record_id label arm_type description",
    "doses": "trial_id record_id agent source_text dose_low dose_high unit basis flags scaling amount_per "
             "frequency doses_per_day daily_low daily_high route cycle_days days_on schedule",
    "eligibility_criteria": "trial_id record_id kind position text",
    "locations": "trial_id record_id facility city state country",
    "sponsors": "trial_id record_id name role agency_class",
    "quarantine": "raw_path sha256 reason detail",
    "link_candidates": "record_id_a record_id_b trial_id_a trial_id_b method score evidence",
    # issue 12: trial-grain lists
    "trial_conditions": "trial_id condition condition_normalized record_ids list_record_id",
    "trial_interventions": "trial_id name intervention_type description record_ids list_record_id",
    "trial_arms": "trial_id label arm_type description interventions record_ids list_record_id",
    "trial_locations": "trial_id facility city state country record_ids list_record_id",
    "trial_sponsors": "trial_id name role agency_class record_ids list_record_id",
    # issue 13: doses reconciled per trial
    "trial_doses": "trial_id agent described_in label dose_low dose_high unit scaling amount_per frequency "
                   "doses_per_day daily_low daily_high route record_id record_ids chosen rule",
}


def _sample():
    r1 = make_record("ctgov_text", [ident("NCT01234567", "NCT", field="nct_id")], title="Cell therapy for X",
                     phase="PHASE1/PHASE2", enrollment=20, conditions=["Sjogren's Syndrome"], countries=["Spain"])
    r1.interventions = [Intervention("MSC", "BIOLOGICAL", "Biological", "1 x 10^6 cells/kg")]
    r1.arms = [Arm("Arm A", "EXPERIMENTAL", description="MSC", interventions=["MSC"])]
    r1.criteria = [Criterion("inclusion", 1, "Adults"), Criterion("exclusion", 1, "Pregnancy")]
    r1.locations = [Location("Hospital", "Madrid", None, "Spain")]
    r1.sponsors = [Sponsor("Univ", "lead", "OTHER")]
    r1.warnings = ["unmapped_value: phase='Phase 5'"]
    r2 = make_record("veeva", [ident("NCT01234567", "NCT"), ident("2024-516715-25-00", "EU_CT")],
                     title="Cell Therapy for X", phase="PHASE2", enrollment=20, enrollment_type="ESTIMATED",
                     conditions=["Sjogrens Syndrome"], countries=["spain", "France"])
    r3 = make_record("medpath", [ident("2024-516715-25-00", "EU_CT")], status="RECRUITING")
    r4 = make_record("veeva", [], title="Cell therapy for X")
    files = [parsed("R1", r1), parsed("R2", r2), parsed("R3", r3), parsed("R4", r4)]
    quarantined = [QuarantinedFile("junk/b.bin", "ab" * 32, "binary", "NUL bytes"),
                   QuarantinedFile("junk/a.txt", None, "empty", "0 bytes")]
    return files, quarantined


def _tables(files, quarantined):
    return build_tables(files, quarantined, reconcile(files))


def test_tables_cover_the_contract_with_described_fixed_types():
    assert set(TABLES) == set(CONTRACT)
    for name, schema in TABLES.items():
        for column in CONTRACT[name].split():
            assert column in schema.names, f"{name}.{column} missing"
        for f in schema:
            assert (f.metadata or {}).get(b"description"), f"{name}.{f.name} has no description"
    assert TABLES["trials"].field("conflicts").type == pa.list_(pa.string())
    assert TABLES["doses"].field("dose_low").type == pa.float64()
    assert TABLES["field_provenance"].field("chosen").type == pa.bool_()


def test_empty_input_gives_every_table_with_its_schema():
    tables = build_tables([], [], reconcile([]))
    assert set(tables) == set(TABLES)
    for name, table in tables.items():
        assert table.num_rows == 0
        assert table.schema.equals(TABLES[name], check_metadata=True)


def test_build_tables_content():
    files, quarantined = _sample()
    t = {k: v.to_pylist() for k, v in _tables(files, quarantined).items()}
    trial_ids = {r["trial_id"] for r in t["trials"]}
    assert len(t["trials"]) == 2 and "NCT01234567" in trial_ids
    main = next(r for r in t["trials"] if r["trial_id"] == "NCT01234567")
    assert main["phase"] == "PHASE1/PHASE2" and "phase" in main["conflicts"]
    assert (main["enrollment"], main["enrollment_type"]) == (20, "ESTIMATED")
    assert main["status"] == "RECRUITING"  # only the MedPath page shows it
    assert main["countries"] == ["Spain", "France"]
    assert main["sources"] == ["ctgov_text", "medpath", "veeva"]
    assert main["record_count"] == 3
    assert [r["record_id"] for r in t["source_records"]] == ["R1", "R2", "R3", "R4"]
    assert t["source_records"][0]["warnings"] == ["unmapped_value: phase='Phase 5'"]
    assert {(r["identifier"], r["record_id"]) for r in t["trial_identifiers"] if r["id_type"] == "EU_CT"} == {
        ("2024-516715-25-00", "R2"), ("2024-516715-25-00", "R3")}
    assert len(t["trial_links"]) == 2
    assert [r["raw_path"] for r in t["quarantine"]] == ["junk/a.txt", "junk/b.bin"]
    assert [(r["kind"], r["text"]) for r in t["eligibility_criteria"]] == [("exclusion", "Pregnancy"), ("inclusion", "Adults")]
    assert t["interventions"][0]["intervention_type"] == "BIOLOGICAL"
    assert t["arms"][0]["interventions"] == ["MSC"]
    assert t["locations"][0]["city"] == "Madrid" and t["sponsors"][0]["role"] == "lead"
    assert {r["record_id_a"] + r["record_id_b"] for r in t["link_candidates"]} >= {"R1R4", "R2R4"}
    assert all(r["trial_id"] in trial_ids for name in ("conditions", "field_provenance", "trial_links") for r in t[name])


def test_tables_identical_whatever_the_input_order():
    files, quarantined = _sample()
    base = _tables(files, quarantined)
    rng = random.Random(3)
    for _ in range(3):
        f2, q2 = files[:], quarantined[:]
        rng.shuffle(f2)
        rng.shuffle(q2)
        again = _tables(f2, q2)
        for name in TABLES:
            assert again[name].equals(base[name]), name


def test_dose_extraction_failure_is_a_warning_not_a_crash(monkeypatch):
    import importlib

    doses_module = importlib.import_module("parsers.doses")

    def boom(record):
        raise RuntimeError("bad text")

    monkeypatch.setattr(doses_module, "doses_for_record", boom)
    files, quarantined = _sample()
    rows = _tables(files, quarantined)["source_records"].to_pylist()
    assert all(any(w.startswith("dose_extraction_failed: RuntimeError") for w in r["warnings"]) for r in rows)


def test_record_id_is_stable_and_path_based():
    assert record_id_for("veeva/a.txt") == record_id_for("veeva\\a.txt") == record_id_for("/veeva/a.txt")
    assert record_id_for("veeva/a.txt") != record_id_for("veeva/b.txt")
    assert record_id_for("veeva/a.txt").startswith("R") and len(record_id_for("x")) == 17


def test_snapshot_is_byte_identical_and_switches_atomically(tmp_path):
    files, quarantined = _sample()
    tables = _tables(files, quarantined)
    first = write_snapshot(tmp_path / "w1", tables)
    second = write_snapshot(tmp_path / "w2", _tables(list(reversed(files)), quarantined))
    assert first.name == second.name
    for name in TABLES:
        assert (first / f"{name}.parquet").read_bytes() == (second / f"{name}.parquet").read_bytes(), name
    meta = pq.read_metadata(first / "trials.parquet")
    assert b"pandas" not in (meta.metadata or {})
    current = tmp_path / "w1" / CURRENT
    assert current.is_symlink() and current.resolve() == first.resolve()
    back = read_current(tmp_path / "w1")
    assert set(back) == set(TABLES)
    assert back["trials"].equals(tables["trials"])
    assert back["trials"].schema.field("trial_id").metadata[b"description"]


def test_snapshot_keeps_previous_removes_older_and_stale_tmp(tmp_path):
    files, quarantined = _sample()
    root = tmp_path / "w"
    ids = []
    for n in range(3):
        ids.append(write_snapshot(root, _tables(files[: n + 2], quarantined)).name)
    # a run killed mid-write left a temp dir behind (pid that cannot exist)
    stale = root / SNAPSHOTS / f"{ids[-1]}.tmp-999999999"
    stale.mkdir()
    (stale / "trials.parquet").write_bytes(b"half")
    same = write_snapshot(root, _tables(files, quarantined))
    assert same.name == ids[-1]
    left = sorted(p.name for p in (root / SNAPSHOTS).iterdir())
    assert left == sorted(ids[-2:]) and not stale.exists()
    assert Path(os.readlink(root / CURRENT)).name == ids[-1]


def test_snapshot_refuses_a_real_current_directory(tmp_path):
    (tmp_path / CURRENT).mkdir()
    with pytest.raises(RuntimeError, match="not a symlink"):
        write_snapshot(tmp_path, build_tables([], [], reconcile([])))


def test_committed_data_dictionary_is_the_generated_one():
    committed = (REPO / "warehouse" / "README.md").read_text(encoding="utf-8")
    assert committed == render(), "regenerate: python -m pipelines.warehouse.dictionary > warehouse/README.md"
    for name, schema in TABLES.items():
        assert f"### `{name}`" in committed
        for f in schema:
            assert f"| `{f.name}` |" in committed


def test_a_run_killed_mid_write_leaves_the_previous_snapshot_current(tmp_path, monkeypatch):
    files, quarantined = _sample()
    root = tmp_path / "w"
    first = write_snapshot(root, _tables(files[:2], quarantined))
    before = read_current(root)
    real_replace = os.replace

    def die_on_dir_rename(src, dst):
        if ".tmp-" in str(src) and Path(src).is_dir():
            raise KeyboardInterrupt("killed")
        return real_replace(src, dst)

    monkeypatch.setattr(os, "replace", die_on_dir_rename)
    with pytest.raises(KeyboardInterrupt):
        write_snapshot(root, _tables(files, quarantined))
    monkeypatch.setattr(os, "replace", real_replace)
    assert (root / CURRENT).resolve() == first.resolve()
    after = read_current(root)
    assert all(after[name].equals(before[name]) for name in TABLES)
    leftovers = [p for p in (root / SNAPSHOTS).iterdir() if ".tmp-" in p.name]
    assert leftovers  # the half-written dir of the killed run
    for p in leftovers:  # a killed run's pid is gone: give its leftovers a pid that cannot be alive
        p.rename(p.with_name(p.name.split(".tmp-")[0] + ".tmp-999999999"))
    (root / f".{CURRENT}.tmp-999999999").symlink_to("nowhere")
    write_snapshot(root, _tables(files, quarantined))
    assert not [p for p in (root / SNAPSHOTS).iterdir() if ".tmp-" in p.name]
    assert not (root / f".{CURRENT}.tmp-999999999").is_symlink()
    assert read_current(root)["source_records"].num_rows == len(files)


def test_dose_mentions_become_dose_rows_with_their_trial(monkeypatch):
    import importlib
    from types import SimpleNamespace

    doses_module = importlib.import_module("parsers.doses")
    mention = SimpleNamespace(source_text="1 x 10^6 cells/kg", agent="msc", dose_low=1e6, dose_high=1e6,
                              unit="cells", basis="per_kg", schedule="x 1", flags=("exponent_restored",),
                              scaling="per_kg", amount_per="administration", frequency="ONCE", doses_per_day=None,
                              daily_low=None, daily_high=None, route="intravenous", cycle_days=None, days_on=None)
    monkeypatch.setattr(doses_module, "doses_for_record",
                        lambda record: [mention, mention] if record.interventions else [])
    files, quarantined = _sample()
    rows = _tables(files, quarantined)["doses"].to_pylist()
    assert [(r["trial_id"], r["record_id"], r["position"]) for r in rows] == [
        ("NCT01234567", "R1", 1), ("NCT01234567", "R1", 2)]
    assert rows[0] | {"position": 1} == {
        "trial_id": "NCT01234567", "record_id": "R1", "agent": "msc", "source_text": "1 x 10^6 cells/kg",
        "dose_low": 1e6, "dose_high": 1e6, "unit": "cells", "basis": "per_kg", "flags": ["exponent_restored"],
        "schedule": "x 1", "position": 1, "scaling": "per_kg", "amount_per": "administration", "frequency": "ONCE",
        "doses_per_day": None, "daily_low": None, "daily_high": None, "route": "intravenous", "cycle_days": None,
        "days_on": None}
