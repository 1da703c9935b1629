"""Clustering over staged batches with bounded memory: pipelines.reconcile.clustering.
cluster_identifiers on each record's identifiers and lead sponsor, fetched from the staged
tables, whole components at a time, and only for the components a change touched
(pipelines.warehouse.components); the other records keep their trial and links from the
previous snapshot. Resolving trials is pipelines.warehouse.resolve_touched, title look-alikes
pipelines.warehouse.title_pairs."""
from __future__ import annotations

import sys
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa

from pipelines.arrow_rows import table_from_rows
from pipelines.mapped_ahead import mapped_ahead
from pipelines.memory import settle_heap
from pipelines.processes import started_pool
from pipelines.reconcile.clustering import cluster_identifiers
from pipelines.reconcile.model import LinkCandidate, RecordIdentifier
from pipelines.warehouse.components import compute_components, mark_recluster
from pipelines.warehouse.duck import drop_tables, quote, sql_string, table_from_arrow
from pipelines.warehouse.schema import TABLES

CHUNK_RECORDS = 50_000  # records clustered at once (whole components)
_MAPPING_SCHEMA = pa.schema([("record_id", pa.string()), ("trial_id", pa.string())])
_LINK_FIELDS = ("record_id_a", "record_id_b", "method", "evidence", "shared_value", "id_type", "field_a", "field_b")


@dataclass
class ChunkResult:
    """What cluster_records keeps of one chunk's Clusters: Arrow tables rather than a Python
    object per record and edge (they cross a process boundary when chunks cluster in parallel)."""

    mapping: pa.Table  # record_id -> trial_id
    links: pa.Table  # trial_links rows of the edges
    blocked: list[LinkCandidate]


def _cluster_chunk(chunk_input: tuple[pa.Table, pa.Table]) -> ChunkResult:
    """Union-find over the identifiers of one chunk's records (_chunk_input): `records`
    (record_id, sponsor) and `identifiers` (record_id, value, id_type, field, raw, link_key,
    from_text), ordered by record."""
    records, identifiers = chunk_input
    idents: dict[str, list[RecordIdentifier]] = {}
    sponsors: dict[str, str | None] = {}
    for rid, sponsor in zip(*(c.to_pylist() for c in records.columns)):
        idents[rid] = []
        sponsors[rid] = sponsor
    intern = sys.intern  # a few distinct id types and fields, repeated a million times at scale
    for batch in identifiers.to_batches(max_chunksize=65_536):
        for rid, value, id_type, field, raw, link_key, from_text in zip(*(c.to_pylist() for c in batch.columns)):
            raw = value if raw == value else raw  # one string object where they are equal
            link_key = value if link_key == value else link_key
            idents[rid].append(RecordIdentifier(rid, value, intern(id_type), intern(field), raw, link_key, from_text))
    del chunk_input, records, identifiers
    clusters = cluster_identifiers(idents, sponsors)
    del idents, sponsors
    links = table_from_rows([{"trial_id": clusters.trial_ids[e.record_id_a], **{k: getattr(e, k) for k in _LINK_FIELDS}}
                             for e in clusters.edges], TABLES["trial_links"])
    mapping = pa.table({"record_id": list(clusters.trial_ids), "trial_id": list(clusters.trial_ids.values())},
                       schema=_MAPPING_SCHEMA)
    return ChunkResult(mapping, links, list(clusters.blocked))


def _chunk_input(con: duckdb.DuckDBPyConnection, chunk: int) -> tuple[pa.Table, pa.Table]:
    """_cluster_chunk's arguments for one chunk (tables cluster_in, cluster_ids)."""
    records = con.sql(f"SELECT record_id, sponsor FROM cluster_in WHERE chunk = {int(chunk)}").to_arrow_table()
    identifiers = con.sql(f"""SELECT record_id, value, id_type, field, raw, link_key, from_text FROM cluster_ids
                              WHERE chunk = {int(chunk)} ORDER BY record_id, id_type, value, field, from_text
                              """).to_arrow_table()
    return records, identifiers


