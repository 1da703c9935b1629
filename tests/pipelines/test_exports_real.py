"""The real registry exports in ../shared/real (issue 10) through intake, staging, reconcile and
the warehouse tables: the 65 legacy XML records, the 462 single v2 studies, the 5 derived ones
and the 4 multi-study v2 downloads (448 studies that repeat single files).

Expected values for the XML records are read here with the standard library's ElementTree and
a small legacy -> v2 table of this test's own, not with the parser's normalizers.
"""
from __future__ import annotations

import re
import shutil
import xml.etree.ElementTree as ET
from collections import defaultdict
from datetime import datetime

import pytest

from tests.conftest import shared_path

from pipelines import checks, ingest
from pipelines.warehouse.build import record_id_for
from pipelines.warehouse import read_current
from pipelines.warehouse.engine import build_snapshot

DUMPS = "ctgov_v2/_dumps/"
INDEX_FILES = {"ctgov_v2/_index.tsv", "ctgov_xml/_index.tsv"}  # provenance notes, not records


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    raw = tmp_path_factory.mktemp("raw")
    for folder in ("ctgov_v2", "ctgov_xml"):
        shutil.copytree(shared_path("real", folder), raw / folder)
    root = tmp_path_factory.mktemp("wh")
    for batch in ingest.scan_batches(raw).values():
        ingest.ingest_batch(raw, root, batch, max_bytes=5_000_000, workers=1)
    raw_paths = [ingest.relative_raw_path(p, raw) for b in ingest.scan_batches(raw).values() for p in b.files]
    build_snapshot(root, list(ingest.scan_batches(raw)), raw_paths)
    tables = {name: t.to_pylist() for name, t in read_current(root).items()}
    return raw, tables, raw_paths


def test_every_xml_file_and_every_download_study_ingests_nothing_quarantined(warehouse):
    raw, tables, raw_paths = warehouse
    assert {q["raw_path"] for q in tables["quarantine"]} == INDEX_FILES
    records = tables["source_records"]
    by_source = defaultdict(int)
    for r in records:
        by_source[r["source"]] += 1
    n_single = len(list((raw / "ctgov_v2").glob("NCT*.json")))
    n_dump = sum(1 for r in records if r["raw_path"].startswith(DUMPS))
    assert (n_single, n_dump) == (462, 448)
    assert dict(by_source) == {"ctgov_xml": 65, "ctgov_json": 462 + 5 + 448}
    (accounted,) = [c for c in checks.run_all_checks(
        {name: _table(name, rows) for name, rows in tables.items()}, raw_paths) if c.name == "raw_files_accounted_for"]
    assert accounted.passed, accounted.description


def _table(name, rows):
    from pipelines.warehouse.build import to_table

    return to_table(name, rows)


def test_download_studies_have_keyed_record_ids_and_merge_with_their_single_files(warehouse):
    _, tables, _ = warehouse
    records = {r["record_id"]: r for r in tables["source_records"]}
    by_path = {r["raw_path"]: r for r in records.values() if r["record_key"] is None}
    dump_records = [r for r in records.values() if r["raw_path"].startswith(DUMPS)]
    assert all(re.fullmatch(r"NCT\d{8}", r["record_key"]) for r in dump_records)
    for r in dump_records:
        assert r["record_id"] == record_id_for(f"{r['raw_path']}#{r['record_key']}")
        single = by_path[f"ctgov_v2/{r['record_key']}.json"]  # the per-study files are cut from the dumps
        assert single["trial_id"] == r["trial_id"] == r["record_key"]
        assert {k: v for k, v in single.items() if k in _SCALARS} == {k: v for k, v in r.items() if k in _SCALARS}
    assert all(r["record_key"] is None for r in records.values() if not r["raw_path"].startswith(DUMPS))


_SCALARS = ("title", "status", "phase", "study_type", "enrollment", "enrollment_type", "sex", "min_age_years",
            "max_age_years", "start_date", "completion_date", "lead_sponsor", "last_update_date")


def test_each_nct_id_is_held_by_exactly_one_trial(warehouse):
    _, tables, _ = warehouse
    trials_of = defaultdict(set)
    for row in tables["trial_identifiers"]:
        if row["id_type"] == "NCT":
            trials_of[row["identifier"]].add(row["trial_id"])
    assert trials_of and all(len(t) == 1 for t in trials_of.values())
    assert len({r["trial_id"] for r in tables["trials"]}) == len(tables["trials"]) == 462 + 5 + 65


