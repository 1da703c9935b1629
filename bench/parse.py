"""CPU per page of intake's steps, single process, files read into memory first (no I/O):

    python -m bench.parse [DIR] [--n 5000] [--warm-up 500] [--compiled]

decode (parsers.decode.decode_bytes), parse (what intake does with the decoded text:
parsers.intake.interpret_decoded) and staged rows (pipelines.staging.rows.stage_tables, in the
pool's chunks). Prints ms of CPU (time.process_time) per page over ONE pass of N pages, after a
warm-up pass over other pages (imports, compiled patterns), with the garbage collector tuned
as in an intake worker (pipelines.memory.settle_heap). Pages are never timed twice: the
parsers memoize per line and per value, so a second pass over the same pages is faster than
intake ever is.
"""
from __future__ import annotations

import argparse
import hashlib
import time
from pathlib import Path

from pipelines.memory import settle_heap
from pipelines.staging.compiled import use_compiled  # imports no parser: --compiled must come first


def load(directory: Path, n: int, skip: int = 0) -> list[tuple[str, bytes]]:
    paths = sorted(p for p in directory.rglob("*") if p.is_file())[skip:skip + n]
    return [(p.relative_to(directory).as_posix(), p.read_bytes()) for p in paths]


def one_pass(pages: list[tuple[str, bytes]], by_kind: dict[str, list[float]] | None = None
             ) -> tuple[float, float, float]:
    """(decode, parse, staged rows) CPU seconds over all pages, staged CHUNK_SIZE files at a time
    and then dropped, as a pool worker does (holding every parsed page makes the garbage
    collector walk them all, again and again: +50% on "parse"). by_kind: filled with
    {"HTML" or "text": [pages, parse seconds]}, as the parsers sniff the decoded text."""
    from parsers.decode import NotText, decode_bytes
    from parsers.intake import interpret_decoded
    from parsers.lines import looks_like_html
    from parsers.record import RecordOutcome
    from pipelines.staging.pool import CHUNK_SIZE
    from pipelines.staging.rows import FileResult, stage_tables

    decode = parse = stage = 0.0
    results = []
    for raw_path, data in pages:
        start = time.process_time()
        try:
            decoded = decode_bytes(data)
        except NotText as exc:
            decoded, source, outcomes = None, None, [RecordOutcome(None, None, exc.reason, exc.detail)]
        middle = time.process_time()
        if decoded is not None:
            source, outcomes = interpret_decoded(decoded, len(data))
        decode += middle - start
        spent = time.process_time() - middle
        parse += spent
        if by_kind is not None and decoded is not None:
            kind = by_kind.setdefault("HTML" if looks_like_html(decoded.text) else "text", [0, 0.0])
            kind[0] += 1
            kind[1] += spent
        results.append(FileResult(raw_path, len(data), 0, hashlib.sha256(data).hexdigest(), source,
                                  outcomes))
        if len(results) == CHUNK_SIZE or raw_path == pages[-1][0]:
            start = time.process_time()
            stage_tables(results)
            stage += time.process_time() - start
            results = []
    return decode, parse, stage


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dir", nargs="?", default="/tmp/corpus20k", type=Path)
    parser.add_argument("--n", type=int, default=5000)
    parser.add_argument("--warm-up", type=int, default=500, help="pages parsed first, not timed")
    parser.add_argument("--compiled", action="store_true", help="the compiled parsers, as intake workers run them")
    args = parser.parse_args()
    if args.compiled and not use_compiled():
        parser.error("no compiled build of the current sources in this venv (make builds it)")
    one_pass(load(args.dir, args.warm_up))
    pages = load(args.dir, args.n, skip=args.warm_up)
    settle_heap()  # the collector as an intake worker runs it (pipelines.memory): 8-10% less "parse"
    kinds: dict[str, list[float]] = {}
    best = [seconds * 1000 / len(pages) for seconds in one_pass(pages, kinds)]
    print(f"{len(pages)} pages of {args.dir} after {args.warm_up} others, "
          f"{'compiled' if args.compiled else 'source'}, ms CPU per page:")
    for name, value in zip(("decode", "parse", "staged rows"), best):
        print(f"  {name:<12} {value:6.3f}")
    print(f"  {'total':<12} {sum(best):6.3f}")
    for kind, (count, seconds) in sorted(kinds.items()):  # saved HTML costs about twice a text page
        print(f"  parse of {kind} pages {seconds * 1000 / count:6.3f} ({count:.0f} pages)")


if __name__ == "__main__":
    main()
