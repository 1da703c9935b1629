"""Reconciliation over staged batches with bounded memory (the snapshot engine's Python part).

- clustering reads only each record's identifiers and lead sponsor (pipelines.reconcile.
  clustering.cluster_identifiers), fetched from the staged tables;
- trials are resolved one at a time (pipelines.reconcile.resolve_cluster, and the trial-grain
  lists by pipelines.reconcile.trial_lists) from a stream of their members' records ordered by
  trial, without the heavy parts neither reads (criteria, outcomes, contacts, raw, texts), so
  only one trial's records are alive at once;
- title look-alikes (link_candidates) read only the titles.
"""
from __future__ import annotations

import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from parsers.record import SCALAR_FIELDS, Arm, Condition, Intervention, Location, SourceRecord, Sponsor
from pipelines.reconcile import resolve_cluster
from pipelines.reconcile.trial_lists import LIST_SPECS, trial_list_rows
from pipelines.reconcile.candidates import similar_title_candidates
from pipelines.reconcile.clustering import Clusters, cluster_identifiers
from pipelines.reconcile.model import ParsedFile, RecordIdentifier
from pipelines.warehouse.duck import quote
from pipelines.warehouse.schema import TABLES

PART_ROWS = 20_000  # resolved rows buffered before a part file is written
CHUNK_RECORDS = 50_000  # records clustered at once (whole components)
RESOLVE_RECORDS = 20_000  # member records of the touched trials fetched and sorted at once
STREAM_ROWS = 1_024


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
    """cluster_staged over the records of `records`, whole components (TEMP TABLE components) at a
    time, about chunk_records records per call: components cluster independently, so memory
    follows the chunk, not the archive."""
    con.execute(f"""CREATE OR REPLACE TEMP TABLE cluster_chunk_of AS
        SELECT component, ((sum(n) OVER (ORDER BY component ROWS UNBOUNDED PRECEDING) - 1) // {int(chunk_records)})::BIGINT
               AS chunk
        FROM (SELECT component, count(*) AS n FROM components SEMI JOIN {records} USING (record_id) GROUP BY 1)""")
    chunks = con.sql("SELECT DISTINCT chunk FROM cluster_chunk_of ORDER BY 1").fetchall()
    for (chunk,) in chunks:
        con.execute(f"""CREATE OR REPLACE TEMP TABLE cluster_chunk AS SELECT c.record_id FROM components c
                        JOIN cluster_chunk_of USING (component) WHERE chunk = {int(chunk)}""")
        yield cluster_staged(con, "cluster_chunk")


_LIGHT_COLUMNS = ", ".join(quote(f) for f in SCALAR_FIELDS)


def _build(cls: type, items: list[dict] | None) -> list:
    return [cls(**item) for item in items or ()]


def _light_record(row: dict) -> ParsedFile:
    record = SourceRecord(source=row["source"], parser_version=row["parser_version"],
                          **{f: row[f] for f in SCALAR_FIELDS})
    record.conditions = _build(Condition, row["conditions"])
    record.countries = list(row["countries"] or ())
    record.locations = _build(Location, row["locations"])
    record.interventions = _build(Intervention, row["interventions"])
    record.arms = _build(Arm, row["arms"])
    record.sponsors = _build(Sponsor, row["sponsors"])
    record.warnings = list(row["warnings"] or ())
    return ParsedFile(record_id=row["record_id"], raw_path=row["raw_path"], sha256=row["sha256"] or "",
                      record=record, record_key=row["record_key"])


def _touched_members(con: duckdb.DuckDBPyConnection) -> Iterator[tuple[str, list[ParsedFile], dict]]:
    """(trial_id, member records, record_id -> {(id_type, value)} of its linking ids) of every
    touched trial. Trials come in slices of about RESOLVE_RECORDS records (by a hash of the
    trial id), so DuckDB sorts one slice at a time; within a slice, in trial_id order."""
    con.execute("CREATE OR REPLACE TEMP TABLE touched_members AS "
                "SELECT m.trial_id, m.record_id, hash(m.trial_id) AS h FROM mapping m SEMI JOIN touched USING (trial_id)")
    slices = max(1, -(-con.execute("SELECT count(*) FROM touched_members").fetchall()[0][0] // RESOLVE_RECORDS))
    for part in range(slices):
        yield from _members_of_slice(con, f"h % {slices} = {part}")


def _members_of_slice(con: duckdb.DuckDBPyConnection, condition: str) -> Iterator[tuple[str, list[ParsedFile], dict]]:
    reader = con.sql(f"""
        WITH members AS (SELECT trial_id, record_id FROM touched_members WHERE {condition}),
        linking AS (
            SELECT record_id, list(DISTINCT [id_type, value]) AS registry_ids
            FROM s_identifiers SEMI JOIN members USING (record_id) WHERE link_key IS NOT NULL GROUP BY 1)
        SELECT m.trial_id, r.record_id, r.record_key, r.raw_path, r.sha256, r.source, r.parser_version,
               {_LIGHT_COLUMNS}, r.conditions, r.countries, r.locations, r.interventions, r.arms, r.sponsors,
               r.warnings, l.registry_ids
        FROM s_records r JOIN members m USING (record_id) LEFT JOIN linking l USING (record_id)
        ORDER BY m.trial_id, r.record_id""").to_arrow_reader(batch_size=STREAM_ROWS)
    current, members, registry_ids = None, [], {}
    for batch in reader:
        for row in batch.to_pylist():
            if row["trial_id"] != current:
                if members:
                    yield current, members, registry_ids
                current, members, registry_ids = row["trial_id"], [], {}
            members.append(_light_record(row))
            registry_ids[row["record_id"]] = {tuple(pair) for pair in row["registry_ids"] or ()}
    if members:
        yield current, members, registry_ids


RESOLVED_TABLES: tuple[str, ...] = ("trials", "field_provenance", *LIST_SPECS, "trial_doses")


@dataclass
class Resolved:
    parts: dict[str, list[Path]]  # RESOLVED_TABLES -> part files of the touched trials' rows
    count: int


def resolve_touched(con: duckdb.DuckDBPyConnection, parts_dir: Path) -> Resolved:
    """Resolve every touched trial; rows go to Parquet part files (any order: the writer sorts)."""
    parts_dir.mkdir(parents=True, exist_ok=True)
    out = Resolved({name: [] for name in RESOLVED_TABLES}, 0)
    rows: dict[str, list[dict]] = {name: [] for name in RESOLVED_TABLES}

    def flush() -> None:
        for name, buffered in rows.items():
            if buffered:
                path = parts_dir / f"{name}-{len(out.parts[name]):05d}.parquet"
                pq.write_table(pa.Table.from_pylist(buffered, schema=TABLES[name]), path)
                out.parts[name].append(path)
                buffered.clear()

    for trial_id, members, registry_ids in _touched_members(con):
        row, provenance, doses = resolve_cluster(trial_id, members, registry_ids)
        rows["trials"].append(row)
        rows["trial_doses"].extend(doses)
        rows["field_provenance"].extend(vars(p) for p in provenance)
        for name, list_rows in trial_list_rows(trial_id, members).items():
            rows[name].extend(list_rows)
        out.count += 1
        if sum(map(len, rows.values())) >= PART_ROWS:
            flush()
    flush()
    return out


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
