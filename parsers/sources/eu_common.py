"""Helpers shared by the registry-export readers (euctr, ctis, ictrp): pure functions.

A reader's `split(text)` turns one export file into RecordOutcomes. What they share:
- the quarantine reasons of a row (`NO_IDENTIFIER`, `MALFORMED_ROW`) and `guarded`, which turns
  an exception escaped from one record's parsing into that record's quarantine ("internal_error"),
  so one bad row never loses the file;
- CSV reading: the header row for `sniff` (cheap: the head only), rows with their line numbers;
- list cells of the EU exports ("A, B, C"), country codes of EU/EEA member states, and the
  combination of per-member-state statuses into one trial status.
"""
from __future__ import annotations

import csv
import io
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator

from parsers.normalize import Unmapped
from parsers.normalize.status import normalize_status
from parsers.record import RecordOutcome, SourceRecord

EMPTY = "empty"  # file level: the export holds no record at all (a header only)
NO_IDENTIFIER = "no_identifier"
MALFORMED_ROW = "malformed_row"  # a CSV row whose cells do not line up with the header
INTERNAL_ERROR = "internal_error"
SNIFF_CHARS = 8192  # sniff reads at most this much of the head


def new_record(source: str) -> SourceRecord:
    from parsers import PARSER_VERSION

    return SourceRecord(source=source, parser_version=PARSER_VERSION)


def guarded(key: str | None, build: Callable[[], RecordOutcome]) -> RecordOutcome:
    """build(), or the record's quarantine when parsing it raised (a bug, never a lost file)."""
    try:
        return build()
    except Exception as exc:  # noqa: BLE001 - one record must not stop the others
        return RecordOutcome(key, reason=INTERNAL_ERROR, detail=f"{type(exc).__name__}: {exc}")


def file_outcomes(outcomes: list[RecordOutcome], what: str) -> list[RecordOutcome]:
    """The outcomes of a file, never none: an export without a single record is one file-level
    outcome (record_key None, reason EMPTY), so the file is still accounted for."""
    return outcomes or [RecordOutcome(None, reason=EMPTY, detail=f"no {what} in this export")]


def unify_newlines(text: str) -> str:
    """Mixed CRLF / LF / CR line ends (EU CTR downloads mix them) -> LF; a BOM is dropped."""
    return text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")


# --- CSV -----------------------------------------------------------------------------------

def csv_header(text: str) -> list[str]:
    """The first CSV row of the head of `text` (stripped cell names), [] when it is not CSV-like."""
    # the first line of unify_newlines(head), without copying or unifying the head (asked of
    # every page: a slice of the head cost more than the rest of both CSV sniffs)
    end = min(len(text), SNIFF_CHARS)
    for newline in ("\n", "\r"):
        found = text.find(newline, 0, end)
        if found >= 0:
            end = found
    first_line = text[:end].lstrip("\ufeff")
    if "," not in first_line and ";" not in first_line and "\t" not in first_line:
        return []
    try:
        row = next(csv.reader(io.StringIO(first_line)), [])
    except csv.Error:
        return []
    return [cell.strip() for cell in row]


def has_columns(header: Iterable[str], required: Iterable[str]) -> bool:
    """True when every required column name is in the header (case-insensitive, any order)."""
    names = {h.casefold() for h in header}
    return all(r.casefold() in names for r in required)


class CsvRows:
    """The data rows of a CSV text as (line number where the row starts, cells); blank lines skipped.

    `header` is the first row (stripped names); `line` is where the row being read starts, so a
    csv.Error raised while iterating can name it.
    """

    def __init__(self, text: str):
        # registry exports hold long free-text cells (criteria); the csv default limit is 128 KB
        csv.field_size_limit(max(csv.field_size_limit(), _MAX_CELL))
        self._reader = csv.reader(io.StringIO(unify_newlines(text), newline=""))
        self.header = [name.strip() for name in next(self._reader, [])]
        self.line = self._reader.line_num + 1

    def __iter__(self) -> Iterator[tuple[int, list[str]]]:
        for cells in self._reader:
            start, self.line = self.line, self._reader.line_num + 1
            if cells and any(c.strip() for c in cells):
                yield start, cells