# --- XML values, read independently ------------------------------------------------------------

_AGE_UNITS = {"year": 1.0, "month": 1 / 12, "week": 7 / 365.25, "day": 1 / 365.25}


def _v2_word(text):
    """Legacy display word -> v2 enum: 'Active, not recruiting' -> ACTIVE_NOT_RECRUITING."""
    return re.sub(r"[^A-Z0-9]+", "_", text.upper()).strip("_")


def _status(text):
    return "UNKNOWN" if text == "Unknown status" else _v2_word(text)


def _phase(text):
    if text in (None, "N/A"):
        return {None: None, "N/A": "NA"}[text]
    return "/".join(_v2_word(p).replace("PHASE_", "PHASE") for p in text.split("/"))


def _date(text):
    if text is None:
        return None
    for fmt, shape in (("%B %d, %Y", "%Y-%m-%d"), ("%B %Y", "%Y-%m")):
        try:
            return datetime.strptime(text, fmt).strftime(shape)
        except ValueError:
            pass
    raise AssertionError(f"unexpected date {text!r}")


def _age(text):
    if text in (None, "N/A"):
        return None
    number, unit = text.split()
    return float(number) * _AGE_UNITS[unit.lower().rstrip("s")]


def _expected(path):
    study = ET.parse(path).getroot()
    text = lambda p: (study.findtext(p) or "").strip() or None  # noqa: E731
    enrollment = study.find("enrollment")
    return {
        "status": _status(text("overall_status")),
        "phase": _phase(text("phase")),
        "enrollment": int(enrollment.text) if enrollment is not None else None,
        "enrollment_type": {"Anticipated": "ESTIMATED", "Actual": "ACTUAL", None: None}[
            enrollment.get("type") if enrollment is not None else None],
        "start_date": _date(text("start_date")),
        "primary_completion_date": _date(text("primary_completion_date")),
        "completion_date": _date(text("completion_date")),
        "min_age_years": _age(text("eligibility/minimum_age")),
        "max_age_years": _age(text("eligibility/maximum_age")),
        "sex": text("eligibility/gender") and text("eligibility/gender").upper(),
        "lead_sponsor": text("sponsors/lead_sponsor/agency"),
    }, sorted(c.text.strip() for c in study.findall("condition")), text("id_info/nct_id")


def test_xml_fields_in_the_warehouse_equal_the_source_values(warehouse):
    raw, tables, _ = warehouse
    records = {r["raw_path"]: r for r in tables["source_records"] if r["source"] == "ctgov_xml"}
    trials = {t["trial_id"]: t for t in tables["trials"]}
    conditions = defaultdict(list)
    for row in tables["conditions"]:
        conditions[row["record_id"]].append(row["condition"])
    paths = sorted((raw / "ctgov_xml").glob("NCT*.xml"))
    assert len(paths) == len(records) == 65
    for path in paths:
        expected, expected_conditions, nct = _expected(path)
        record = records[f"ctgov_xml/{path.name}"]
        shown = {field: record[field] for field in expected}
        for field in ("min_age_years", "max_age_years"):
            shown[field] = None if shown[field] is None else pytest.approx(shown[field])
        assert shown == expected, path.name
        assert sorted(conditions[record["record_id"]]) == expected_conditions, path.name
        trial = trials[record["trial_id"]]
        assert trial["trial_id"] == nct and trial["status"] == expected["status"], path.name
        assert trial["phase"] == expected["phase"] and trial["enrollment"] == expected["enrollment"], path.name


def test_xml_eudract_secondary_ids_are_registry_ids_of_their_trial(warehouse):
    _, tables, _ = warehouse
    eudract = {(r["trial_id"], r["identifier"]) for r in tables["trial_identifiers"]
               if r["id_type"] == "EUDRACT" and r["field"] == "secondary_id"}
    trials_with_eudract = {t for t, _ in eudract}
    # SOURCES.md lists the six XML records with EudraCT numbers in <secondary_id>
    assert {"NCT03424005", "NCT01642004", "NCT03494712", "NCT02481830", "NCT04452435",
            "NCT01357915"} <= trials_with_eudract
    assert ("NCT03424005", "2017-002038-21") in eudract
