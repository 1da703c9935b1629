"""Bulk intake across processes: chunks of files in, staged Arrow tables out.

Workers parse and build the staged tables themselves (pipelines.staging.rows), so the parent
only writes Arrow buffers: per-file cost is parse cost, and nothing per file crosses a pipe as
Python objects. The chunks of a worker that dies (crash, OOM kill, the per-file hard stop of
parsers.deadline) are parsed again in a process of their own (pipelines.staging.isolated): the
file it dies on is quarantined, never the run.

A worker sends each chunk's tables back as Arrow IPC streams: pickled, they cost three times the
CPU in the worker and half as much again in the parent.

Inside `shared_workers()` (the CLI wraps its batches in it) the workers outlive one batch: every
batch of the run parses in the same processes, started, imported and warmed up once, and once a
batch's last chunk is out they start on the next new batch's first chunks (expect_next_intake:
read-ahead), which that batch's intake takes if they are still its files as they are. Anywhere
else (a Dagster step, a sensor's run) each intake stops its workers when it is done: a process
that exits with worker processes still alive waits for them forever (multiprocessing joins its
children before the pool's own exit hook could stop them), which hung Dagster's step processes.
"""
from __future__ import annotations

import atexit
import multiprocessing
import os
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from concurrent.futures import CancelledError, Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

import pyarrow as pa

from pipelines.memory import settle_heap
from pipelines.processes import started_pool
from pipelines.staging.compiled import compiled_in_use, start_intake_worker
from pipelines.staging.isolated import ChunkFn, intake_isolated
from pipelines.staging.rows import SET_ASIDE, stage_files
from pipelines.staging.transport import doubtful_when_compiled, from_transport, parse_set_aside, to_ipc

MIN_FILES_FOR_POOL = 64  # below this a process pool costs more than it saves
CHUNK_SIZE = 64


def default_workers() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1))


_IN_WORKER = [False]  # set by the pool's initializer: this process only parses


def mark_worker() -> None:
    from parsers.deadline import keep_handler

    _IN_WORKER[0] = True
    keep_handler(hard_stop=True)  # nothing else in a worker uses SIGALRM: each file only arms the
    # timer; and the pool replaces a process ended by the hard stop (code the limit cannot interrupt)


def intake_chunk(paths: list[str], raw_root: str, max_bytes: int) -> dict[str, pa.Table | bytes]:
    if not _IN_WORKER[0]:
        return stage_files(paths, raw_root, max_bytes)
    # what outlived the last chunk is modules and the parsers' memos: the collector's passes
    # took 1.4-1.7 s of CPU per 12,000 pages, 0.5 s with this
    settle_heap()
    set_aside = doubtful_when_compiled if compiled_in_use() else None
    return {name: to_ipc(table) for name, table in stage_files(paths, raw_root, max_bytes, set_aside).items()}


def _chunks(items: list[Path], size: int) -> Iterator[list[str]]:
    for start in range(0, len(items), size):
        yield [str(p) for p in items[start:start + size]]


def _pool_context():
    # forkserver: never fork a process that may hold Dagster's threads and locks.
    context = multiprocessing.get_context("forkserver")
    # pyarrow and pandas, imported once in the server, so every process forked from it has them
    # (pyarrow imports pandas on a worker's first pa.array() of Python rows, 0.15 s per worker on a
    # small batch's critical path). Nothing more: the same server (one per process) forks the
    # resolve workers, chart helpers and clustering pools, which must run the parsers' Python
    # source (each intake worker switches to the compiled build in its initializer, before it
    # imports a parser: pipelines.staging.compiled.start_intake_worker), and whatever else it
    # preloads is in each of their memories (lxml and ftfy too: 11-13 MB more at the peak of a
    # 20,000-page run, three alternating runs).
    context.set_forkserver_preload(["pandas", "pyarrow"])
    return context


_POOLS: dict[int, ProcessPoolExecutor] = {}  # by number of workers: the run's intake processes
_STARTING: list[threading.Thread] = []  # start_workers' thread, joined before the pool is used
READ_AHEAD_CHUNKS = 16  # about 1,000 files: the workers' work while the step between two batches runs
STARTUP_READ_AHEAD_CHUNKS = 48  # about 3,000 files: theirs while the CLI imports Dagster, opens its instance
_NEXT: list[tuple] = []  # (files callable, raw_root, max_bytes, workers): the intake expected next
_AHEAD: list[tuple] = []  # (key, [(paths, future)]): chunks of that intake already submitted


def _join_starting() -> None:
    """Wait for start_workers' thread (it submits to the pool and may read ahead), unless this is it."""
    if _STARTING and _STARTING[0] is not threading.current_thread():
        _STARTING.pop().join()


