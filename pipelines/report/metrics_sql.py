"""The report's numbers counted by DuckDB over the snapshot's tables (Parquet files or Arrow
tables): aggregates only come back to Python, so the report's memory and time do not follow
the number of records (counting in Python lists took 1.6 s and held every record's warnings at
100,000 pages; a million pages would have held a million).

`counts(con)` reads relations named as the tables (source_records, trials, trial_links,
quarantine, doses, trial_doses and the per-record list tables); pipelines.report.metrics turns
them into Metrics.
"""
from __future__ import annotations

import duckdb

from parsers.record import SCALAR_FIELDS

# Per-record list tables whose presence (>= 1 row for the record) counts as a filled field.
LIST_FIELDS: tuple[str, ...] = ("conditions", "interventions", "arms", "eligibility_criteria", "locations", "sponsors")
DOSE_AGREEMENT = ("only_candidate", "unanimous")  # trial_doses rules where the records agree


def _directory(raw_path: str) -> str:
    """SQL: the top-level raw/ directory a raw path is in (NULL: a file directly under raw/)."""
    return f"CASE WHEN contains({raw_path}, '/') THEN split_part({raw_path}, '/', 1) END"


def _rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[tuple]:
    return con.execute(sql).fetchall()


def counts(con: duckdb.DuckDBPyConnection, batch_key) -> dict:
    """Every count the metrics need. batch_key(directory or None) names a batch."""
    directories = {d for (d,) in _rows(con, f"SELECT DISTINCT {_directory('raw_path')} FROM source_records UNION "
                                           f"SELECT DISTINCT {_directory('raw_path')} FROM quarantine")}
    con.execute("CREATE OR REPLACE TEMP TABLE batch_of (directory VARCHAR, batch VARCHAR)")
    con.executemany("INSERT INTO batch_of VALUES (?, ?)", [(d, batch_key(d)) for d in directories])
    records, quarantine = (f"""(SELECT t.*, b.batch FROM {table} t
                                JOIN batch_of b ON b.directory IS NOT DISTINCT FROM {_directory('t.raw_path')})"""
                           for table in ("source_records", "quarantine"))
    filled = ", ".join(f'count("{name}")' for name in SCALAR_FIELDS)
    presence = " UNION ALL ".join(
        f"SELECT '{name}' AS field, r.source, count(*) FROM (SELECT DISTINCT record_id FROM {name}) l "
        f"JOIN source_records r USING (record_id) GROUP BY r.source" for name in LIST_FIELDS)
    return {
        "records": _rows(con, "SELECT count(*) FROM source_records")[0][0],
        "trials": _rows(con, "SELECT count(*) FROM trials")[0][0],
        "merged_trials": _rows(con, "SELECT count(*) FROM trials WHERE record_count > 1")[0][0],
        "trials_with_conflict": _rows(con, "SELECT count(*) FROM trials WHERE len(conflicts) > 0")[0][0],
        "quarantined": _rows(con, "SELECT count(*) FROM quarantine")[0][0],
        "warnings": _rows(con, "SELECT coalesce(sum(len(warnings)), 0) FROM source_records")[0][0],
        "batches": [b for (b,) in _rows(con, f"SELECT batch FROM {records} UNION SELECT batch FROM {quarantine}")],
        "by_batch_source": _rows(con, f"SELECT batch, source, count(*) FROM {records} GROUP BY ALL"),
        "trials_by_batch": _rows(con, f"""SELECT batch, count(DISTINCT trial_id) + max((trial_id IS NULL)::INT)
                                          FROM {records} GROUP BY ALL"""),  # a null trial counts once
        "warning_codes": _rows(con, f"""SELECT batch, split_part(coalesce(w, 'None'), ':', 1), count(*)
                                        FROM (SELECT batch, unnest(warnings) AS w FROM {records}) GROUP BY ALL"""),
        "trials_by_source": _rows(con, """SELECT s, count(*) FROM (SELECT unnest(list_distinct(sources)) AS s
                                          FROM trials) GROUP BY ALL"""),
        "records_by_source": _rows(con, f"SELECT source, count(*), {filled} FROM source_records GROUP BY ALL"),
        "list_presence": _rows(con, presence),
        "conflicts": _rows(con, "SELECT f, count(*) FROM (SELECT unnest(conflicts) AS f FROM trials) GROUP BY ALL"),
        "link_methods": _rows(con, "SELECT method, count(*) FROM trial_links GROUP BY ALL"),
        "quarantine_reasons": _rows(con, "SELECT reason, count(*) FROM quarantine GROUP BY ALL"),
        "quarantine_batches": _rows(con, f"SELECT batch, count(*) FROM {quarantine} GROUP BY ALL"),
        "enrollment": [n for (n,) in _rows(con, "SELECT enrollment FROM trials WHERE enrollment IS NOT NULL ORDER BY 1")],
        "phases": _rows(con, "SELECT phase, count(*) FROM trials GROUP BY ALL"),
        "dose_mentions": _rows(con, "SELECT count(*) FROM doses")[0][0],
        "candidate_doses": _rows(con, "SELECT count(*) FROM trial_doses")[0][0],
        "chosen_per_trial": _rows(con, "SELECT trial_id, count(*) FROM trial_doses WHERE chosen GROUP BY ALL"),
        "dose_conflict_trials": _rows(con, f"""SELECT count(DISTINCT trial_id) FROM trial_doses
            WHERE rule IS NULL OR rule NOT IN {DOSE_AGREEMENT!r}""")[0][0],
    }
