"""Data-health numbers of one snapshot, from its tables only (pure, deterministic).

Everything is counted from the warehouse tables, so the report says what an analyst would find:
records and trials per source and batch, field fill rate per source, conflicts per field, trial
doses and dose conflicts, link methods, quarantine reasons, parser warnings per batch, enrollment and phase distributions.
A batch is the top-level folder of raw/ a file came from (pipelines.ingest), read from raw_path.
"""
from __future__ import annotations

import functools
from collections import Counter, defaultdict
from dataclasses import dataclass, field

import pyarrow as pa
import pyarrow.compute as pc

from parsers.record import SCALAR_FIELDS
from pipelines.ingest import ROOT_BATCH, sanitize_batch_key, warning_codes

# Per-record list tables whose presence (>= 1 row for the record) counts as a filled field.
LIST_FIELDS: tuple[str, ...] = ("conditions", "interventions", "arms", "eligibility_criteria", "locations", "sponsors")
UNKNOWN = "(none)"
# The trials columns the metrics read (the report loads only these).
TRIAL_COLUMNS: tuple[str, ...] = ("trial_id", "sources", "conflicts", "record_count", "enrollment", "phase")


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


def batch_of(raw_path: str) -> str:
    first, slash, _ = raw_path.partition("/")  # raw paths are relative and "/"-separated
    return _batch_key(first) if slash else ROOT_BATCH


@functools.lru_cache(maxsize=4096)  # a few batch directories, a million records
def _batch_key(directory: str) -> str:
    return sanitize_batch_key(directory)


def _column(table: pa.Table, name: str) -> list:
    return table.column(name).to_pylist()


def _sorted_counts(values) -> dict[str, int]:
    counts = Counter(UNKNOWN if v is None else v for v in values)
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def _fill_rate(tables: dict[str, pa.Table]) -> dict[str, dict[str, float]]:
    records = tables["source_records"]
    sources = _column(records, "source")
    totals = Counter(sources)
    filled: dict[str, Counter] = defaultdict(Counter)
    given = pa.table({"source": records.column("source"),  # per field: 1 where the record gives it
                      **{name: pc.cast(pc.is_valid(records.column(name)), pa.int64()) for name in SCALAR_FIELDS}})
    sums = given.group_by("source").aggregate([(name, "sum") for name in SCALAR_FIELDS]).to_pylist()
    for row in sums:
        for name in SCALAR_FIELDS:
            filled[row["source"]][name] += row[f"{name}_sum"]
    source_of = dict(zip(_column(records, "record_id"), sources))
    for name in LIST_FIELDS:
        for record_id in pc.unique(tables[name].column("record_id")).to_pylist():
            filled[source_of[record_id]][name] += 1
    fields = (*SCALAR_FIELDS, *LIST_FIELDS)
    return {s: {f: filled[s][f] / totals[s] for f in fields} for s in sorted(totals)}


def _dose_counts(tables: dict[str, pa.Table]) -> tuple[dict[str, int], dict[str, int]]:
    """Doses as the records state them and as the trials hold them; candidates of records that
    disagree are the rows trial_doses keeps unchosen."""
    doses = tables["trial_doses"]
    chosen = Counter(t for t, ok in zip(_column(doses, "trial_id"), _column(doses, "chosen")) if ok)
    in_conflict = {t for t, rule in zip(_column(doses, "trial_id"), _column(doses, "rule"))
                   if rule not in ("only_candidate", "unanimous")}
    counts = {
        "dose mentions in records": tables["doses"].num_rows,
        "trial doses (chosen)": sum(chosen.values()),
        "trials with doses": len(chosen),
        "candidate doses not chosen": doses.num_rows - sum(chosen.values()),
        "trials with a dose conflict": len(in_conflict),
    }
    per_trial = Counter(min(n, 10) for n in chosen.values())
    return counts, {("1 dose" if n == 1 else f"{n} doses" if n < 10 else "10+ doses"): per_trial[n] for n in sorted(per_trial)}


def compute_metrics(tables: dict[str, pa.Table]) -> Metrics:
    records, trials = tables["source_records"], tables["trials"]
    batches = [batch_of(p) for p in _column(records, "raw_path")]
    sources = _column(records, "source")
    record_trials = _column(records, "trial_id")

    by_batch_source: dict[str, Counter] = defaultdict(Counter)
    trials_of_batch: dict[str, set] = defaultdict(set)
    warnings_of_batch: dict[str, list] = defaultdict(list)
    for batch, source, trial_id, warnings in zip(batches, sources, record_trials, _column(records, "warnings")):
        by_batch_source[batch][source] += 1
        trials_of_batch[batch].add(trial_id)
        warnings_of_batch[batch].append(warnings)

    quarantine = tables["quarantine"]
    trial_sources = _column(trials, "sources")
    conflicts = [f for fields in _column(trials, "conflicts") for f in fields or ()]
    dose_counts, doses_per_trial = _dose_counts(tables)
    return Metrics(
        totals={
            "records": records.num_rows,
            "trials": trials.num_rows,
            "trials from more than one record": sum(1 for n in _column(trials, "record_count") if n and n > 1),
            "trials with a conflict": sum(1 for c in _column(trials, "conflicts") if c),
            "trial doses": dose_counts["trial doses (chosen)"],
            "trials with a dose conflict": dose_counts["trials with a dose conflict"],
            "quarantined files": quarantine.num_rows,
            "parser warnings": sum(len(w or ()) for w in _column(records, "warnings")),
            "batches": len(set(batches) | {batch_of(p) for p in _column(quarantine, "raw_path")}),
        },
        records_by_batch_source={b: dict(sorted(c.items())) for b, c in sorted(by_batch_source.items())},
        trials_by_source=dict(sorted(Counter(s for srcs in trial_sources for s in set(srcs or ())).items())),
        trials_by_batch={b: len(t) for b, t in sorted(trials_of_batch.items())},
        fill_rate=_fill_rate(tables),
        conflicts_by_field=_sorted_counts(conflicts),
        link_methods=_sorted_counts(_column(tables["trial_links"], "method")),
        quarantine_by_reason=_sorted_counts(_column(quarantine, "reason")),
        quarantine_by_batch=dict(sorted(Counter(batch_of(p) for p in _column(quarantine, "raw_path")).items())),
        warnings_by_batch_code={b: dict(sorted(warning_codes(w).items())) for b, w in sorted(warnings_of_batch.items())},
        enrollment=sorted(n for n in _column(trials, "enrollment") if n is not None),
        phases=_sorted_counts(_column(trials, "phase")),
        doses=dose_counts,
        doses_per_trial=doses_per_trial,
    )
