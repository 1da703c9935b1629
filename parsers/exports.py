"""Registry exports: files that may hold many records, and the readers that split them.

Intake asks READERS, in order, before the page parsers: the first reader whose `sniff` is true
splits the file. Each reader is a module with
- `SOURCE: str`                                the source key of its records;
- `sniff(text: str) -> bool`                   from the content only, and cheap (the head);
- `split(text: str) -> list[RecordOutcome]`    every record of the file, parsed or with the
                                               reason it cannot be used.
A file that is one record (a single study) is one outcome with record_key None; a file that
cannot be read at all is one outcome with record_key None and a reason (file level).
"""
from __future__ import annotations

from types import ModuleType

from parsers.record import RecordOutcome
from parsers.sources import ctgov_json_download, ctgov_xml, ctis, euctr, ictrp

# The one list of multi-record readers. No reader claims another's files (tests/parsers/
# test_euctr.py, test_ctis.py, test_ictrp.py check every real export against every sniff).
READERS: tuple[ModuleType, ...] = (
    ctgov_json_download,
    ctgov_xml,
    euctr,
    ctis,
    ictrp,
)


def reader_for(text: str) -> ModuleType | None:
    """The first reader that recognises this content, else None (a page, or unknown)."""
    return next((reader for reader in READERS if reader.sniff(text)), None)


def split_records(reader: ModuleType, text: str) -> list[RecordOutcome]:
    """reader.split(text) with record keys made unique within the file: a repeated key gets
    "~2", "~3", ... in file order, so every record keeps its own record_id."""
    return with_unique_keys(reader.split(text))


def with_unique_keys(outcomes: list[RecordOutcome]) -> list[RecordOutcome]:
    seen: dict[str, int] = {}
    taken = {o.record_key for o in outcomes}
    for outcome in outcomes:
        key = outcome.record_key
        if key is None:
            continue
        seen[key] = seen.get(key, 0) + 1
        if seen[key] > 1:
            n = seen[key]
            while f"{key}~{n}" in taken:
                n += 1
            outcome.record_key = f"{key}~{n}"
            taken.add(outcome.record_key)
    return outcomes
