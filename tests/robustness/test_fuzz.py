"""Mutation fuzzing (hypothesis): no exception escapes a parser, every case is accounted for.

Inputs: the seed pages (../shared/seeds), the sample pages in raw/, renderings of real v2
studies into each layout as text and HTML (tests/render; optional), and real v2 JSON files.
Mutations: truncation, byte flips, inserted junk bytes, deletion and duplication of line
ranges (sections), and re-encoding (UTF-16 with/without BOM, UTF-32, cp1252, Latin-1,
UTF-8 BOM, CRLF, CR). Each case goes through `process_file`, which must end with exactly one
of record/reason and never with "internal_error" (that is an exception a parser let escape);
decoded text of each case also goes straight through `parsers.parse_text`.

Cases: 3 tests x 800 examples = 2,400 (derandomized: the same cases on every run).
"""
from __future__ import annotations

import codecs
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import parsers
from parsers.decode import NotText, decode_bytes
from parsers.intake import REASONS, process_file
from tests.conftest import REPO_ROOT, SHARED_DIR

EXAMPLES = 800
FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                       HealthCheck.function_scoped_fixture])
RENDERED_STUDIES = 6  # real studies rendered into each layout (text + HTML)


def _pages() -> list[bytes]:
    pages = [p.read_bytes() for p in sorted((REPO_ROOT / "raw").iterdir()) if p.suffix in (".txt", ".html")]
    seeds = SHARED_DIR / "seeds"
    if seeds.is_dir():
        pages += [p.read_bytes() for p in sorted(seeds.iterdir()) if p.is_file()]
    pages += [text.encode("utf-8") for text in _renderings()]
    return pages


def _real_json() -> list[bytes]:
    folder = SHARED_DIR / "real" / "ctgov_v2"
    if not folder.is_dir():
        return [json.dumps({"protocolSection": {"identificationModule": {"nctId": "NCT01234567"}}}).encode()]
    return [p.read_bytes() for p in sorted(folder.glob("NCT*.json"))[::40]]


def _renderings() -> list[str]:
    """Real studies rendered into each layout by tests/render (ROUNDTRIP); empty when unavailable."""
    folder = SHARED_DIR / "real" / "ctgov_v2"
    try:
        from tests.conftest import load_v2_study
        from tests.render import ctgov_text, medpath, veeva
        from tests.render.html import to_html
    except ImportError:
        return []
    out: list[str] = []
    for path in sorted(folder.glob("NCT*.json"))[:: 77][:RENDERED_STUDIES]:
        study = load_v2_study(path)
        for module in (veeva, medpath, ctgov_text):
            try:
                page = module.render(study)
                out += [page.text(), to_html(page)]
            except Exception:  # noqa: BLE001 - renderers are optional test inputs still in progress
                continue
    return out


PAGES = _pages()
JSON_FILES = _real_json()
ENCODINGS = ("utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "utf-32", "cp1252", "latin-1")


# --- mutations -----------------------------------------------------------------------------------

@st.composite
def mutated(draw, sources: list[bytes]) -> bytes:
    data = draw(st.sampled_from(sources))
    for _ in range(draw(st.integers(1, 3))):
        data = draw(st.sampled_from(_MUTATIONS))(draw, data)
    return data


def _truncate(draw, data: bytes) -> bytes:
    return data[: draw(st.integers(0, len(data)))]


def _flip_bytes(draw, data: bytes) -> bytes:
    if not data:
        return data
    out = bytearray(data)
    for _ in range(draw(st.integers(1, 8))):
        out[draw(st.integers(0, len(out) - 1))] = draw(st.integers(0, 255))
    return bytes(out)


def _insert_junk(draw, data: bytes) -> bytes:
    at = draw(st.integers(0, len(data)))
    return data[:at] + draw(st.binary(min_size=1, max_size=64)) + data[at:]


def _line_range(draw, lines: list[bytes]) -> tuple[int, int]:
    start = draw(st.integers(0, max(0, len(lines) - 1)))
    return start, draw(st.integers(start, min(len(lines), start + 40)))


def _delete_section(draw, data: bytes) -> bytes:
    lines = data.split(b"\n")
    start, end = _line_range(draw, lines)
    return b"\n".join(lines[:start] + lines[end:])


def _duplicate_section(draw, data: bytes) -> bytes:
    lines = data.split(b"\n")
    start, end = _line_range(draw, lines)
    return b"\n".join(lines[:end] + lines[start:end] + lines[end:])


def _reencode(draw, data: bytes) -> bytes:
    text = data.decode("utf-8", errors="replace")
    encoding = draw(st.sampled_from(ENCODINGS + ("crlf", "cr")))
    if encoding == "crlf":
        return text.replace("\n", "\r\n").encode("utf-8")
    if encoding == "cr":
        return text.replace("\n", "\r").encode("utf-8")
    return text.encode(encoding, errors="replace")


def _add_bom(draw, data: bytes) -> bytes:
    return draw(st.sampled_from([codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE])) + data


_MUTATIONS = (_truncate, _flip_bytes, _insert_junk, _delete_section, _duplicate_section, _reencode, _add_bom)


# --- the property ------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def case_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


def _check(case_dir: Path, data: bytes) -> None:
    path = case_dir / "case.bin"
    path.write_bytes(data)
    outcome = process_file(path, case_dir, max_bytes=1_000_000)
    # a file is quarantined whole, or has records (a mutation may make one file several records)
    assert (not outcome.records) != (outcome.reason is None)
    assert outcome.reason is None or outcome.reason in REASONS
    keys = [one.record_key for one in outcome.records]
    assert len(set(keys)) == len(keys) and (keys == [None] or None not in keys)
    for one in [outcome, *outcome.records]:
        assert one.reason != "internal_error", one.detail
    for one in outcome.records:
        assert (one.record is None) != (one.reason is None) and (one.reason is None or one.reason in REASONS)
        if one.record is not None:
            assert one.record.identifiers
            json.dumps(one.record.to_dict(), ensure_ascii=False)  # serializable for staging
    try:
        text = decode_bytes(data).text
    except NotText:
        return
    try:
        parsers.parse_text(text)
    except parsers.UnknownLayout:
        pass


def test_inputs_are_there():
    assert len(PAGES) >= 7 and JSON_FILES


@FUZZ
@given(data=mutated(PAGES))
def test_mutated_pages_never_escape(case_dir, data):
    _check(case_dir, data)


@FUZZ
@given(data=mutated(JSON_FILES))
def test_mutated_json_never_escapes(case_dir, data):
    _check(case_dir, data)


@FUZZ
@given(data=st.one_of(mutated(PAGES), st.binary(max_size=4096),
                      st.text(max_size=2000).map(lambda t: t.encode("utf-8", errors="surrogatepass"))))
def test_arbitrary_bytes_never_escape(case_dir, data):
    _check(case_dir, data)
