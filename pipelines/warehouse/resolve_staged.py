"""Clustering and title look-alikes over staged batches with bounded memory (the snapshot
engine's Python part; resolving trials is pipelines.warehouse.resolve_touched).

- clustering reads only each record's identifiers and lead sponsor (pipelines.reconcile.
  clustering.cluster_identifiers), fetched from the staged tables, whole components at a time;
- title look-alikes (link_candidates) read only the titles.
"""
from __future__ import annotations

import sys
from collections.abc import Iterator

import duckdb

from pipelines.reconcile.candidates import similar_title_candidates
from pipelines.reconcile.clustering import Clusters, cluster_identifiers
from pipelines.reconcile.model import RecordIdentifier

CHUNK_RECORDS = 50_000  # records clustered at once (whole components)


def cluster_staged(con: duckdb.DuckDBPyConnection, records: str = "s_records") -> Clusters:
    """Union-find over the staged identifiers of the records in `records` (a table or view with a
    record_id column: all of s_records, or the components to cluster again)."""
    idents: dict[str, list[RecordIdentifier]] = {}
    sponsors: dict[str, str | None] = {}
    rows = con.sql(f"""
        SELECT record_id,
               coalesce(nullif(lead_sponsor, ''),
                        list_filter(sponsors, lambda s: s.role = 'lead' AND coalesce(s.name, '') <> '')[1].name)
        FROM s_records SEMI JOIN {records} USING (record_id)""").fetchall()
    for rid, sponsor in rows:
        idents[rid] = []
        sponsors[rid] = sponsor
    del rows
    reader = con.sql(f"""SELECT record_id, value, id_type, field, raw, link_key, from_text
                         FROM s_identifiers SEMI JOIN {records} USING (record_id)
                         ORDER BY record_id, id_type, value, field, from_text""").to_arrow_reader(batch_size=65_536)
    intern = sys.intern  # a few distinct id types and fields, repeated a million times at scale
    for batch in reader:
        for rid, value, id_type, field, raw, link_key, from_text in zip(*(c.to_pylist() for c in batch.columns)):
            raw = value if raw == value else raw  # one string object where they are equal
            link_key = value if link_key == value else link_key
            idents.setdefault(rid, []).append(
                RecordIdentifier(rid, value, intern(id_type), intern(field), raw, link_key, from_text))
    return cluster_identifiers(idents, sponsors)


def cluster_chunks(con: duckdb.DuckDBPyConnection, records: str, chunk_records: int = CHUNK_RECORDS) -> Iterator[Clusters]:
    """cluster_staged over the records of `records`, whole components (table components) at a
    time, about chunk_records records per call: components cluster independently, so memory
    follows the chunk, not the archive."""
    con.execute(f"""CREATE OR REPLACE TABLE cluster_chunk_of AS
        SELECT component, ((sum(n) OVER (ORDER BY component ROWS UNBOUNDED PRECEDING) - 1) // {int(chunk_records)})::BIGINT
               AS chunk
        FROM (SELECT component, count(*) AS n FROM components SEMI JOIN {records} USING (record_id) GROUP BY 1)""")
    chunks = con.sql("SELECT DISTINCT chunk FROM cluster_chunk_of ORDER BY 1").fetchall()
    for (chunk,) in chunks:
        con.execute(f"""CREATE OR REPLACE TABLE cluster_chunk AS SELECT c.record_id FROM components c
                        JOIN cluster_chunk_of USING (component) WHERE chunk = {int(chunk)}""")
        yield cluster_staged(con, "cluster_chunk")


class _Titled:
    """What similar_title_candidates reads of a record."""

    __slots__ = ("record_id", "record")

    def __init__(self, record_id: str, title: str | None, official_title: str | None):
        self.record_id = record_id
        self.record = _Titles(title, official_title)


class _Titles:
    __slots__ = ("title", "official_title")

    def __init__(self, title: str | None, official_title: str | None):
        self.title, self.official_title = title, official_title


def title_candidates(con: duckdb.DuckDBPyConnection) -> list:
    """Title look-alikes over every record (view s_records), with their trials from table mapping."""
    trial_ids = dict(con.sql("SELECT record_id, trial_id FROM mapping").fetchall())
    titled = [_Titled(*row) for row in con.sql("SELECT record_id, title, official_title FROM s_records").fetchall()]
    return similar_title_candidates(titled, trial_ids)
