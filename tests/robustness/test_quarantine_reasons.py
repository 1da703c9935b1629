"""One test per quarantine reason, each asserting the exact reason string (files built in tmp_path)."""
from __future__ import annotations

import json
import os
import random

import pytest

import parsers.sources.ctgov_json as ctgov_json
from parsers.intake import iter_raw_files, process_file

from tests.conftest import REPO_ROOT

# Pages of a known layout come from the shipped samples in raw/ (invented trials), with their
# identifiers removed where a test needs a page without one.

SAMPLES = REPO_ROOT / "raw"


def _write(tmp_path, name, data: bytes):
    path = tmp_path / name
    path.write_bytes(data)
    return path


def _outcome(tmp_path, name, data: bytes, **kw):
    return process_file(_write(tmp_path, name, data), tmp_path, **kw)


def _strip_ids(text: str) -> str:
    """The page with every identifier the parser finds blanked (layout and headings kept)."""
    import parsers
    from parsers.identifiers import find_registry_ids

    for _ in range(5):
        raws = {i.raw for i in parsers.parse_text(text).identifiers} | {raw for _, _, raw in find_registry_ids(text)}
        if not raws:
            return text
        for raw in sorted(raws, key=len, reverse=True):
            text = text.replace(raw, "")
    raise AssertionError("identifiers survive stripping")


def test_empty(tmp_path):
    outcome = _outcome(tmp_path, "empty.txt", b"")
    assert (outcome.reason, outcome.detail, outcome.size) == ("empty", "0 bytes", 0)
    assert _outcome(tmp_path, "blank.txt", b"\xef\xbb\xbf \r\n\t\n").reason == "empty"


def test_binary(tmp_path):
    assert _outcome(tmp_path, "scan.pdf", b"%PDF-1.4\n%\xc7\xec\x8f\xa2\n5 0 obj").reason == "binary"
    assert _outcome(tmp_path, "nul.txt", b"Title\x00\x01\x02 page").reason == "binary"


def test_undecodable(tmp_path):
    noise = bytes(random.Random(3).randrange(0x80, 0x100) for _ in range(4000))
    outcome = _outcome(tmp_path, "noise.txt", noise)
    assert outcome.reason == "undecodable"
    assert outcome.sha256 is not None


def test_oversized(tmp_path):
    outcome = _outcome(tmp_path, "big.json", b"{" + b" " * 200 + b"}", max_bytes=100)
    assert outcome.reason == "oversized"
    assert outcome.size == 202 and outcome.sha256 is not None
    assert "limit 100" in outcome.detail


def test_unknown_layout(tmp_path):
    assert _outcome(tmp_path, "notes.txt", b"Shopping list\n- milk\n- eggs\n").reason == "unknown_layout"
    assert _outcome(tmp_path, "other.json", b'{"hello": "world"}').reason == "unknown_layout"


def test_no_identifier(tmp_path):
    study = {"protocolSection": {"identificationModule": {"nctId": "N/A", "briefTitle": "No id"}}}
    assert _outcome(tmp_path, "noid.json", json.dumps(study).encode()).reason == "no_identifier"


def test_no_identifier_on_a_known_text_layout(tmp_path):
    page = (SAMPLES / "veeva_velmoraxin.txt").read_text(encoding="utf-8")
    outcome = _outcome(tmp_path, "veeva_noid.txt", _strip_ids(page).encode())
    assert (outcome.reason, outcome.source) == ("no_identifier", "veeva")


