"""CPU per page of intake's steps, single process, files read into memory first (no I/O):

    python -m bench.parse [DIR] [--n 5000] [--repeat 3]

decode (parsers.decode.decode_bytes), parse (what intake does with the decoded text:
parsers.intake.interpret_decoded) and staged rows (pipelines.staging.rows.stage_tables, in the
pool's chunks). Prints ms of CPU (time.process_time) per page, the minimum over the repeats.
"""
from __future__ import annotations

import argparse
import hashlib
import time
from pathlib import Path

from parsers.decode import NotText, decode_bytes
from parsers.intake import interpret_decoded
from parsers.record import RecordOutcome
from pipelines.staging.pool import CHUNK_SIZE
from pipelines.staging.rows import FileResult, stage_tables


def load(directory: Path, n: int) -> list[tuple[str, bytes]]:
    paths = sorted(p for p in directory.rglob("*") if p.is_file())[:n]
    return [(p.relative_to(directory).as_posix(), p.read_bytes()) for p in paths]


def one_pass(pages: list[tuple[str, bytes]]) -> tuple[float, float, float]:
    """(decode, parse, staged rows) CPU seconds over all pages."""
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
        parse += time.process_time() - middle
        results.append(FileResult(raw_path, len(data), 0, hashlib.sha256(data).hexdigest(), source,
                                  outcomes))
    for first in range(0, len(results), CHUNK_SIZE):
        start = time.process_time()
        stage_tables(results[first:first + CHUNK_SIZE])
        stage += time.process_time() - start
    return decode, parse, stage


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dir", nargs="?", default="/tmp/corpus20k", type=Path)
    parser.add_argument("--n", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    pages = load(args.dir, args.n)
    runs = [one_pass(pages) for _ in range(args.repeat)]
    best = [min(run[i] for run in runs) * 1000 / len(pages) for i in range(3)]
    print(f"{len(pages)} pages of {args.dir}, min of {args.repeat} runs, ms CPU per page:")
    for name, value in zip(("decode", "parse", "staged rows"), best):
        print(f"  {name:<12} {value:6.3f}")
    print(f"  {'total':<12} {sum(best):6.3f}")


if __name__ == "__main__":
    main()
