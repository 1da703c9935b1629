"""One raw file -> its records (each parsed or quarantined), or one file-level quarantine reason.

A raw file may hold many records (registry exports, see parsers.exports): `process_file` gives
a FileOutcome whose `records` are parsers.record.RecordOutcome, one per record inside the file.
A page or a single-study JSON file is one outcome with record_key None. A file that cannot be
used at all (empty, binary, oversized, unknown layout, ...) has a file-level `reason` and no
records; one bad record inside an export quarantines that record only (its own reason).

What counts as a raw file (`iter_raw_files`): every non-directory entry under raw/, hidden
files included (a stray ".gitkeep" is quarantined as "empty" rather than silently skipped:
the accounting rule is "every file is in source_records or quarantine"). Directories are
walked without following symlinks. A symlink (to a file or a directory) is listed as an entry
of its own; `process_file` reads it only when its target resolves inside raw/, else it is
quarantined as "symlink_outside_raw" and never opened. A symlinked directory whose target is
inside raw/ is not listed (its files are already listed at their real place).

`process_file` opens the file read-only ('rb'), never writes, and never raises: anything
unexpected becomes the reason "internal_error" with the exception text as detail.

Quarantine reasons (`Reason`, exact strings, stored in the warehouse `quarantine.reason`):

- empty               zero bytes, or only whitespace/BOM after decoding
- binary              NUL bytes, a binary file signature, or mostly control characters
- undecodable         not UTF-8/UTF-16/UTF-32 and no legacy encoding reads it
- oversized           larger than max_bytes (default 5 MB); not read beyond the limit
- unknown_layout      text/HTML that no layout recognises, or JSON that is not a v2 study
- no_identifier       a known layout parsed, but the record has no identifier at all
- truncated_html      HTML without a closing </body> or </html> whose layout is unknown or
                      whose record has no identifier (the cut is the likely cause). A cut HTML
                      page that still yields an identifier is parsed, with a warning
                      "truncated_html: ..." on the record.
- malformed_json      starts like JSON ("{" or "[") but does not parse (or nests too deep); for
                      JSON Lines, one line that does not parse (that record only)
- malformed_xml       starts like XML (a <clinical_study> export) but does not parse
- malformed_row       one row or block of a CSV / EU CTR text export that cannot be read
                      (wrong column count, no usable cells); the other rows are still used
- symlink_outside_raw a symlink whose target resolves outside raw/ (not followed)
- unreadable          the OS refused to read it (permissions, I/O error, vanished, broken link),
                      or it is not a regular file (a FIFO would block the run; devices, sockets)
- timeout             decoding and parsing took longer than the per-file limit (default 30 s;
                      a page takes about a millisecond): a pathological page cannot hang a run.
                      In a pool worker, code the limit cannot interrupt (libxml2, compiled
                      modules) meets a hard stop that ends the process (parsers.deadline); the
                      pool quarantines the file with this reason (pipelines.staging.isolated)
- internal_error      a bug: an exception escaped a parser (detail = exception text)
"""
from __future__ import annotations

import hashlib
import os
import re
import stat
import traceback
from collections.abc import Collection, Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from parsers.deadline import TimedOut, time_limit
from parsers.decode import Decoded, NotText, decode_bytes
from parsers.record import RecordOutcome, SourceRecord

DEFAULT_MAX_BYTES = 5_000_000
DEFAULT_SECONDS_PER_FILE = 30.0  # a page takes about a millisecond; this only stops pathological input
_CHUNK = 1 << 20


class Reason(StrEnum):
    EMPTY = "empty"
    BINARY = "binary"
    UNDECODABLE = "undecodable"
    OVERSIZED = "oversized"
    UNKNOWN_LAYOUT = "unknown_layout"
    NO_IDENTIFIER = "no_identifier"
    TRUNCATED_HTML = "truncated_html"
    MALFORMED_JSON = "malformed_json"
    MALFORMED_XML = "malformed_xml"
    MALFORMED_ROW = "malformed_row"
    SYMLINK_OUTSIDE_RAW = "symlink_outside_raw"
    UNREADABLE = "unreadable"
    TIMEOUT = "timeout"
    INTERNAL_ERROR = "internal_error"


REASONS: frozenset[str] = frozenset(r.value for r in Reason)


@dataclass
class FileOutcome:
    raw_path: str  # relative to raw_root, posix separators
    sha256: str | None  # of the file's bytes; None when they could not be read
    size: int | None
    source: str | None = None  # source key when known (also for some quarantined files)
    records: list[RecordOutcome] = field(default_factory=list)  # empty when the file is quarantined
    reason: str | None = None  # one of Reason when the whole file is quarantined
    detail: str = ""

    @property
    def quarantined(self) -> bool:
        return self.reason is not None

    @property
    def record(self) -> SourceRecord | None:
        """The record of a one-record file (a page, a single study); None otherwise."""
        if len(self.records) == 1 and self.records[0].record_key is None:
            return self.records[0].record
        return None