def cluster_chunks(con: duckdb.DuckDBPyConnection, records: str, chunk_records: int = CHUNK_RECORDS,
                   workers: int = 1, pool: ProcessPoolExecutor | None = None) -> Iterator[ChunkResult]:
    """Clusters of the records of `records` (a table with record_id, made of whole components of
    table components), about chunk_records records per chunk: components cluster independently,
    so memory follows the chunk, not the archive. What clustering reads (lead sponsor,
    identifiers) is gathered once, tagged with its chunk: no full scan per chunk. With more than
    one chunk and more than one worker, the chunks are clustered by processes (`pool`, or one
    started here): union-find is Python, and the step's other core idled through it."""
    con.execute(f"""CREATE OR REPLACE TABLE cluster_chunk_of AS
        SELECT component, ((sum(n) OVER (ORDER BY component ROWS UNBOUNDED PRECEDING) - 1) // {int(chunk_records)})::BIGINT
               AS chunk
        FROM (SELECT component, count(*) AS n FROM components SEMI JOIN {records} USING (record_id) GROUP BY 1)""")
    con.execute("""CREATE OR REPLACE TABLE cluster_in AS
        SELECT k.chunk, r.record_id,
               coalesce(nullif(r.lead_sponsor, ''),
                        list_filter(r.sponsors, lambda s: s.role = 'lead' AND coalesce(s.name, '') <> '')[1].name) AS sponsor
        FROM s_records r JOIN components c USING (record_id) JOIN cluster_chunk_of k USING (component)
        ORDER BY k.chunk, r.record_id""")
    con.execute("""CREATE OR REPLACE TABLE cluster_ids AS
        SELECT c.chunk, i.record_id, i.value, i.id_type, i.field, i.raw, i.link_key, i.from_text
        FROM s_identifiers i JOIN cluster_in c USING (record_id) ORDER BY c.chunk, i.record_id""")
    chunks = [chunk for (chunk,) in con.sql("SELECT DISTINCT chunk FROM cluster_chunk_of ORDER BY 1").fetchall()]
    inputs = (_chunk_input(con, chunk) for chunk in chunks)  # fetched here: the connection is this thread's
    if workers > 1 and len(chunks) > 1:
        with (nullcontext(pool) if pool is not None else chunk_pool(workers)) as processes:
            # in chunk order, at most `workers` chunks handed out ahead (memory: that many at once)
            yield from mapped_ahead(_cluster_chunk, inputs, workers, executor=processes)
    else:
        yield from map(_cluster_chunk, inputs)
    drop_tables(con, "cluster_chunk_of", "cluster_in", "cluster_ids")


def chunk_pool(workers: int) -> ProcessPoolExecutor:
    """Processes for _cluster_chunk, starting now, with our workers' collector settings (a chunk
    makes a few hundred thousand identifiers, and the default thresholds ran a full pass every
    few thousand)."""
    return started_pool(workers, initializer=settle_heap)


def cluster_records(con: duckdb.DuckDBPyConnection, previous_components: Path | None, workers: int = 1
                    ) -> list[LinkCandidate]:
    """Cluster the components a change touched (all of them without previous components; with
    them, view prev_records holds the previous snapshot's source_records), a chunk of
    components at a time (in `workers` processes when there are several chunks). Makes table
    mapping(record_id, trial_id) for every record (the others keep their trial, table kept) and
    table new_links (trial_links rows of the new edges); returns the refused org-id joins (link
    candidates)."""
    # every record is clustered again (no previous components) and they make several chunks:
    # the processes start now, beside computing the components
    records = con.execute("SELECT count(*) FROM s_records").fetchall()[0][0] if previous_components is None else 0
    early = workers > 1 and records > CHUNK_RECORDS
    mappings, links, blocked = [], [], []
    with chunk_pool(workers) if early else nullcontext() as pool:
        compute_components(con)
        mark_recluster(con, previous_components)
        for chunk in cluster_chunks(con, "recluster", CHUNK_RECORDS, workers=workers, pool=pool):
            mappings.append(chunk.mapping)
            links.append(chunk.links)
            blocked.extend(chunk.blocked)
    for name, tables, schema in (("new_mapping", mappings, _MAPPING_SCHEMA), ("new_links", links, TABLES["trial_links"])):
        table_from_arrow(con, name, pa.concat_tables(tables) if tables else schema.empty_table())
    del mappings, links
    if previous_components is None:
        con.execute("CREATE OR REPLACE TABLE kept AS SELECT NULL::VARCHAR AS record_id, NULL::VARCHAR AS trial_id LIMIT 0")
    else:  # records of untouched components: present now and unchanged, so in prev_records
        con.execute("""CREATE OR REPLACE TABLE kept AS SELECT p.record_id, p.trial_id FROM prev_records p
                       SEMI JOIN s_records USING (record_id) ANTI JOIN recluster USING (record_id)""")
    con.execute("CREATE OR REPLACE TABLE mapping AS SELECT record_id, trial_id FROM new_mapping "
                "UNION ALL SELECT record_id, trial_id FROM kept")
    drop_tables(con, "new_mapping", "recluster")
    return blocked


def kept_rows_sql(name: str, previous: Path | None, where: str = "TRUE") -> str:
    """Rows of a previous snapshot's table whose record_id_a kept its component (table kept)."""
    if previous is None or not (previous / f"{name}.parquet").exists():
        return ""
    columns = ", ".join(quote(f.name) for f in TABLES[name])
    return (f" UNION ALL SELECT {columns} FROM read_parquet({sql_string(str(previous / f'{name}.parquet'))}) "
            f"WHERE ({where}) AND record_id_a IN (SELECT record_id FROM kept)")
