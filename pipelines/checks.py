"""The warehouse invariants as pure functions over Arrow tables (no Dagster import).

The warehouse asset runs them on the freshly built tables BEFORE switching `current`, refuses the
switch when one fails, and reports each result as a blocking asset check in the UI.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Callable

import pyarrow as pa
import pyarrow.compute as pc

from parsers.doses import FREQUENCIES, ROUTES
from parsers.normalize import vocab

MAX_EXAMPLES = 10


@dataclass(frozen=True)
class CheckOutcome:
    name: str
    table: str  # the warehouse table (asset) the check is attached to
    passed: bool
    description: str
    metadata: dict[str, Any] = field(default_factory=dict)


def _id_types() -> frozenset[str]:
    known = getattr(vocab, "ID_TYPES", None)
    if known:
        return frozenset(known)
    from parsers.identifiers import REGISTRY_ID_TYPES

    return frozenset(REGISTRY_ID_TYPES) | {"ORG_STUDY_ID", "GRANT", "OTHER"}


# column -> membership test; the vocabulary a column must stay within (null is always allowed).
def _vocabularies() -> dict[str, Callable[[str], bool]]:
    return {
        "phase": vocab.is_phase_label,
        "status": vocab.STATUSES.__contains__,
        "study_type": vocab.STUDY_TYPES.__contains__,
        "enrollment_type": vocab.ENROLLMENT_TYPES.__contains__,
        "sex": vocab.SEXES.__contains__,
        "allocation": vocab.ALLOCATIONS.__contains__,
        "intervention_model": vocab.INTERVENTION_MODELS.__contains__,
        "masking": vocab.MASKINGS.__contains__,
        "primary_purpose": vocab.PRIMARY_PURPOSES.__contains__,
        "observational_model": vocab.OBSERVATIONAL_MODELS.__contains__,
        "time_perspective": vocab.TIME_PERSPECTIVES.__contains__,
        "id_type": _id_types().__contains__,
        # doses (parsers.doses documents each vocabulary)
        "scaling": {"per_kg", "per_m2", "flat"}.__contains__,
        "amount_per": {"administration", "day", "course"}.__contains__,
        "frequency": FREQUENCIES.__contains__,
        "route": ROUTES.__contains__,
    }


def vocabulary_columns() -> tuple[str, ...]:
    """Every column name a vocabulary check looks at (in any table)."""
    return tuple(_vocabularies())


# Tables whose enum columns are checked (the columns present in each are checked).
VOCABULARY_TABLES: tuple[str, ...] = ("trials", "source_records", "trial_identifiers", "doses", "trial_doses")
CHECK_TRIAL_ID_UNIQUE = "trial_id_unique"
CHECK_RAW_FILES_ACCOUNTED = "raw_files_accounted_for"
CHECK_VOCABULARY = "vocabulary_values"


def check_trial_id_unique(trials: pa.Table) -> CheckOutcome:
    ids = trials.column("trial_id").to_pylist()
    counts = Counter(ids)
    duplicates = sorted(str(k) for k, n in counts.items() if n > 1)
    nulls = counts.get(None, 0)
    passed = not duplicates and not nulls
    if passed:
        description = f"{len(ids)} trials, every trial_id unique and set"
    else:
        description = f"{len(duplicates)} duplicated trial_id(s), {nulls} null: {', '.join(duplicates[:MAX_EXAMPLES])}"
    return CheckOutcome(CHECK_TRIAL_ID_UNIQUE, "trials", passed, description,
                        {"duplicates": len(duplicates), "nulls": nulls, "examples": duplicates[:MAX_EXAMPLES]})


def _entries(table: pa.Table) -> pa.Table:
    """(raw_path, record_key) of each row; a table without record_key holds whole files."""
    paths = table.column("raw_path").cast(pa.string())
    keys = (table.column("record_key").cast(pa.string()) if "record_key" in table.column_names
            else pa.nulls(table.num_rows, pa.string()))
    return pa.table({"raw_path": paths, "record_key": keys})


def _repeated_entries(entries: pa.Table) -> set[str]:
    """"path#key" of each (raw_path, record_key) with two rows or more ("path" when the key is
    null), and each file with a null-key row (quarantined whole) and another row. Plain Arrow
    kernels (group_by's first call costs 0.2 s); Python only for the files that repeat."""
    paths = entries.column("raw_path")
    counts = pc.value_counts(paths).flatten()
    repeated = counts[0].filter(pc.greater(counts[1], 1))
    if not len(repeated):
        return set()
    rows = entries.filter(pc.is_in(paths, value_set=repeated))
    per_pair = Counter(zip(rows.column("raw_path").to_pylist(), rows.column("record_key").to_pylist()))
    out = {f"{p}#{k}" if k is not None else p for (p, k), n in per_pair.items() if n > 1}
    return out | {p for p, k in per_pair if k is None}  # the file repeats: a whole-file row and another


def check_raw_files_accounted(raw_paths: Iterable[str], source_records: pa.Table, quarantine: pa.Table) -> CheckOutcome:
    """Every raw file, and every record inside it, is in exactly one of source_records or
    quarantine, and nothing else is: each raw file has at least one row; no (file, record_key)
    has two rows; a file quarantined as a whole (record_key null) has no other row; no row
    names a file that is not in raw/. (Arrow compute: the whole archive is checked every run.)"""
    raw = pc.unique(pa.array(list(raw_paths), pa.string()))
    entries = pa.concat_tables([_entries(source_records), _entries(quarantine)])
    listed = pc.unique(entries.column("raw_path"))
    missing = sorted(raw.filter(pc.invert(pc.is_in(raw, value_set=listed))).to_pylist())
    unknown = sorted(listed.filter(pc.invert(pc.is_in(listed, value_set=raw))).to_pylist())
    twice = sorted(_repeated_entries(entries))
    passed = not (missing or twice or unknown)
    records = entries.num_rows
    description = (
        f"{len(raw)} raw files, {records} records: {source_records.num_rows} in source_records, "
        f"{quarantine.num_rows} in quarantine"
        if passed else
        f"{len(missing)} raw file(s) in neither table, {len(twice)} file(s)/record(s) in both/twice, "
        f"{len(unknown)} file(s) in the tables but not in raw/ "
        f"(e.g. {', '.join((missing + twice + unknown)[:MAX_EXAMPLES])}); re-run the intake of their batch"
    )
    return CheckOutcome(CHECK_RAW_FILES_ACCOUNTED, "source_records", passed, description, {
        "raw_files": len(raw), "records": records, "missing": len(missing), "duplicated": len(twice),
        "unknown": len(unknown), "examples": (missing + twice + unknown)[:MAX_EXAMPLES],
    })


def check_vocabulary(table_name: str, table: pa.Table) -> CheckOutcome:
    """Enum columns of a table hold only vocabulary values (or null)."""
    offenders: dict[str, list[str]] = {}
    checked = []
    for column, allowed in _vocabularies().items():
        if column not in table.column_names:
            continue
        checked.append(column)
        values = {v for v in _distinct(table.column(column)) if v is not None}
        wrong = sorted(str(v) for v in values if not (isinstance(v, str) and allowed(v)))
        if wrong:
            offenders[column] = wrong[:MAX_EXAMPLES]
    passed = not offenders
    description = (
        f"{', '.join(checked) or 'no enum columns'}: vocabulary values only" if passed else
        "; ".join(f"{c} has {', '.join(map(repr, v))}" for c, v in offenders.items())
    )
    return CheckOutcome(CHECK_VOCABULARY, table_name, passed, description,
                        {"checked_columns": checked, "offenders": offenders})


def _distinct(column: pa.ChunkedArray) -> list:
    """The column's distinct values (Arrow's unique where the type has one: a column of 100,000
    trials holds a handful of statuses)."""
    try:
        return pc.unique(column).to_pylist()
    except pa.ArrowNotImplementedError:
        return column.to_pylist()


def run_all_checks(tables: Mapping[str, pa.Table], raw_paths: Iterable[str]) -> list[CheckOutcome]:
    outcomes = [
        check_trial_id_unique(tables["trials"]),
        check_raw_files_accounted(raw_paths, tables["source_records"], tables["quarantine"]),
    ]
    outcomes += [check_vocabulary(name, tables[name]) for name in VOCABULARY_TABLES if name in tables]
    return outcomes


def failure_message(outcomes: Iterable[CheckOutcome]) -> str:
    failed = [o for o in outcomes if not o.passed]
    return "warehouse checks failed, `current` left unchanged: " + " | ".join(
        f"{o.table}.{o.name}: {o.description}" for o in failed
    )