# --- listing ----------------------------------------------------------------------------------

def iter_raw_files(raw_root: Path, top_directories: Collection[str] | None = None) -> Iterator[Path]:
    """Every raw file under raw_root (as raw_root / relative path), sorted by relative posix path.
    top_directories: walk only these directories of raw_root (its own entries are always listed)."""
    return iter([Path(directory, name) for _, directory, name in raw_file_entries(raw_root, top_directories)])


def raw_file_entries(raw_root: Path, top_directories: Collection[str] | None = None) -> list[tuple[str, str, str]]:
    """iter_raw_files as strings: (relative posix path, directory, name) per raw file, sorted by
    relative path. A Path per file costs about 3 us to build: 0.3 s per 100,000 files, for
    callers that need only the relative paths."""
    root = Path(raw_root)
    root_text = os.fspath(root)
    found: list[tuple[str, str, str]] = []  # (relative posix path, directory, name): strings, as
    for dirpath, dirnames, filenames in os.walk(root_text, followlinks=False):  # archives hold millions
        relative = dirpath[len(root_text) + 1:] if dirpath != root_text else ""
        prefix = relative.replace(os.sep, "/") + "/" if relative else ""
        for name in dirnames:
            path = Path(dirpath, name)
            if path.is_symlink() and not _inside(path, root):
                found.append((prefix + name, dirpath, name))  # listed, quarantined later
        if top_directories is not None and not relative:
            dirnames[:] = [name for name in dirnames if name in top_directories]
        found.extend((prefix + name, dirpath, name) for name in filenames)
    found.sort(key=lambda item: item[0])
    return found


def _inside(path: Path, root: Path) -> bool:
    try:
        target = path.resolve(strict=False)
        return target == root.resolve() or target.is_relative_to(root.resolve())
    except (OSError, RuntimeError):  # symlink loops
        return False


# --- one file ---------------------------------------------------------------------------------

def process_file(path: Path, raw_root: Path, max_bytes: int = DEFAULT_MAX_BYTES,
                 seconds: float | None = DEFAULT_SECONDS_PER_FILE, lstat: os.stat_result | None = None
                 ) -> FileOutcome:
    """Record or quarantine reason for one raw file. Never raises. `seconds` bounds decoding and
    parsing (None: no limit). `lstat`: the file's os.lstat when the caller took it already."""
    path, raw_root = Path(path), Path(raw_root)
    try:
        raw_path = path.relative_to(raw_root).as_posix()
    except ValueError:
        raw_path = path.as_posix()
    try:
        return _process(path, raw_root, raw_path, max_bytes, seconds, lstat)
    except Exception as exc:  # noqa: BLE001 - the contract: every file gets an outcome
        return FileOutcome(raw_path, None, None, reason=Reason.INTERNAL_ERROR.value, detail=_describe(exc))


def _describe(exc: BaseException) -> str:
    where = traceback.extract_tb(exc.__traceback__)[-1] if exc.__traceback__ else None
    at = f" at {Path(where.filename).name}:{where.lineno}" if where else ""
    return f"{type(exc).__name__}: {exc}{at}"[:2000]


def _process(path: Path, raw_root: Path, raw_path: str, max_bytes: int, seconds: float | None,
             lstat: os.stat_result | None) -> FileOutcome:
    def quarantine(reason: Reason, detail: str, sha: str | None = None, size: int | None = None,
                   source: str | None = None) -> FileOutcome:
        return FileOutcome(raw_path, sha, size, source=source, reason=reason.value, detail=detail)

    try:
        # one lstat tells a regular file (nearly every file) from a link: a page cost three
        # stat calls through pathlib, 8 us of the ~50 us spent on a file outside parsing
        mode = (lstat or os.lstat(path)).st_mode
    except OSError:
        mode = None  # gone or unreachable: the stat below says why
    if mode is not None and stat.S_ISLNK(mode) and not _inside(path, raw_root):
        return quarantine(Reason.SYMLINK_OUTSIDE_RAW, f"-> {os.readlink(path)}")
    try:
        if mode is None or stat.S_ISLNK(mode):
            mode = os.stat(path).st_mode
        if not stat.S_ISREG(mode):  # a FIFO would block open() forever; devices and sockets are no pages
            return quarantine(Reason.UNREADABLE, f"not a regular file (mode {stat.filemode(mode)})")
        data, sha, size = _read_limited(path, max_bytes)
    except OSError as exc:
        return quarantine(Reason.UNREADABLE, f"{type(exc).__name__}: {exc.strerror or exc}")
    if data is None:
        return quarantine(Reason.OVERSIZED, f"{size} bytes > limit {max_bytes}", sha, size)
    if size == 0:
        return quarantine(Reason.EMPTY, "0 bytes", sha, size)
    try:
        with time_limit(seconds):
            source, outcomes = _interpret(data, size)
    except TimedOut:
        return quarantine(Reason.TIMEOUT, f"decoding and parsing took longer than {seconds:g} s", sha, size)
    if len(outcomes) == 1 and outcomes[0].record_key is None and outcomes[0].reason is not None:
        single = outcomes[0]
        return quarantine(Reason(single.reason), single.detail, sha, size, source)
    return FileOutcome(raw_path, sha, size, source=source, records=outcomes)


