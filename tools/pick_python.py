"""Print the fastest Python 3.11 on this machine that can create a virtual environment.

`make` creates .venv with it (`make PYTHON=/path/to/python3.11` chooses instead). CPython builds
of one version differ in speed on the same machine: a distribution's build (Debian's
/usr/bin/python3.11, the python.org Docker images) is compiled with profile-guided and link-time
optimization, and pyenv's default build is not (unless PYTHON_CONFIGURE_OPTS asks for
--enable-optimizations --with-lto). trialbridge's parsers and resolvers are pure Python: measured
on the 2-core machine of the README, Debian's build parsed a page in 1.01-1.04 ms of an intake
worker's CPU against 1.10-1.18 ms for pyenv's.

Candidates: every `python3.11` on PATH, then /usr/local/bin and /usr/bin; one that is not 3.11 or
cannot make a venv (no ensurepip: Debian without python3.11-venv) is skipped. Each runs a short
pure-Python probe (strings, dicts, a regex: what parsing a page does), best of several rounds,
in ROUNDS turns taken in alternation (A B A B A B) and the best turn kept: probed one after the
other, a burst of noise on a shared VM landing on one candidate's turn chose pyenv's build in two
of six fresh clones, where Debian's was 17% faster in the probe. Stdlib only: this runs before
any virtual environment exists.
"""
from __future__ import annotations

import os
import subprocess
import sys

VERSION = (3, 11)
ROUNDS = 3  # turns per interpreter, alternating with the others
MARGIN = 0.05  # a later candidate must be this much faster to beat an earlier one (PATH order wins ties)
PROBE = r"""
import re, sys, time
if sys.version_info[:2] != (%d, %d):
    sys.exit(1)
import ensurepip, venv  # noqa: F401 - without them `-m venv` fails
words = re.compile(r"[A-Za-z]+")
lines = ["Inclusion Criteria: adults aged %%d to 65 years, BMI < 35; no prior therapy" %% i for i in range(10000)]
def work():
    seen = {}
    for line in lines:
        key = " ".join(line.lower().split())
        for word in words.findall(key):
            seen[word] = seen.get(word, 0) + 1
        if key.startswith("inclusion") and ":" in key:
            seen[key.partition(":")[2].strip()[:12]] = 1
    return len(seen)
times = []
for _ in range(7):
    started = time.process_time()
    work()
    times.append(time.process_time() - started)
print(sys.executable, min(times))
""" % VERSION


def candidates() -> list[str]:
    name = "python%d.%d" % VERSION
    found = []
    for directory in os.environ.get("PATH", "").split(os.pathsep) + ["/usr/local/bin", "/usr/bin"]:
        path = os.path.join(directory or ".", name)
        if path not in found and os.path.isfile(path) and os.access(path, os.X_OK):
            found.append(path)
    return found


def probe(path: str) -> tuple[str, float] | None:
    """(the interpreter's own executable, best seconds of the probe), or None when it is unusable."""
    try:
        done = subprocess.run([path, "-c", PROBE], capture_output=True, text=True, timeout=60)
        executable, seconds = done.stdout.split()
        return (executable, float(seconds)) if done.returncode == 0 else None
    except (OSError, ValueError, subprocess.TimeoutExpired):
        return None


def fastest(timings: dict[str, float], margin: float = MARGIN) -> str:
    """The first interpreter (in the order given) unless a later one is faster by more than margin."""
    chosen = next(iter(timings))
    for executable, seconds in timings.items():
        if seconds < timings[chosen] * (1 - margin):
            chosen = executable
    return chosen


def main() -> int:
    timings: dict[str, float] = {}
    for path in candidates():
        found = probe(path)
        executable = found and os.path.realpath(found[0])  # a shim, a venv, /bin -> /usr/bin: one interpreter
        if found and executable not in timings:
            timings[executable] = found[1]
    for _ in range(ROUNDS - 1 if len(timings) > 1 else 0):  # one interpreter: nothing to compare
        for executable, best in list(timings.items()):
            found = probe(executable)
            if found:
                timings[executable] = min(best, found[1])
    if not timings:
        return 1
    print(fastest(timings))
    return 0


if __name__ == "__main__":
    sys.exit(main())