def _pool(workers: int) -> ProcessPoolExecutor:
    """The shared pool of `workers` intake processes; a new one starts all of them at once."""
    pool = _POOLS.get(workers)
    if pool is None:
        pool = _POOLS[workers] = started_pool(workers, initializer=start_intake_worker, context=_pool_context())
    return pool


def _submit(workers: int, fn: ChunkFn, *args) -> object:
    """fn(*args) in the shared pool of `workers` processes. A pool a dead worker broke takes no
    more work: it is replaced (_collect retries the chunks it lost)."""
    _join_starting()
    for _ in range(2):
        pool = _pool(workers)
        try:
            return pool.submit(fn, *args)
        except BrokenProcessPool:
            _POOLS.pop(workers, None)
            pool.shutdown(wait=False, cancel_futures=True)
    raise BrokenProcessPool("intake workers die as they start")


def shutdown_pool() -> None:
    """Stop the intake workers (the next intake starts new ones)."""
    while _STARTING:
        _STARTING.pop().join()
    _NEXT.clear()
    _AHEAD.clear()
    while _POOLS:
        _, pool = _POOLS.popitem()
        pool.shutdown(wait=True, cancel_futures=True)


atexit.register(shutdown_pool)
_SHARED = [0]  # depth of shared_workers() blocks


@contextmanager
def shared_workers() -> Iterator[None]:
    """Intakes inside the block share one set of workers, stopped when the block ends."""
    _SHARED[0] += 1
    try:
        yield
    finally:
        _SHARED[0] -= 1
        if not _SHARED[0]:
            shutdown_pool()


def start_workers(workers: int = 0, first: tuple[Callable[[], list[Path]], Path, int] | None = None,
                  also: Sequence[tuple[Callable, tuple]] = ()) -> list[Future] | None:
    """Inside shared_workers(): start the intake processes now, from a background thread, so their
    start (a forkserver importing the libraries, then the workers importing the parsers: about
    0.7 s, mostly spent waiting on the server) overlaps what the caller does before its first intake. A no-op
    outside the block (the pool would be stopped before it served anything), with one worker
    (no pool), or when the pool runs already.

    first=(files callable, raw_root, max_bytes): the intake the caller expects first; once
    started, the workers parse its first chunks (as expect_next_intake's read-ahead, taken on
    the same terms), so they are busy while the caller gets ready (the CLI: importing Dagster,
    opening its instance: 1.5-2 s with a core idle).

    also=[(fn, args), ...]: small calls the workers make first, on the core the
    caller leaves idle meanwhile (the CLI: checking its staged batches' files, about 0.7 s of
    lstat at 100,000 files). Returns a future per call, or None when no pool starts here: the
    caller then makes the calls itself, as it does when a future holds an exception."""
    workers = workers or default_workers()
    if not _SHARED[0] or workers <= 1 or workers in _POOLS or _STARTING:
        return None
    results = [Future() for _ in also]

    def start() -> None:
        try:
            _pool(workers)
            for result, (fn, args) in zip(results, also):
                _relay(_submit(workers, fn, *args), result)
            if first is not None:
                files_of, raw_root, max_bytes = first
                _submit_ahead(files_of, str(raw_root), max_bytes, workers, intake_chunk, STARTUP_READ_AHEAD_CHUNKS)
        except BaseException as exc:  # noqa: BLE001 - the caller makes the calls left itself
            for result in results:
                if not result.done():
                    result.set_exception(exc)

    thread = threading.Thread(target=start, name="intake-workers-start", daemon=True)
    _STARTING.append(thread)
    thread.start()
    return results


def _relay(source: Future, target: Future) -> None:
    """target ends as source does (a cancelled source, the pool shut down: an exception)."""
    def done(future: Future) -> None:
        if future.cancelled():
            target.set_exception(CancelledError())
        elif future.exception() is not None:
            target.set_exception(future.exception())
        else:
            target.set_result(future.result())

    source.add_done_callback(done)


def expect_next_intake(files: Callable[[], list[Path]] | None, raw_root: Path, max_bytes: int, workers: int = 0
                       ) -> None:
    """Inside shared_workers(): the next intake will parse files() (in that order). Once the
    current intake has handed out its last chunk, the workers go on with the first chunks of
    that one, so they are not idle while the step between two batches runs (its parsed assets,
    drift checks, a Dagster run's start and end: about 1 s per batch). The next intake takes
    those results only if its files begin with the same chunks and none of their files changed
    since it was read; anything else is parsed again as usual. files=None: no intake expected."""
    _NEXT.clear()
    if _SHARED[0] and files is not None:
        _NEXT.append((files, str(raw_root), max_bytes, workers or default_workers()))