def _interpret(data: bytes, size: int) -> tuple[str | None, list[RecordOutcome]]:
    """Decode and split/parse the bytes of one file (the part the time limit covers):
    (source, record outcomes); a file-level failure is one outcome with key None and a reason."""
    try:
        decoded = decode_bytes(data)
    except NotText as exc:
        return None, [_failed(Reason(exc.reason), exc.detail)]
    return interpret_decoded(decoded, size)


def interpret_decoded(decoded: Decoded, size: int) -> tuple[str | None, list[RecordOutcome]]:
    """The part of `_interpret` after decoding (bench/parse.py times the two apart)."""
    text = decoded.text
    if not text.strip():
        return None, [_failed(Reason.EMPTY, f"{size} bytes of whitespace")]

    from parsers.exports import reader_for, split_records

    reader = reader_for(text)
    source, outcomes = (reader.SOURCE, split_records(reader, text)) if reader else (None, None)
    if outcomes is None or _is_malformed_json(outcomes):
        # a page may start with "[" (a bracketed title): a known layout beats "malformed JSON"
        page_source, page = _from_page(text)
        if outcomes is None or page.record is not None:
            source, outcomes = page_source, [page]
    for outcome in outcomes:
        _check_record(outcome, decoded.warnings)
    if reader and len(outcomes) == 1 and outcomes[0].record_key is None and outcomes[0].reason not in (
            None, Reason.NO_IDENTIFIER):
        source = None  # a file the reader could not read is not known to be of its source
    return source, outcomes


def _failed(reason: Reason, detail: str, key: str | None = None) -> RecordOutcome:
    return RecordOutcome(key, reason=reason.value, detail=detail)


def _is_malformed_json(outcomes: list[RecordOutcome]) -> bool:
    return len(outcomes) == 1 and outcomes[0].record_key is None and outcomes[0].reason == Reason.MALFORMED_JSON


def _check_record(outcome: RecordOutcome, decode_warnings: list[str]) -> None:
    """Decoding warnings lead each record's warnings; a record with no identifier is quarantined."""
    record = outcome.record
    if record is None:
        Reason(outcome.reason)  # a reader may only use the documented reasons
        return
    record.warnings[:0] = decode_warnings  # decoding happened first: its warnings lead
    if not record.identifiers:
        outcome.record, outcome.reason = None, Reason.NO_IDENTIFIER.value
        outcome.detail = f"{record.source} layout parsed, no identifier found"


def _read_limited(path: Path, max_bytes: int) -> tuple[bytes | None, str, int]:
    """(bytes or None when over the limit, sha256 of all bytes, size). Oversized files are hashed, not kept."""
    digest = hashlib.sha256()
    kept: list[bytes] = []
    size = 0
    with open(path, "rb") as fh:  # read-only: raw files are never modified
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)
            size += len(chunk)
            if size <= max_bytes:
                kept.append(chunk)
            else:
                kept = []
    data = b"".join(kept) if size <= max_bytes else None
    return data, digest.hexdigest(), size


# --- pages (text or HTML) ---------------------------------------------------------------------

_CLOSING = re.compile(r"</\s*(?:html|body)\s*>", re.IGNORECASE)


def is_truncated_html(text: str, markup: bool | None = None) -> bool:
    """HTML (as parsers sniff it, unless the caller did: `markup`) that has neither a closing
    </body> nor </html>."""
    from parsers.lines import looks_like_html

    if not (looks_like_html(text) if markup is None else markup):
        return False
    # where the closing tags stand on a whole page: its tail, searched first
    return not (_CLOSING.search(text, max(0, len(text) - 1024)) or _CLOSING.search(text))


def _from_page(text: str) -> tuple[str | None, RecordOutcome]:
    """(source, the page's one outcome: record or file-level reason)."""
    import parsers
    from parsers.lines import looks_like_html

    markup = looks_like_html(text)
    truncated = is_truncated_html(text, markup)
    try:
        record = parsers.parse_text(text, markup=markup)
    except parsers.UnknownLayout as exc:
        if truncated:
            return None, _failed(Reason.TRUNCATED_HTML, f"no closing </body> or </html>, and {exc}")
        return None, _failed(Reason.UNKNOWN_LAYOUT, str(exc))
    if truncated:
        if not record.identifiers:
            return record.source, _failed(Reason.TRUNCATED_HTML,
                                          f"no closing </body> or </html>; {record.source} layout, no identifier")
        record.warn("truncated_html", "no closing </body> or </html>; parsed what is there")
    return record.source, RecordOutcome(None, record=record)
