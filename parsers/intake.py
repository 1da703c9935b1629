"""One raw file -> one parsed record or one quarantine reason (file level; pure except reading).

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
- malformed_json      starts like JSON ("{" or "[") but does not parse (or nests too deep)
- multi_study_json    a {"studies": [...]} download (or a JSON list) with more than one study:
                      one raw file is one record, so it is not silently cut to its first study
- symlink_outside_raw a symlink whose target resolves outside raw/ (not followed)
- unreadable          the OS refused to read it (permissions, I/O error, vanished, broken link),
                      or it is not a regular file (a FIFO would block the run; devices, sockets)
- timeout             decoding and parsing took longer than the per-file limit (default 30 s;
                      a page takes about a millisecond): a pathological page cannot hang a run
- internal_error      a bug: an exception escaped a parser (detail = exception text)
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import stat
import traceback
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from parsers.deadline import TimedOut, time_limit
from parsers.decode import NotText, decode_bytes
from parsers.record import SourceRecord

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
    MULTI_STUDY_JSON = "multi_study_json"
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
    record: SourceRecord | None = None
    reason: str | None = None  # one of Reason when quarantined
    detail: str = ""

    @property
    def quarantined(self) -> bool:
        return self.reason is not None


# --- listing ----------------------------------------------------------------------------------

def iter_raw_files(raw_root: Path) -> Iterator[Path]:
    """Every raw file under raw_root (as raw_root / relative path), sorted by relative posix path."""
    root = Path(raw_root)
    found: list[tuple[str, Path]] = []
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        here = Path(dirpath)
        for name in dirnames:
            path = here / name
            if path.is_symlink() and not _inside(path, root):
                found.append((path.relative_to(root).as_posix(), path))  # listed, quarantined later
        for name in filenames:
            path = here / name
            found.append((path.relative_to(root).as_posix(), path))
    found.sort(key=lambda item: item[0])
    return iter([path for _, path in found])


def _inside(path: Path, root: Path) -> bool:
    try:
        target = path.resolve(strict=False)
        return target == root.resolve() or target.is_relative_to(root.resolve())
    except (OSError, RuntimeError):  # symlink loops
        return False


# --- one file ---------------------------------------------------------------------------------

def process_file(path: Path, raw_root: Path, max_bytes: int = DEFAULT_MAX_BYTES,
                 seconds: float | None = DEFAULT_SECONDS_PER_FILE) -> FileOutcome:
    """Record or quarantine reason for one raw file. Never raises. `seconds` bounds decoding and
    parsing (None: no limit)."""
    path, raw_root = Path(path), Path(raw_root)
    try:
        raw_path = path.relative_to(raw_root).as_posix()
    except ValueError:
        raw_path = path.as_posix()
    try:
        return _process(path, raw_root, raw_path, max_bytes, seconds)
    except Exception as exc:  # noqa: BLE001 - the contract: every file gets an outcome
        return FileOutcome(raw_path, None, None, reason=Reason.INTERNAL_ERROR.value, detail=_describe(exc))


def _describe(exc: BaseException) -> str:
    where = traceback.extract_tb(exc.__traceback__)[-1] if exc.__traceback__ else None
    at = f" at {Path(where.filename).name}:{where.lineno}" if where else ""
    return f"{type(exc).__name__}: {exc}{at}"[:2000]


def _process(path: Path, raw_root: Path, raw_path: str, max_bytes: int, seconds: float | None) -> FileOutcome:
    def quarantine(reason: Reason, detail: str, sha: str | None = None, size: int | None = None,
                   source: str | None = None) -> FileOutcome:
        return FileOutcome(raw_path, sha, size, source=source, reason=reason.value, detail=detail)

    if path.is_symlink() and not _inside(path, raw_root):
        return quarantine(Reason.SYMLINK_OUTSIDE_RAW, f"-> {os.readlink(path)}")
    try:
        mode = path.stat().st_mode
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
            outcome = _interpret(data, size)
    except TimedOut:
        return quarantine(Reason.TIMEOUT, f"decoding and parsing took longer than {seconds:g} s", sha, size)
    if isinstance(outcome, tuple):
        reason, detail, source = outcome
        return quarantine(reason, detail, sha, size, source)
    return FileOutcome(raw_path, sha, size, source=outcome.source, record=outcome)


def _interpret(data: bytes, size: int) -> SourceRecord | tuple[Reason, str, str | None]:
    """Decode and parse the bytes of one file (the part the time limit covers): the record, or
    (reason, detail, source) when it cannot be used."""
    try:
        decoded = decode_bytes(data)
    except NotText as exc:
        return Reason(exc.reason), exc.detail, None
    text = decoded.text
    if not text.strip():
        return Reason.EMPTY, f"{size} bytes of whitespace", None

    if text.lstrip()[:1] in ("{", "["):
        outcome = _from_json(text)
        if isinstance(outcome, tuple) and outcome[0] is Reason.MALFORMED_JSON:
            # a page may start with "[" (a bracketed title): a known layout beats "malformed JSON"
            page = _from_page(text)
            if not isinstance(page, tuple):
                outcome = page
    else:
        outcome = _from_page(text)
    if isinstance(outcome, tuple):
        return outcome
    record = outcome
    record.warnings[:0] = decoded.warnings  # decoding happened first: its warnings lead
    if not record.identifiers:
        return Reason.NO_IDENTIFIER, f"{record.source} layout parsed, no identifier found", record.source
    return record


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


# --- JSON -------------------------------------------------------------------------------------

def _from_json(text: str) -> SourceRecord | tuple[Reason, str, str | None]:
    from parsers.sources.ctgov_json import is_v2_study, parse_study

    try:
        data = json.loads(text)
    except RecursionError:
        return Reason.MALFORMED_JSON, "nested too deeply", None
    except ValueError as exc:
        return Reason.MALFORMED_JSON, str(exc)[:500], None
    studies = data.get("studies") if isinstance(data, dict) and "studies" in data else data if isinstance(data, list) else [data]
    if not isinstance(studies, list):
        return Reason.UNKNOWN_LAYOUT, "JSON 'studies' is not a list", None
    if len(studies) > 1:
        return Reason.MULTI_STUDY_JSON, f"{len(studies)} studies in one file; split into one file per study", "ctgov_json"
    if not studies or not is_v2_study(studies[0]):
        return Reason.UNKNOWN_LAYOUT, "JSON but not a ClinicalTrials.gov v2 study (no protocolSection.identificationModule.nctId)", None
    return parse_study(studies[0])


# --- pages (text or HTML) ---------------------------------------------------------------------

_CLOSING = re.compile(r"</\s*(?:html|body)\s*>", re.IGNORECASE)


def is_truncated_html(text: str) -> bool:
    """HTML (as parsers sniff it) that has neither a closing </body> nor </html>."""
    from parsers.lines import looks_like_html

    return looks_like_html(text) and not _CLOSING.search(text)


def _from_page(text: str) -> SourceRecord | tuple[Reason, str, str | None]:
    import parsers

    truncated = is_truncated_html(text)
    try:
        record = parsers.parse_text(text)
    except parsers.UnknownLayout as exc:
        if truncated:
            return Reason.TRUNCATED_HTML, f"no closing </body> or </html>, and {exc}", None
        return Reason.UNKNOWN_LAYOUT, str(exc), None
    if truncated:
        if not record.identifiers:
            return Reason.TRUNCATED_HTML, f"no closing </body> or </html>; {record.source} layout, no identifier", record.source
        record.warn("truncated_html", "no closing </body> or </html>; parsed what is there")
    return record