def _chunk_size(files: int, workers: int) -> int:
    return max(1, min(CHUNK_SIZE, files // (workers * 4) or 1))


def _read_ahead(chunk_fn: ChunkFn) -> None:
    if _NEXT:
        files_of, raw_root, max_bytes, workers = _NEXT.pop()
        _submit_ahead(files_of, raw_root, max_bytes, workers, chunk_fn, READ_AHEAD_CHUNKS)


def _submit_ahead(files_of: Callable[[], list[Path]], raw_root: str, max_bytes: int, workers: int,
                  chunk_fn: ChunkFn, limit: int) -> None:
    """Submit the first `limit` chunks of files_of() as the read-ahead the next intake may adopt."""
    try:
        files = files_of()
        if workers <= 1 or len(files) < MIN_FILES_FOR_POOL:
            return
        chunks = list(_chunks(files, _chunk_size(len(files), workers)))[:limit]
        _AHEAD[:] = [((raw_root, max_bytes, workers, chunk_fn),
                      [(paths, _submit(workers, chunk_fn, paths, raw_root, max_bytes)) for paths in chunks])]
    except Exception:  # noqa: BLE001 - only a head start: the next intake parses its files itself
        _AHEAD.clear()


def _adopt_read_ahead(key: tuple, chunks: list[list[str]]) -> list:
    """The read-ahead chunks that begin this intake's chunks, as pending (paths, future, True)."""
    _join_starting()  # its read-ahead may still be going in
    if not _AHEAD:
        return []
    ahead_key, ahead = _AHEAD.pop()
    adopted = []
    for (paths, future), mine in zip(ahead, chunks):
        if ahead_key != key or paths != mine:
            break
        adopted.append((paths, future, True))
    for _, future in ahead[len(adopted):]:
        future.cancel()  # not this intake's: the workers skip it if it has not started
    return adopted


def _unchanged_since_read(paths: list[str], tables: dict[str, pa.Table]) -> bool:
    """Each file's size and mtime now equal what its read recorded (pipelines.staging.rows.file_result)."""
    if SET_ASIDE in tables:  # not staged by the worker: parsed again anyway
        aside = set(tables[SET_ASIDE].column("path").to_pylist())
        paths = [path for path in paths if path not in aside]
    files = tables["files"]
    if files.num_rows != len(paths):
        return False
    for path, size, mtime in zip(paths, files.column("size").to_pylist(), files.column("mtime_ns").to_pylist()):
        try:
            st = os.lstat(path)
        except OSError:
            return False
        if (st.st_size, st.st_mtime_ns) != (size, mtime):
            return False
    return True


def intake_tables(files: Iterable[Path], raw_root: Path, max_bytes: int, workers: int = 0,
                  chunk_fn: ChunkFn | None = None) -> Iterator[dict[str, pa.Table]]:
    """Staged tables of the given files, chunk by chunk, across processes when it pays (at most
    2 chunks per worker in flight, so memory does not follow the number of files).

    chunk_fn (a module-level function, default: intake_chunk) exists so tests can make a worker die."""
    chunk_fn = chunk_fn or intake_chunk
    files = list(files)
    workers = workers or default_workers()
    if workers <= 1 or len(files) < MIN_FILES_FOR_POOL:
        for paths in _chunks(files, CHUNK_SIZE * 4):
            yield chunk_fn(paths, str(raw_root), max_bytes)
        return
    context = _pool_context()
    chunks = list(_chunks(files, _chunk_size(len(files), workers)))
    pending: list = _adopt_read_ahead((str(raw_root), max_bytes, workers, chunk_fn), chunks)
    try:
        for paths in chunks[len(pending):]:
            pending.append((paths, _submit(workers, chunk_fn, paths, str(raw_root), max_bytes), False))
            while len(pending) >= workers * 2:
                yield from _collect(pending.pop(0), raw_root, max_bytes, workers, context, chunk_fn)
        _read_ahead(chunk_fn)  # every chunk is out: the workers go on with the next intake's first ones
        while pending:
            yield from _collect(pending.pop(0), raw_root, max_bytes, workers, context, chunk_fn)
    finally:
        if not _SHARED[0]:
            shutdown_pool()


def _collect(item, raw_root: Path, max_bytes: int, workers: int, context, chunk_fn: ChunkFn
             ) -> Iterator[dict[str, pa.Table]]:
    paths, future, read_ahead = item
    try:
        tables = from_transport(future.result())
    except Exception:  # a worker died, this chunk's or another's (the pool is lost): find the culprit
        yield from intake_isolated(paths, raw_root, max_bytes, context, chunk_fn)
        return
    if read_ahead and not _unchanged_since_read(paths, tables):  # read before this intake planned: again
        yield from _collect((paths, _submit(workers, chunk_fn, paths, str(raw_root), max_bytes), False),
                            raw_root, max_bytes, workers, context, chunk_fn)
        return
    yield from parse_set_aside(tables, raw_root, max_bytes)
