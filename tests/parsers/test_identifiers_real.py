"""parsers.identifiers against real registry records in ../shared/real (skipped without it)."""
from __future__ import annotations

import csv
import re
from collections import Counter
from functools import cache

from parsers.identifiers import REGISTRY_ID_TYPES, classify_identifier, find_registry_ids
from tests.conftest import load_v2_study, shared_path

# The id type a ICTRP TrialID prefix stands for; JPRN- covers the Japanese registries.
ICTRP_PREFIX_TYPES = {
    "NCT": {"NCT"}, "EUCTR": {"EUDRACT"}, "ISRCTN": {"ISRCTN"}, "ChiCTR": {"CHICTR"}, "ACTRN": {"ACTRN"},
    "IRCT": {"IRCT"}, "NL": {"NTR"}, "NTR": {"NTR"}, "DRKS": {"DRKS"}, "TCTR": {"TCTR"},
    "JPRN": {"JRCT", "UMIN", "JAPICCTI", "JMACCT"}, "CTRI": {"CTRI"}, "KCT": {"KCT"}, "PACTR": {"PACTR"},
    "RBR": {"RBR"}, "PER": {"PER"}, "RPCEC": {"RPCEC"}, "SLCTR": {"SLCTR"}, "LBCTR": {"LBCTR"},
    "ITMCTR": {"ITMCTR"},
}
# A CT.gov EUDRACT_NUMBER field may hold an EU CT number cut before its resubmission suffix
# (middle segment starting with 5); the shape wins, so those are EU_CT, not EUDRACT.
EU_CT_WITHOUT_SUFFIX = re.compile(r"20\d\d-5\d{5}-\d\d")
GRANT_TYPES = {"NIH", "OTHER_GRANT"}


@cache
def _secondary_ids() -> tuple[tuple[str, str, str], ...]:
    out = []
    for path in sorted(shared_path("real", "ctgov_v2").glob("NCT*.json")):
        ident = load_v2_study(path)["protocolSection"]["identificationModule"]
        for sec in ident.get("secondaryIdInfos", []):
            out.append((ident["nctId"], sec.get("type") or "", sec["id"]))
    return tuple(out)


@cache
def _ictrp_rows() -> tuple[dict[str, str], ...]:
    rows: list[dict[str, str]] = []
    for path in sorted(shared_path("real", "ictrp").glob("*.csv")):
        with path.open(encoding="utf-8", errors="replace", newline="") as fh:
            rows.extend(csv.DictReader(fh))
    return tuple(rows)


def test_ctgov_nct_ids_classify_as_nct():
    for path in sorted(shared_path("real", "ctgov_v2").glob("NCT*.json")):
        nct = load_v2_study(path)["protocolSection"]["identificationModule"]["nctId"]
        assert classify_identifier(nct) == (nct, "NCT")


def test_ctgov_eudract_secondary_ids_classify_as_eudract():
    eudract = [(nct, sid) for nct, kind, sid in _secondary_ids() if kind == "EUDRACT_NUMBER"]
    assert len(eudract) >= 10
    for nct, sid in eudract:
        expected = "EU_CT" if EU_CT_WITHOUT_SUFFIX.fullmatch(sid) else "EUDRACT"
        assert classify_identifier(sid) == (sid, expected), nct


def test_ctgov_grant_secondary_ids_never_registry():
    grants = [(nct, kind, sid) for nct, kind, sid in _secondary_ids() if kind in GRANT_TYPES]
    assert len(grants) >= 20
    kinds = Counter()
    for nct, kind, sid in grants:
        result = classify_identifier(sid, "OTHER")
        assert result is not None and result[1] not in REGISTRY_ID_TYPES, (nct, sid)
        assert find_registry_ids(sid) == [], (nct, sid)
        kinds[result[1]] += 1
    # NIH-typed ids all have the NIH grant shape
    nih = [sid for _, kind, sid in grants if kind == "NIH"]
    assert all(classify_identifier(sid)[1] == "GRANT" for sid in nih)
    assert kinds["GRANT"] >= len(nih)


def test_ctgov_who_utn_secondary_ids_are_recognised():
    utns = [sid for _, _, sid in _secondary_ids() if sid.startswith("U1111-")]
    assert utns and all(classify_identifier(sid) == (sid, "WHO_UTN") for sid in utns)


def test_ctgov_other_secondary_ids_never_crash():
    for _, _kind, sid in _secondary_ids():
        result = classify_identifier(sid, "OTHER")
        assert result is None or result[1] in REGISTRY_ID_TYPES | {"OTHER", "GRANT"}


def test_ictrp_trial_ids_classify_to_their_prefix_registry():
    rows = _ictrp_rows()
    assert len(rows) > 2000
    agree, misses = 0, []
    for row in rows:
        trial_id = row["TrialID"].strip()
        prefix = re.match(r"[A-Za-z]+", trial_id).group(0)
        result = classify_identifier(trial_id)
        if result is not None and result[1] in ICTRP_PREFIX_TYPES[prefix]:
            agree += 1
            # the same id read from running text gives the same canonical form
            assert [(c, t) for c, t, _ in find_registry_ids(trial_id)] == [result]
        else:
            misses.append((trial_id, result))
    assert misses == [], f"{agree}/{len(rows)} agree; misses: {misses[:10]}"


def test_ictrp_euctr_records_collapse_to_eudract_number():
    for row in _ictrp_rows():
        trial_id = row["TrialID"].strip()
        if trial_id.startswith("EUCTR"):
            value, id_type = classify_identifier(trial_id)
            assert id_type == "EUDRACT" and trial_id[5:].startswith(value)


def test_ictrp_free_text_scan_finds_ids_without_crashing():
    counts: Counter[str] = Counter()
    agree_with_web_address = 0
    for row in _ictrp_rows():
        own = classify_identifier(row["TrialID"])
        for column, text in row.items():
            if column == "TrialID" or not text:
                continue
            found = find_registry_ids(text)
            for _canonical, id_type, raw in found:
                assert raw in text
                counts[id_type] += 1
            if column == "web address" and found:
                # a record's own URL names its own trial (ChiCTR URLs use an internal number instead)
                assert (found[0][0], found[0][1]) == own, (row["TrialID"], text)
                agree_with_web_address += 1
    assert agree_with_web_address > 800
    assert counts["NCT"] > 700 and counts["EUDRACT"] > 50 and counts["ACTRN"] > 20
