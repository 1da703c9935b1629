"""Mutation fuzzing of the export readers (euctr, ctis, ictrp): split() never raises, and every
record of a mutated file ends as exactly one of a record or a quarantine reason, never as an
escaped exception ("internal_error").

Inputs: the head of each real export (a few records each, so a case stays cheap). Mutations:
truncation, byte flips, inserted junk (quotes, commas, NUL, CR), deleted and duplicated line
ranges. Each case is decoded as intake decodes it and split by every reader (a reader must cope
with content it would not claim). 3 readers x 300 examples, derandomized.
"""
from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from parsers.decode import NotText, decode_bytes
from parsers.sources import ctis, euctr, ictrp
from tests.conftest import shared_path

FUZZ = settings(max_examples=300, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                       HealthCheck.function_scoped_fixture])
READERS = (euctr, ctis, ictrp)
HEADS = {  # file -> bytes of its first records
    ("euctr", "miracle_takehome__trials-summary.txt"): 4000,
    ("euctr", "ctrdata__test_error_trials_euctr.txt"): 30000,
    ("euctr", "ctis", "mswarriors__CTIS_trials_20250924.csv"): 12000,
    ("ictrp", "ebmdatalab__COVID19-927-trials_7Apr2020.csv"): 15000,
}
JUNK = [b'"', b",", b"\x00", b"\r", b"\n", b";", b":", b"EudraCT Number: ", b"Summary\n", b"\xff\xfe", b"(", b")"]


@pytest.fixture(scope="module")
def heads() -> list[bytes]:
    return [shared_path("real", *parts).read_bytes()[:size] for parts, size in HEADS.items()]


@st.composite
def mutated(draw, heads):
    data = bytearray(draw(st.sampled_from(heads)))
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["truncate", "flip", "insert", "delete_lines", "duplicate_lines"]))
        if not data:
            break
        at = draw(st.integers(0, len(data) - 1))
        if kind == "truncate":
            del data[at:]
        elif kind == "flip":
            data[at] = draw(st.integers(0, 255))
        elif kind == "insert":
            data[at:at] = draw(st.sampled_from(JUNK))
        else:
            lines = bytes(data).split(b"\n")
            start = draw(st.integers(0, len(lines) - 1))
            end = min(len(lines), start + draw(st.integers(1, 30)))
            chunk = lines[start:end]
            lines[start:end] = [] if kind == "delete_lines" else chunk + chunk
            data = bytearray(b"\n".join(lines))
    return bytes(data)


def _check(data: bytes) -> None:
    try:
        text = decode_bytes(data).text
    except NotText:
        return  # intake quarantines it before any reader sees it
    for reader in READERS:
        reader.sniff(text)
        for outcome in reader.split(text):
            assert (outcome.record is None) != (outcome.reason is None), outcome
            assert outcome.reason != "internal_error", outcome.detail
            if outcome.record is not None:
                assert outcome.record.source == reader.SOURCE and outcome.record.identifiers


def test_mutated_exports_never_raise(heads):
    @FUZZ
    @given(mutated(heads))
    def run(data: bytes) -> None:
        _check(data)

    run()


@pytest.mark.parametrize("text", ["", "\n\n", "Summary\n", "EudraCT Number:\n", "TrialID\n", "Trial number,Title of the trial\n",
                                  '"unclosed,quote\n1,2', "\ufeff", "a,b\n" + "x," * 5000])
def test_degenerate_inputs(text):
    _check(text.encode("utf-8"))
