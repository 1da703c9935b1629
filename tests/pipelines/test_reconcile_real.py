"""Real studies (../shared/real/ctgov_v2) split into several partial "source" records (issue 3 "done when").

Each study becomes 2-3 records (a full ctgov_json record, a veeva copy missing some fields, and
for some a medpath copy that only knows a secondary registry id or the org study id + sponsor),
plus pairs of different studies forced to share a generic org study id ('1', 'Pilot').
Every study must become exactly one trial, no two studies may share one, and each trial's
registry ids must be the union of its records' registry ids.
"""
from __future__ import annotations

from collections import defaultdict

import pytest

from tests.conftest import load_v2_study
from tests.pipelines.test_reconcile_helpers import parsed

from parsers.identifiers import classify_identifier, find_registry_ids, link_key
from parsers.record import Condition, Identifier, SourceRecord
from pipelines.reconcile import reconcile
from pipelines.warehouse import build_tables

N_STUDIES = 60
GENERIC_ORG_IDS = ("1", "Pilot")


def _ids_of(study: dict) -> tuple[Identifier, list[Identifier], Identifier | None]:
    im = study["protocolSection"]["identificationModule"]
    nct = Identifier(im["nctId"], "NCT", im["nctId"], "nct_id")
    secondary = []
    for info in im.get("secondaryIdInfos", []):
        found = classify_identifier(info.get("id"), "OTHER")
        if found:
            secondary.append(Identifier(found[0], found[1], info["id"], "secondary_id"))
    org_raw = (im.get("orgStudyIdInfo") or {}).get("id")
    org = Identifier(org_raw, "ORG_STUDY_ID", org_raw, "org_study_id") if org_raw else None
    return nct, secondary, org


def _record(study: dict, source: str, identifiers: list[Identifier], full: bool) -> SourceRecord:
    ps = study["protocolSection"]
    status, design = ps.get("statusModule", {}), ps.get("designModule", {})
    enrollment = design.get("enrollmentInfo", {})
    rec = SourceRecord(source=source, parser_version="test")
    rec.identifiers = list(identifiers)
    rec.title = ps["identificationModule"].get("briefTitle")
    rec.lead_sponsor = ps.get("sponsorCollaboratorsModule", {}).get("leadSponsor", {}).get("name")
    rec.phase = "/".join(design.get("phases", [])) or None
    rec.conditions = [Condition(c, c.casefold()) for c in ps.get("conditionsModule", {}).get("conditions", [])]
    if full:  # partial copies lack these: the merge must not blank them
        rec.status = status.get("overallStatus")
        rec.start_date = (status.get("startDateStruct") or {}).get("date")
        rec.enrollment = enrollment.get("count")
        rec.enrollment_type = enrollment.get("type")
        rec.last_update_date = (status.get("lastUpdatePostDateStruct") or {}).get("date")
    return rec


@pytest.fixture(scope="module")
def studies(ctgov_v2_dir):
    all_studies = [load_v2_study(p) for p in sorted(ctgov_v2_dir.glob("NCT*.json"))]
    with_registry_secondary = [s for s in all_studies if any(
        i.id_type != "NCT" and link_key(i.value, i.id_type) for i in _ids_of(s)[1])]
    rest = [s for s in all_studies if s not in with_registry_secondary]
    chosen = (with_registry_secondary + rest)[:N_STUDIES]
    assert len(chosen) >= 40
    return chosen


def test_real_studies_split_across_sources_reconcile_one_to_one(studies):
    files, study_of = [], {}
    org_counts = defaultdict(int)
    for s in studies:
        _, _, org = _ids_of(s)
        if org:
            org_counts[(org.value.casefold(), _record(s, "x", [], False).lead_sponsor)] += 1
    for n, s in enumerate(studies):
        nct, secondary, org = _ids_of(s)
        nct_id = nct.value
        generic = GENERIC_ORG_IDS[n % 2] if n % 3 == 0 else None  # studies 0,3,6,... share '1' / 'Pilot'
        if generic:
            org = Identifier(generic, "ORG_STUDY_ID", generic, "org_study_id")
        org_list = [org] if org else []
        copies = [("ctgov_json", [nct, *secondary, *org_list], True),
                  ("veeva", [Identifier(nct_id.lower(), "NCT", nct_id.lower(), "identifiers")], False)]
        registry_secondary = [i for i in secondary if link_key(i.value, i.id_type)]
        if registry_secondary:  # MedPath knows only the EU/other registry id: joins transitively
            copies.append(("medpath", registry_secondary[:1], False))
        elif org and not generic and org_counts[(org.value.casefold(), _record(s, "x", [], False).lead_sponsor)] == 1:
            copies.append(("medpath", [org], False))  # joins by org study id + same sponsor
        for source, ids, full in copies:
            rid = f"R{n:03d}{source}"
            files.append(parsed(rid, _record(s, source, ids, full)))
            study_of[rid] = nct_id

    rec = reconcile(files)
    trials_of_study = defaultdict(set)
    for rid, tid in rec.trial_ids.items():
        trials_of_study[study_of[rid]].add(tid)
    assert all(len(t) == 1 for t in trials_of_study.values()), {k: v for k, v in trials_of_study.items() if len(v) > 1}
    assert len(rec.trials) == len(studies)  # no two studies share a trial
    assert {nct: tids.pop() for nct, tids in trials_of_study.items()} == {nct: nct for nct in trials_of_study}
    assert sum(len(c) == 3 for c in [[r for r in study_of if rec.trial_ids[r] == t["trial_id"]] for t in rec.trials]) >= 20

    # the union of every record's registry ids (typed ones, and ones written inside other id
    # fields, e.g. an org study id that is a EudraCT number), computed from the records themselves
    expected = defaultdict(set)
    for p in files:
        for i in p.record.identifiers:
            found = [(i.value, i.id_type)] + [(v, t) for v, t, _ in find_registry_ids(i.raw)]
            expected[study_of[p.record_id]].update(link_key(v, t) for v, t in found if link_key(v, t))
    tables = build_tables(files, [], rec)
    got = defaultdict(set)
    for row in tables["trial_identifiers"].to_pylist():
        if row["link_key"]:
            got[row["trial_id"]].add(row["link_key"])
    assert dict(got) == dict(expected)

    # generic org ids never link different studies; partial copies never blank fields
    methods = {link.method for link in rec.links}
    assert {"shared_registry_id", "org_study_id+sponsor"} <= methods
    for t in rec.trials:
        source_study = next(s for s in studies if s["protocolSection"]["identificationModule"]["nctId"] == t["trial_id"])
        status = source_study["protocolSection"].get("statusModule", {}).get("overallStatus")
        assert t["status"] == status
        assert t["sources"][0] == "ctgov_json"
