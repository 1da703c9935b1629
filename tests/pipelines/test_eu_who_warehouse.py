"""The EU CTR, CTIS and WHO ICTRP exports in ../shared/real through intake, staging and the
snapshot engine: nothing quarantined, every record's warehouse row holds the values its reader
gave (the readers' own tests compare those to the source cells), and each registry id is held
by exactly one trial."""
from __future__ import annotations

import shutil
from collections import defaultdict

import pytest

from parsers.exports import READERS
from parsers.decode import decode_bytes
from pipelines import ingest
from pipelines.warehouse import read_current
from pipelines.warehouse.build import record_id_of
from pipelines.warehouse.engine import build_snapshot
from tests.conftest import shared_path

FILES = (
    "euctr/miracle_takehome__trials-summary.txt",
    "euctr/ctrdata__test_error_trials_euctr.txt",
    "euctr/ctis/mswarriors__CTIS_trials_20250924.csv",
    "ictrp/ebmdatalab__COVID19-927-trials_7Apr2020.csv",
    "ictrp/ebmdatalab__COVID19-1135-trials.csv",
)
FIELDS = ("status", "phase", "enrollment", "enrollment_type", "start_date", "completion_date", "min_age_years",
          "max_age_years", "sex", "lead_sponsor", "title", "last_update_date")


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    raw = tmp_path_factory.mktemp("raw")
    for relative in FILES:
        target = raw / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(shared_path("real", relative), target)
    root = tmp_path_factory.mktemp("wh")
    batches = ingest.scan_batches(raw)
    for batch in batches.values():
        ingest.ingest_batch(raw, root, batch, max_bytes=50_000_000, workers=1)
    build_snapshot(root, list(batches), list(FILES))
    return raw, {name: t.to_pylist() for name, t in read_current(root).items()}


def _expected(raw):
    """record_id -> the reader's record, straight from the reader (not through staging)."""
    out = {}
    for relative in FILES:
        text = decode_bytes((raw / relative).read_bytes()).text
        reader = next(r for r in READERS if r.sniff(text))
        for outcome in reader.split(text):
            out[record_id_of(relative, outcome.record_key)] = outcome.record
    return out


def test_every_record_lands_and_keeps_its_reader_values(warehouse):
    raw, tables = warehouse
    assert tables["quarantine"] == []
    expected = _expected(raw)
    rows = {r["record_id"]: r for r in tables["source_records"]}
    assert set(rows) == set(expected)
    assert len(rows) == 100 + 2 + 104 + 927 + 1135
    conditions = defaultdict(list)
    for c in tables["conditions"]:
        conditions[c["record_id"]].append(c["condition"])
    for rid, record in expected.items():
        for name in FIELDS:
            assert rows[rid][name] == getattr(record, name), (rid, name)
        assert sorted(conditions[rid]) == sorted(c.name for c in record.conditions), rid


def test_each_registry_id_is_held_by_exactly_one_trial(warehouse):
    _, tables = warehouse
    trials_of = defaultdict(set)
    for ident in tables["trial_identifiers"]:
        if ident["link_key"]:
            trials_of[ident["link_key"]].add(ident["trial_id"])
    assert trials_of and all(len(t) == 1 for t in trials_of.values())
    trials_of_trialid = defaultdict(set)  # the same TrialID in both ICTRP exports is one trial
    for r in tables["source_records"]:
        if r["source"] == "ictrp":
            trials_of_trialid[r["record_key"]].add(r["trial_id"])
    assert len(trials_of_trialid) == 1138 and all(len(t) == 1 for t in trials_of_trialid.values())