_MAX_CELL = 16 * 1024 * 1024


def row_problem(header: list[str], cells: list[str]) -> str | None:
    """Why a row cannot be read column by column, or None."""
    if len(cells) != len(header):
        return f"{len(cells)} cells, the header has {len(header)}"
    return None


def split_csv(text: str, key_column: str, parse_row: Callable[[dict[str, str]], SourceRecord],
              identified: Callable[[SourceRecord], bool], expected: str) -> list[RecordOutcome]:
    """One outcome per data row of a CSV export, keyed by `key_column` ("line<N>" when quarantined).

    A row whose cells do not line up with the header is MALFORMED_ROW (so is the rest of a file
    the csv reader cannot go on with, e.g. after a NUL byte); a row whose record is not
    `identified` (its key is not an id of the expected shape) is NO_IDENTIFIER.
    """
    rows = CsvRows(text)
    outcomes: list[RecordOutcome] = []

    def build(row: dict[str, str], key: str, line: int) -> RecordOutcome:
        record = parse_row(row)
        if not identified(record):
            return RecordOutcome(f"line{line}", reason=NO_IDENTIFIER,
                                 detail=f"line {line}: {key_column}={row.get(key_column, '')!r} is not {expected}")
        return RecordOutcome(key, record=record)

    try:
        for line, cells in rows:
            problem = row_problem(rows.header, cells)
            if problem:
                outcomes.append(RecordOutcome(f"line{line}", reason=MALFORMED_ROW, detail=f"line {line}: {problem}"))
                continue
            row = dict(zip(rows.header, cells))
            key = cell(row, key_column) or f"line{line}"
            outcomes.append(guarded(key, lambda row=row, key=key, line=line: build(row, key, line)))
    except csv.Error as exc:
        outcomes.append(RecordOutcome(f"line{rows.line}", reason=MALFORMED_ROW,
                                      detail=f"line {rows.line}: {exc}; the rows from here on cannot be read"))
    return file_outcomes(outcomes, "data row")


def cell(row: dict[str, str], column: str, placeholders: frozenset[str] = frozenset()) -> str | None:
    """A stripped cell value, None when empty or a placeholder of the export ("N/A" in CTIS)."""
    value = (row.get(column) or "").strip()
    if not value or value in placeholders:
        return None
    return value


# --- list cells ------------------------------------------------------------------------------

def split_capitalised_list(text: str | None) -> list[str]:
    """"Myasthenia Gravis, Relapsing multiple sclerosis" -> two items.

    The CTIS export joins list items with ", " and each item starts with a capital letter (or a
    digit); a comma followed by a lower-case word, or inside parentheses, belongs to one item's
    prose ("Chronic obstructive pulmonary disease (COPD), amyotrophic lateral sclerosis"). Items
    are stripped and deduplicated in order.
    """
    if not text:
        return []
    items, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth = max(0, depth - 1)
        elif ch == "," and depth == 0 and text[i + 1:i + 2] == " " and _starts_item(text[i + 2:i + 3]):
            items.append(text[start:i])
            start = i + 2
    items.append(text[start:])
    out: list[str] = []
    for item in (i.strip() for i in items):
        if item and item not in out:
            out.append(item)
    return out


def _starts_item(ch: str) -> bool:
    return bool(ch) and (ch.isupper() or ch.isdigit())


