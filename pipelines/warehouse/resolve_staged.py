"""Clustering over staged batches with bounded memory: pipelines.reconcile.clustering.
cluster_identifiers on each record's identifiers and lead sponsor, fetched from the staged
tables, whole components at a time (resolving trials is pipelines.warehouse.resolve_touched,
title look-alikes pipelines.warehouse.title_pairs)."""
from __future__ import annotations

import sys
from collections.abc import Iterator

import duckdb

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
