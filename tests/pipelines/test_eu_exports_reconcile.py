"""The EU and WHO export records through reconciliation: one trial per registry id, ICTRP
duplicates across exports joined by union-find, the later "Last Refreshed on" winning by recency.

The readers are not wired into intake yet (the lead adds them to parsers/exports.py), so the
records are fed to reconcile() directly, each with the record_id intake gives a record inside a
file (record_id_for("<file>#<record key>")).
"""
from __future__ import annotations

from collections import defaultdict

import pytest

from parsers.sources import ctis, euctr, ictrp
from pipelines.reconcile import reconcile
from pipelines.reconcile.model import ParsedFile
from pipelines.warehouse.build import record_id_for
from tests.conftest import shared_path
from tests.parsers.export_files import decoded

FILES = {
    "euctr/miracle_takehome__trials-summary.txt": euctr,
    "euctr/ctrdata__test_error_trials_euctr.txt": euctr,
    "euctr/ctis/mswarriors__CTIS_trials_20250924.csv": ctis,
    "ictrp/ebmdatalab__COVID19-927-trials_7Apr2020.csv": ictrp,
    "ictrp/ebmdatalab__COVID19-1135-trials.csv": ictrp,
}


@pytest.fixture(scope="module")
def parsed():
    out = []
    for name, reader in FILES.items():
        text = decoded(shared_path("real", *name.split("/")))
        assert reader.sniff(text)
        for outcome in reader.split(text):
            assert outcome.record is not None, (name, outcome.record_key, outcome.reason)
            raw_path = f"{name}#{outcome.record_key}"
            out.append(ParsedFile(record_id_for(raw_path), raw_path, "0" * 64, outcome.record))
    return out


@pytest.fixture(scope="module")
def reconciled(parsed):
    return reconcile(parsed)


def test_every_record_is_used_and_each_registry_id_is_held_by_one_trial(parsed, reconciled):
    assert len(parsed) == 100 + 2 + 104 + 927 + 1135
    holders = defaultdict(set)
    for ident in reconciled.identifiers:
        if ident.link_key:
            holders[ident.link_key].add(reconciled.trial_id(ident.record_id))
    assert holders and {k: v for k, v in holders.items() if len(v) > 1} == {}


def test_the_same_trial_id_in_two_ictrp_exports_is_one_trial(parsed, reconciled):
    trials_by_key = defaultdict(set)
    for p in parsed:
        if p.record.source == "ictrp":
            trials_by_key[p.raw_path.split("#", 1)[1]].add(reconciled.trial_id(p.record_id))
    assert len(trials_by_key) == 1138
    assert all(len(trials) == 1 for trials in trials_by_key.values())


def test_the_later_refresh_wins_by_recency(parsed, reconciled):
    """NCT04274322: refreshed 2 March 2020 (phase N/A) and 14 April 2020 (Phase 2)."""
    members = [p for p in parsed if p.raw_path.endswith("#NCT04274322")]
    assert sorted(p.record.last_update_date for p in members) == ["2020-03-02", "2020-04-14"]
    trial = next(t for t in reconciled.trials if t["trial_id"] == "NCT04274322")
    assert trial["phase"] == "PHASE2"
    chosen = [p for p in reconciled.provenance if p.trial_id == "NCT04274322" and p.field == "phase" and p.chosen]
    assert [(p.value, p.rule) for p in chosen] == [("PHASE2", "recency")]
    later = next(p for p in members if p.record.last_update_date == "2020-04-14")
    assert chosen[0].record_id == later.record_id


def test_euctr_member_states_and_ictrp_member_state_rows_collapse_to_eudract_trials(parsed, reconciled):
    eu_trials = {reconciled.trial_id(p.record_id) for p in parsed if p.record.source == "euctr"}
    assert len(eu_trials) == 102  # 100 summary trials + 2 full-text trials, no EudraCT number in both
    ictrp_euctr = {reconciled.trial_id(p.record_id) for p in parsed if "#EUCTR" in p.raw_path}
    assert ictrp_euctr and all(t.startswith("20") and len(t) == 14 for t in ictrp_euctr)  # trial_id = EudraCT number
