"""The snapshot engine re-clusters only the components a change touches
(pipelines/warehouse/components.py). That is exact only if clustering is local to components of
shared join keys: these tests check that property on random records, and which records a change
sends back to clustering."""
from __future__ import annotations

import duckdb
import numpy as np
import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from pipelines.reconcile.clustering import cluster, join_key, lead_sponsor_name, normalized_sponsor, record_identifiers
from pipelines.warehouse.components import (COMPONENTS_SCHEMA, MAX_ROUNDS, _labels, _labels_union_find,
                                            compute_components, mark_recluster)
from tests.pipelines.test_reconcile_helpers import ident, make_record, parsed

IDS = [("NCT00000101", "NCT"), ("NCT00000202", "NCT"), ("2019-001234-22", "EUDRACT"),
       ("2023-501234-11-00", "EU_CT"), ("ISRCTN12345678", "ISRCTN")]
ORG_IDS = ["1", "ACME-7", "acme-7 ", "B"]
SPONSORS = [None, "Acme", "ACME Inc.", "Same Univ"]


@st.composite
def records(draw):
    out = []
    for i in range(draw(st.integers(1, 12))):
        registry = [ident(v, t) for v, t in draw(st.lists(st.sampled_from(IDS), max_size=2, unique=True))]
        orgs = [ident(o, "ORG_STUDY_ID", field="org_study_id")
                for o in draw(st.lists(st.sampled_from(ORG_IDS), max_size=2, unique=True))]
        sponsor = draw(st.sampled_from(SPONSORS))
        out.append(parsed(f"R{i:02d}", make_record("veeva", [*registry, *orgs], lead_sponsor=sponsor)))
    return out


def _components(parsed_records) -> list[list]:
    """The records grouped by shared join keys, as the engine groups them (components._labels)."""
    index = {p.record_id: n for n, p in enumerate(parsed_records)}
    keys: dict[str, int] = {}
    pairs = []
    for p in parsed_records:
        sponsor = normalized_sponsor(lead_sponsor_name(p))
        for i in record_identifiers(p):
            if (key := join_key(i, sponsor)) is not None:
                pairs.append((index[p.record_id], keys.setdefault(key, len(keys))))
    labels = _labels(len(parsed_records), np.array([a for a, _ in pairs], dtype=np.int64),
                     np.array([b for _, b in pairs], dtype=np.int64))
    groups: dict[int, list] = {}
    for p, label in zip(parsed_records, labels.tolist()):
        groups.setdefault(label, []).append(p)
    return list(groups.values())


@settings(max_examples=300, deadline=None)
@given(records())
def test_clustering_each_component_alone_gives_the_clustering_of_all(parsed_records):
    whole = cluster(parsed_records)
    trial_ids, edges, blocked = {}, [], []
    for component in _components(parsed_records):
        part = cluster(component)
        trial_ids.update(part.trial_ids)
        edges += part.edges
        blocked += part.blocked
    assert trial_ids == whole.trial_ids
    assert sorted(edges, key=repr) == sorted(whole.edges, key=repr)
    assert sorted(blocked, key=repr) == sorted(whole.blocked, key=repr)


def test_labels_are_the_smallest_record_of_each_component():
    # records 0-1 share key 7, 1-3 share key 2, record 2 is alone
    labels = _labels(4, np.array([3, 1, 0, 1]), np.array([2, 2, 7, 7]))
    assert labels.tolist() == [0, 0, 2, 0]


@settings(max_examples=300, deadline=None)
@given(st.integers(1, 40), st.lists(st.tuples(st.integers(0, 39), st.integers(0, 15)), max_size=80))
def test_label_propagation_gives_the_union_find_labels(n, pairs):
    pairs = [(record % n, key) for record, key in pairs]
    records = np.array([r for r, _ in pairs], dtype=np.int64)
    keys = np.array([k for _, k in pairs], dtype=np.int64)
    order = np.lexsort((records, keys))
    assert _labels(n, records, keys).tolist() == _labels_union_find(n, records[order], keys[order]).tolist()