def test_truncated_html(tmp_path):
    html = (SAMPLES / "veeva_orvatide.html").read_text(encoding="utf-8")
    cut = _strip_ids(html)[: len(html) // 2]
    outcome = _outcome(tmp_path, "cut.html", cut.encode())
    assert outcome.reason == "truncated_html"
    # cut so early that not even the layout is recognisable: still "truncated", not "unknown"
    assert _outcome(tmp_path, "cut2.html", html[:300].encode()).reason == "truncated_html"


def test_truncated_html_that_still_has_its_id_is_parsed_with_a_warning(tmp_path):
    html = (SAMPLES / "veeva_orvatide.html").read_text(encoding="utf-8")
    cut = html[: html.lower().rindex("</body>")]
    outcome = _outcome(tmp_path, "cut.html", cut.encode())
    assert outcome.reason is None
    assert any(w.startswith("truncated_html:") for w in outcome.record.warnings)


def test_malformed_json(tmp_path):
    outcome = _outcome(tmp_path, "bad.json", b'{"protocolSection": {"identificationModule": ')
    assert outcome.reason == "malformed_json"
    assert _outcome(tmp_path, "deep.json", b"[" * 200_000 + b"]" * 200_000).reason == "malformed_json"


def test_malformed_xml(tmp_path):
    outcome = _outcome(tmp_path, "cut.xml", b'<?xml version="1.0"?>\n<clinical_study>\n  <id_info><nct_id>NCT0123')
    assert (outcome.reason, outcome.records) == ("malformed_xml", [])


def test_one_bad_study_in_a_download_quarantines_that_study_only(tmp_path):
    good = {"protocolSection": {"identificationModule": {"nctId": "NCT01234567"}}}
    outcome = _outcome(tmp_path, "two.json", json.dumps({"studies": [good, {"protocolSection": {}}]}).encode())
    assert outcome.reason is None
    assert [(r.record_key, r.reason) for r in outcome.records] == [("NCT01234567", None), ("2", "unknown_layout")]


def test_symlink_outside_raw(tmp_path):
    raw, secret = tmp_path / "raw", tmp_path / "secret.txt"
    raw.mkdir()
    secret.write_text("NCT01234567 private")
    (raw / "link.txt").symlink_to(secret)
    outcome = process_file(raw / "link.txt", raw)
    assert (outcome.reason, outcome.sha256, outcome.record) == ("symlink_outside_raw", None, None)
    (raw / "dangling.txt").symlink_to(tmp_path / "missing" / "x")
    assert process_file(raw / "dangling.txt", raw).reason == "symlink_outside_raw"


def test_unreadable_broken_link_inside_raw(tmp_path):
    (tmp_path / "gone.txt").symlink_to(tmp_path / "never-existed.txt")
    outcome = process_file(tmp_path / "gone.txt", tmp_path)
    assert (outcome.reason, outcome.sha256) == ("unreadable", None)


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode: chmod 000 cannot deny it")
def test_unreadable_permission(tmp_path):
    path = _write(tmp_path, "locked.txt", b"NCT01234567")
    path.chmod(0)
    try:
        assert process_file(path, tmp_path).reason == "unreadable"
    finally:
        path.chmod(0o644)


def test_unreadable_permission_simulated(tmp_path, monkeypatch):
    """The same path as chmod 000 for root runs: open() raising PermissionError."""
    import builtins

    path = _write(tmp_path, "locked.txt", b"NCT01234567")
    real_open = builtins.open

    def deny(file, *args, **kwargs):
        if str(file) == str(path):
            raise PermissionError(13, "Permission denied", str(file))
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", deny)
    outcome = process_file(path, tmp_path)
    assert outcome.reason == "unreadable" and "Permission denied" in outcome.detail


def test_internal_error(tmp_path, monkeypatch):
    monkeypatch.setattr(ctgov_json, "parse_study", lambda study: 1 / 0)
    study = {"protocolSection": {"identificationModule": {"nctId": "NCT01234567"}}}
    outcome = _outcome(tmp_path, "x.json", json.dumps(study).encode())
    assert outcome.reason == "internal_error" and outcome.detail.startswith("ZeroDivisionError")


def test_timeout(tmp_path, monkeypatch):
    """A page whose parsing would never end (here a catastrophically backtracking regex inside
    the layout engine) is stopped at the limit and quarantined, with its sha256 kept."""
    import re
    import time

    import parsers.layout as layout

    real = layout.parse_lines

    def hangs(lines, spec, record, *rest):
        re.match(r"(a+)+$", "a" * 64 + "b")  # would take longer than the age of the universe
        return real(lines, spec, record, *rest)

    monkeypatch.setattr(layout, "parse_lines", hangs)
    page = (SAMPLES / "veeva_velmoraxin.txt").read_bytes()
    started = time.monotonic()
    outcome = _outcome(tmp_path, "slow.txt", page, seconds=0.5)
    assert outcome.reason == "timeout" and outcome.detail == "decoding and parsing took longer than 0.5 s"
    assert outcome.sha256 is not None and time.monotonic() - started < 5
    monkeypatch.setattr(layout, "parse_lines", real)
    assert _outcome(tmp_path, "fine.txt", page, seconds=0.5).record is not None  # the alarm is disarmed


def test_unreadable_fifo_does_not_block(tmp_path):
    os.mkfifo(tmp_path / "pipe.txt")  # open() on it would wait for a writer forever
    (listed,) = list(iter_raw_files(tmp_path))
    outcome = process_file(listed, tmp_path)
    assert outcome.reason == "unreadable" and "not a regular file" in outcome.detail
