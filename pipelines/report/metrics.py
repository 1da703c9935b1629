"""Data-health numbers of one snapshot, from its tables only (deterministic).

Everything is counted from the warehouse tables, so the report says what an analyst would find:
records and trials per source and batch, field fill rate per source, conflicts per field, trial
doses and dose conflicts, link methods, quarantine reasons, parser warnings per batch, enrollment and phase distributions.
A batch is the top-level folder of raw/ a file came from (pipelines.ingest), read from raw_path.
DuckDB counts (pipelines.report.metrics_sql); this module only arranges the counts.
"""
from __future__ import annotations

import functools
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pyarrow as pa

from parsers.record import SCALAR_FIELDS
from pipelines.ingest import ROOT_BATCH, sanitize_batch_key
from pipelines.report.metrics_sql import LIST_FIELDS, counts

UNKNOWN = "(none)"
# The tables the metrics read.
REPORT_TABLES = ("source_records", "trials", "trial_links", "quarantine", "doses", "trial_doses", *LIST_FIELDS)


@dataclass
class Metrics:
    totals: dict[str, int]
    records_by_batch_source: dict[str, dict[str, int]]  # batch -> source -> records
    trials_by_source: dict[str, int]  # trials with >= 1 record of the source
    trials_by_batch: dict[str, int]  # trials with >= 1 record of the batch
    fill_rate: dict[str, dict[str, float]]  # source -> field -> share of its records that give it
    conflicts_by_field: dict[str, int]
    link_methods: dict[str, int]
    quarantine_by_reason: dict[str, int]
    quarantine_by_batch: dict[str, int]
    warnings_by_batch_code: dict[str, dict[str, int]]  # batch -> warning code -> count
    enrollment: list[int] = field(default_factory=list)  # trials' resolved enrollment counts
    phases: dict[str, int] = field(default_factory=dict)
    doses: dict[str, int] = field(default_factory=dict)  # trial-level dose counts (see _dose_counts)
    doses_per_trial: dict[str, int] = field(default_factory=dict)  # "<n> doses" -> trials (chosen doses)

    @property
    def sources(self) -> list[str]:
        return sorted(self.fill_rate)

    @property
    def batches(self) -> list[str]:
        return sorted(set(self.records_by_batch_source) | set(self.quarantine_by_batch))


@functools.lru_cache(maxsize=4096)  # a few batch directories
def batch_key(directory: str | None) -> str:
    """The batch of a top-level raw/ directory (None: files directly under raw/)."""
    return ROOT_BATCH if directory is None else sanitize_batch_key(directory)


def compute_metrics(tables: Mapping[str, pa.Table]) -> Metrics:
    """The metrics of tables in memory (a snapshot read back, tests)."""
    with duckdb.connect() as con:
        for name in REPORT_TABLES:
            con.register(name, tables[name])
        return metrics_of(con)


def snapshot_metrics(snapshot_dir: Path) -> Metrics:
    """The metrics of a written snapshot, read from its Parquet files within a small budget."""
    with duckdb.connect(config={"memory_limit": "512MB", "threads": 2}) as con:
        for name in REPORT_TABLES:
            path = str(Path(snapshot_dir) / f"{name}.parquet").replace("'", "''")
            con.execute(f"CREATE VIEW {name} AS SELECT * FROM read_parquet('{path}')")
        return metrics_of(con)


def _sorted_counts(pairs: Iterable[tuple]) -> dict[str, int]:
    """(value, count) pairs as {value: count}, largest first; a null value counts as UNKNOWN."""
    merged: Counter = Counter()
    for value, n in pairs:
        merged[UNKNOWN if value is None else value] += n
    return dict(sorted(merged.items(), key=lambda kv: (-kv[1], kv[0])))


def _by_batch(rows: Iterable[tuple]) -> dict[str, dict[str, int]]:
    """(batch, key, count) rows as {batch: {key: count}}, both sorted."""
    nested: dict[str, Counter] = defaultdict(Counter)
    for batch, key, n in rows:
        nested[batch][key] += n
    return {b: dict(sorted(c.items())) for b, c in sorted(nested.items())}


def _fill_rate(found: dict) -> dict[str, dict[str, float]]:
    totals: dict[str, int] = {}
    filled: dict[str, Counter] = defaultdict(Counter)
    for source, n, *given in found["records_by_source"]:
        totals[source] = n
        filled[source].update(dict(zip(SCALAR_FIELDS, given)))
    for name, source, n in found["list_presence"]:
        filled[source][name] += n
    fields = (*SCALAR_FIELDS, *LIST_FIELDS)
    return {s: {f: filled[s][f] / totals[s] for f in fields} for s in sorted(totals)}


def _dose_counts(found: dict) -> tuple[dict[str, int], dict[str, int]]:
    """Doses as the records state them and as the trials hold them; candidates of records that
    disagree are the rows trial_doses keeps unchosen."""
    chosen = [n for _, n in found["chosen_per_trial"]]
    counts_ = {
        "dose mentions in records": found["dose_mentions"],
        "trial doses (chosen)": sum(chosen),
        "trials with doses": len(chosen),
        "candidate doses not chosen": found["candidate_doses"] - sum(chosen),
        "trials with a dose conflict": found["dose_conflict_trials"],
    }
    per_trial = Counter(min(n, 10) for n in chosen)
    return counts_, {("1 dose" if n == 1 else f"{n} doses" if n < 10 else "10+ doses"): per_trial[n] for n in sorted(per_trial)}


def metrics_of(con: duckdb.DuckDBPyConnection) -> Metrics:
    """The metrics of the relations named as the tables (REPORT_TABLES) in `con`."""
    found = counts(con, batch_key)
    records_by_batch = _by_batch(found["by_batch_source"])
    warnings = _by_batch(found["warning_codes"])
    dose_counts, doses_per_trial = _dose_counts(found)
    return Metrics(
        totals={
            "records": found["records"],
            "trials": found["trials"],
            "trials from more than one record": found["merged_trials"],
            "trials with a conflict": found["trials_with_conflict"],
            "trial doses": dose_counts["trial doses (chosen)"],
            "trials with a dose conflict": dose_counts["trials with a dose conflict"],
            "quarantined files": found["quarantined"],
            "parser warnings": found["warnings"],
            "batches": len(found["batches"]),
        },
        records_by_batch_source=records_by_batch,
        trials_by_source=dict(sorted(found["trials_by_source"])),
        trials_by_batch=dict(sorted(found["trials_by_batch"])),
        fill_rate=_fill_rate(found),
        conflicts_by_field=_sorted_counts(found["conflicts"]),
        link_methods=_sorted_counts(found["link_methods"]),
        quarantine_by_reason=_sorted_counts(found["quarantine_reasons"]),
        quarantine_by_batch=dict(sorted(found["quarantine_batches"])),
        warnings_by_batch_code={b: warnings.get(b, {}) for b in records_by_batch},
        enrollment=found["enrollment"],
        phases=_sorted_counts(found["phases"]),
        doses=dose_counts,
        doses_per_trial=doses_per_trial,
    )