def test_a_chain_longer_than_the_rounds_allow_is_labelled_exactly(monkeypatch):
    import pipelines.warehouse.components as components

    # record i and i+1 share key i: one component, a path of 3,000 records (pointer jumping needs
    # about 12 rounds); with fewer rounds allowed, the union-find gives the same labels
    n = 3000
    records = np.r_[np.arange(n - 1), np.arange(1, n)].astype(np.int64)
    keys = np.r_[np.arange(n - 1), np.arange(n - 1)].astype(np.int64)
    assert MAX_ROUNDS >= 12 and (_labels(n, records, keys) == 0).all()
    fallbacks = []
    monkeypatch.setattr(components, "MAX_ROUNDS", 2)
    monkeypatch.setattr(components, "_labels_union_find",
                        lambda *args: fallbacks.append(args) or _labels_union_find(*args))
    assert (_labels(n, records, keys) == 0).all() and len(fallbacks) == 1


def _con(now: list[tuple], keys: list[tuple], before: list[tuple], components_before: list[tuple], tmp_path):
    con = duckdb.connect()
    con.register("s_records", pa.table({"record_id": [r for r, _ in now], "sha256": [s for _, s in now],
                                        "parser_version": ["1"] * len(now)}))
    con.register("s_identifiers", pa.table({"record_id": [r for r, _ in keys], "join_key": [k for _, k in keys]}))
    con.register("prev_records", pa.table({"record_id": [r for r, _ in before], "sha256": [s for _, s in before],
                                           "parser_version": ["1"] * len(before)}))
    path = tmp_path / "components.parquet"
    import pyarrow.parquet as pq

    pq.write_table(pa.table({"record_id": [r for r, _ in components_before],
                             "component": [c for _, c in components_before]}, schema=COMPONENTS_SCHEMA), path)
    compute_components(con)
    return con, path


def _recluster(con, path) -> list[str]:
    mark_recluster(con, path)
    return sorted(r for (r,) in con.sql("SELECT record_id FROM recluster").fetchall())


def test_a_removed_record_sends_back_its_former_component_only(tmp_path):
    # before: A, B, C linked by org id X (B's NCT kept A and C apart); D alone. Now B is gone.
    now = [("A", "a"), ("C", "c"), ("D", "d")]
    keys = [("A", "NCT:1"), ("A", "org:X"), ("C", "org:X"), ("D", "NCT:9")]
    con, path = _con(now, keys, [*now, ("B", "b")], [("A", "A"), ("B", "A"), ("C", "A"), ("D", "D")], tmp_path)
    assert sorted(con.sql("SELECT record_id, component FROM components").fetchall()) == [
        ("A", "A"), ("C", "A"), ("D", "D")]
    assert _recluster(con, path) == ["A", "C"]


def test_new_and_changed_records_send_back_their_whole_new_component(tmp_path):
    # E is new and shares D's NCT; C changed its bytes; A and B are untouched.
    now = [("A", "a"), ("B", "b"), ("C", "c2"), ("D", "d"), ("E", "e")]
    keys = [("A", "NCT:1"), ("B", "NCT:1"), ("D", "NCT:9"), ("E", "NCT:9")]
    before = [("A", "a"), ("B", "b"), ("C", "c"), ("D", "d")]
    con, path = _con(now, keys, before, [("A", "A"), ("B", "A"), ("C", "C"), ("D", "D")], tmp_path)
    assert _recluster(con, path) == ["C", "D", "E"]


def test_without_previous_components_everything_is_clustered(tmp_path):
    now = [("A", "a"), ("B", "b")]
    con, _ = _con(now, [("A", "NCT:1")], now, [], tmp_path)
    mark_recluster(con, None)
    assert sorted(r for (r,) in con.sql("SELECT record_id FROM recluster").fetchall()) == ["A", "B"]
