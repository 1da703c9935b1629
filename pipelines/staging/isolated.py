"""A chunk whose intake pool died, parsed again file by file in a process of its own, so that the
file a process dies on (a crash, an OOM kill, the per-file hard stop of parsers.deadline) is
found at once and quarantined, and every other file is staged."""
from __future__ import annotations

import signal
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pyarrow as pa

from parsers.deadline import HARD_STOP_SIGNAL
from parsers.intake import DEFAULT_SECONDS_PER_FILE, Reason
from pipelines.staging.batches import relative_raw_path
from pipelines.staging.compiled import start_intake_worker
from pipelines.staging.rows import INTERNAL_ERROR, failed_result, stage_tables
from pipelines.staging.transport import from_transport, parse_set_aside

TIMEOUT = Reason.TIMEOUT.value


ChunkFn = Callable[[list[str], str, int], dict[str, "pa.Table | bytes"]]  # bytes: a table as Arrow IPC


def intake_isolated(paths: list[str], raw_root: Path, max_bytes: int, context, chunk_fn: ChunkFn
                    ) -> Iterator[dict[str, pa.Table]]:
    """A chunk whose pool died (its own file or another chunk's may be the culprit), again in a
    process of its own that sends back each file's tables as it finishes it. When that process
    dies, the file it was on is the culprit: quarantined (timeout when the hard stop of
    parsers.deadline ended it or it ran past the limit, else internal_error), and the files after
    it go on in a new process: one process per culprit."""
    parts: list[dict[str, pa.Table]] = []
    rest = list(paths)
    while rest:
        done, death = _run_reporting(context, chunk_fn, rest, str(raw_root), max_bytes)
        parts.extend(part for tables in done for part in parse_set_aside(tables, raw_root, max_bytes))
        rest = rest[len(done):]
        if death is not None and rest:
            reason, detail = death
            culprit = relative_raw_path(Path(rest[0]), Path(raw_root))
            parts.append(stage_tables([failed_result(culprit, detail, reason)]))
            rest = rest[1:]
    if parts:
        yield {name: pa.concat_tables([part[name] for part in parts]) for name in parts[0]}


def _report_files(sender, chunk_fn: ChunkFn, paths: list[str], raw_root: str, max_bytes: int) -> None:
    """In the isolated process: each file's tables, one file at a time, as soon as they are ready."""
    start_intake_worker()
    for path in paths:
        sender.send(chunk_fn([path], raw_root, max_bytes))
    sender.close()


def _run_reporting(context, chunk_fn: ChunkFn, paths: list[str], raw_root: str, max_bytes: int
                   ) -> tuple[list[dict[str, pa.Table]], tuple[str, str] | None]:
    """The tables of the files a new process finished, in order, and why it died before the next
    one ((reason, detail)), or None when it finished them all."""
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(target=_report_files, args=(sender, chunk_fn, paths, raw_root, max_bytes),
                              name="intake-isolated", daemon=True)
    process.start()
    sender.close()  # ours: recv() then ends with EOFError when the process dies
    done: list[dict[str, pa.Table]] = []
    since = time.monotonic()  # when the process started on its current file
    try:
        while len(done) < len(paths):
            done.append(from_transport(receiver.recv()))
            since = time.monotonic()
    except (EOFError, OSError):  # it died (mid-message, at worst)
        pass
    finally:
        receiver.close()
        process.join()
    if len(done) == len(paths):
        return done, None
    return done, _why_it_died(process.exitcode, time.monotonic() - since)


def _why_it_died(exitcode: int | None, seconds: float) -> tuple[str, str]:
    limit = DEFAULT_SECONDS_PER_FILE
    ended_by = _signal_name(-exitcode) if exitcode is not None and exitcode < 0 else f"exit code {exitcode}"
    if (exitcode is not None and HARD_STOP_SIGNAL is not None and exitcode == -HARD_STOP_SIGNAL) or seconds >= limit:
        return TIMEOUT, (f"decoding and parsing took longer than the limit ({limit:g} s) in code the limit "
                         f"cannot interrupt: its process was ended ({ended_by}) after {seconds:.1f} s")
    return INTERNAL_ERROR, f"intake process died on this file ({ended_by}) after {seconds:.1f} s"


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"