# EU/EEA member states (and GB, in the register before 2021) as EU CTR writes them, with the
# country names CT.gov and CTIS use.
EU_COUNTRY_NAMES: dict[str, str] = {
    "AT": "Austria", "BE": "Belgium", "BG": "Bulgaria", "HR": "Croatia", "CY": "Cyprus", "CZ": "Czechia",
    "DK": "Denmark", "EE": "Estonia", "FI": "Finland", "FR": "France", "DE": "Germany", "GR": "Greece",
    "HU": "Hungary", "IS": "Iceland", "IE": "Ireland", "IT": "Italy", "LV": "Latvia", "LI": "Liechtenstein",
    "LT": "Lithuania", "LU": "Luxembourg", "MT": "Malta", "NL": "Netherlands", "NO": "Norway", "PL": "Poland",
    "PT": "Portugal", "RO": "Romania", "SK": "Slovakia", "SI": "Slovenia", "ES": "Spain", "SE": "Sweden",
    "GB": "United Kingdom",
}


# --- several member states, one trial --------------------------------------------------------

def member_state_status(record: SourceRecord, states: list[tuple[str, str]]) -> str | None:
    """One trial status from the status of each member state: the v2 value when every state's
    status maps to the SAME value; else None with a warning (mixed or unmappable: never a guess).

    `states` is [(state, status words as shown)]. A status word that maps to nothing is named
    in an "unmapped_value" warning; a mix of mapped values in "status_differs_by_member_state".
    """
    mapped: dict[str, set[str]] = {}
    unmapped: list[str] = []
    for state, words in states:
        try:
            value = normalize_status(words)
        except Unmapped:
            unmapped.append(words)
            continue
        if value:
            mapped.setdefault(value, set()).add(state)
    for words in dict.fromkeys(unmapped):
        record.warn("unmapped_value", f"status={words!r}")
    if unmapped:
        return None
    if len(mapped) > 1:
        detail = "; ".join(f"{value}: {','.join(sorted(s))}" for value, s in sorted(mapped.items()))
        record.warn("status_differs_by_member_state", detail)
        return None
    return next(iter(mapped), None)


def _yes(text: str | None) -> bool | None:
    return None if text is None else text.strip().casefold() == "yes"


def design_from_eu_flags(record: SourceRecord, flags: dict[str, str | None], arms: str | None = None) -> None:
    """EU CTR E.8.1 yes/no flags -> allocation, masking, intervention model.

    `flags` maps "randomised", "open", "single blind", "double blind", "parallel group", "cross
    over" to the register's answer. Randomised -> RANDOMIZED; not randomised with several arms
    (E.8.2.4) -> NON_RANDOMIZED (one arm would be NA, unknown arms: None). Masking and model only
    when exactly one of their flags says "yes".
    """
    given = {name: answer for name, answer in flags.items() if answer}
    if not given:
        return
    record.raw["design"] = "; ".join(f"{name}: {answer}" for name, answer in given.items())
    if _yes(flags.get("randomised")):
        record.allocation = "RANDOMIZED"
    elif _yes(flags.get("randomised")) is False and arms and arms.strip().isdigit() and int(arms) > 1:
        record.allocation = "NON_RANDOMIZED"
    masks = [m for m, name in (("NONE", "open"), ("SINGLE", "single blind"), ("DOUBLE", "double blind")) if _yes(flags.get(name))]
    if len(masks) == 1:
        record.masking = masks[0]
    models = [m for m, name in (("PARALLEL", "parallel group"), ("CROSSOVER", "cross over")) if _yes(flags.get(name))]
    if len(models) == 1:
        record.intervention_model = models[0]


def most_common(values: Iterable[str | None]) -> tuple[str | None, list[str]]:
    """(the value most member-state records give, ties to the first seen; the distinct values)."""
    given = [v for v in values if v]
    if not given:
        return None, []
    counts = Counter(given)
    top = max(counts.values())
    winner = next(v for v in given if counts[v] == top)
    return winner, list(dict.fromkeys(given))


_WS = re.compile(r"\s+")


def squash_ws(text: str) -> str:
    return _WS.sub(" ", text).strip()
