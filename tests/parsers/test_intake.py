"""intake: listing raw files and turning one file into a record or a quarantine reason."""
from __future__ import annotations

import hashlib
import json

import pytest

import parsers
import parsers.sources.ctgov_json as ctgov_json
from parsers import intake
from parsers.intake import REASONS, Reason, iter_raw_files, process_file
from parsers.record import Identifier, SourceRecord
from tests.conftest import REPO_ROOT


def _study(nct="NCT01234567", **ident):
    return {"protocolSection": {"identificationModule": {"nctId": nct, "briefTitle": "A trial", **ident},
                                "statusModule": {"overallStatus": "RECRUITING"}}}


def test_reason_strings_are_the_documented_contract():
    assert REASONS == {"empty", "binary", "undecodable", "oversized", "unknown_layout", "no_identifier",
                       "truncated_html", "malformed_json", "malformed_xml", "malformed_row", "symlink_outside_raw",
                       "unreadable", "timeout", "internal_error"}
    for reason in Reason:
        assert f"- {reason.value} " in intake.__doc__  # each one is documented in the module docstring


def test_iter_raw_files_is_recursive_sorted_and_counts_hidden_files(tmp_path):
    for rel in ["b/2.txt", "a.txt", "b/1.txt", ".gitkeep", "b/c/.hidden", "B.txt"]:
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("x")
    rels = [p.relative_to(tmp_path).as_posix() for p in iter_raw_files(tmp_path)]
    assert rels == sorted(rels) == [".gitkeep", "B.txt", "a.txt", "b/1.txt", "b/2.txt", "b/c/.hidden"]
    assert all(p.is_relative_to(tmp_path) for p in iter_raw_files(tmp_path))


def test_iter_raw_files_never_follows_symlinked_dirs(tmp_path):
    raw, outside = tmp_path / "raw", tmp_path / "outside"
    (raw / "real").mkdir(parents=True)
    outside.mkdir()
    (outside / "secret.txt").write_text("x")
    (raw / "real" / "page.txt").write_text("x")
    (raw / "out_link").symlink_to(outside, target_is_directory=True)
    (raw / "in_link").symlink_to(raw / "real", target_is_directory=True)
    rels = [p.relative_to(raw).as_posix() for p in iter_raw_files(raw)]
    # the outside link is listed (to be quarantined), never walked; the inside one is not a second copy
    assert rels == ["out_link", "real/page.txt"]
    assert process_file(raw / "out_link", raw).reason == "symlink_outside_raw"


def test_ctgov_json_file_becomes_a_record_with_sha_and_relative_path(tmp_path):
    data = json.dumps({"studies": [_study()]}).encode()
    (tmp_path / "batch one").mkdir()
    path = tmp_path / "batch one" / "NCT01234567.json"
    path.write_bytes(data)
    outcome = process_file(path, tmp_path)
    assert outcome.reason is None and outcome.record is not None
    assert outcome.raw_path == "batch one/NCT01234567.json"
    assert outcome.sha256 == hashlib.sha256(data).hexdigest()
    assert outcome.size == len(data)
    assert outcome.source == outcome.record.source == "ctgov_json"
    assert outcome.record.status == "RECRUITING"


def test_one_study_is_one_record_without_key_more_are_one_record_each(tmp_path):
    one = tmp_path / "one.json"
    one.write_text(json.dumps([_study()]))
    outcome = process_file(one, tmp_path)
    assert [r.record_key for r in outcome.records] == [None] and outcome.record.title == "A trial"
    two = tmp_path / "two.json"
    two.write_text(json.dumps({"studies": [_study(), _study("NCT07654321")]}))
    outcome = process_file(two, tmp_path)
    assert (outcome.reason, outcome.record, outcome.source) == (None, None, "ctgov_json")
    assert [(r.record_key, r.record.identifiers[0].value) for r in outcome.records] == [
        ("NCT01234567", "NCT01234567"), ("NCT07654321", "NCT07654321")]


def test_json_lines_one_bad_line_quarantines_exactly_that_line(tmp_path):
    lines = [json.dumps(_study("NCT01111111")), '{"protocolSection": {"identificationModule": ', "",
             json.dumps(_study("NCT02222222")), json.dumps({"no": "study"})]
    path = tmp_path / "studies.jsonl"
    path.write_text("\n".join(lines) + "\n")
    outcome = process_file(path, tmp_path)
    assert outcome.reason is None
    assert [(r.record_key, r.reason) for r in outcome.records] == [
        ("NCT01111111", None), ("line-2", "malformed_json"), ("NCT02222222", None), ("line-5", "unknown_layout")]
    assert outcome.records[1].detail.startswith("line 2:")


def test_repeated_and_missing_nct_ids_get_distinct_keys(tmp_path):
    no_id = {"protocolSection": {"identificationModule": {"briefTitle": "x"}}}
    path = tmp_path / "dupes.json"
    path.write_text(json.dumps([_study(), _study(), no_id, _study()]))
    keys = [r.record_key for r in process_file(path, tmp_path).records]
    assert keys == ["NCT01234567", "NCT01234567~2", "3", "NCT01234567~3"]


def test_one_study_whose_parser_fails_quarantines_that_study_only(tmp_path, monkeypatch):
    real = ctgov_json.parse_study

    def fails_on_second(study):
        if study["protocolSection"]["identificationModule"]["nctId"] == "NCT07654321":
            raise KeyError("parser bug")
        return real(study)

    monkeypatch.setattr(ctgov_json, "parse_study", fails_on_second)
    path = tmp_path / "two.json"
    path.write_text(json.dumps({"studies": [_study(), _study("NCT07654321")]}))
    first, second = process_file(path, tmp_path).records
    assert first.record is not None and (second.record, second.reason) == (None, "internal_error")
    assert "KeyError" in second.detail and "parser bug" in second.detail


def test_decode_warnings_lead_the_record_warnings(tmp_path):
    text = json.dumps(_study(briefTitle="Sjögren syndrome – trial"), ensure_ascii=False)
    path = tmp_path / "s.json"
    path.write_bytes(text.encode("cp1252"))
    outcome = process_file(path, tmp_path)
    assert outcome.record.title == "Sjögren syndrome – trial"
    assert outcome.record.warnings[0] == "non_utf8_encoding: cp1252"


def test_raw_file_is_only_read(tmp_path):
    path = tmp_path / "ro.json"
    path.write_text(json.dumps(_study()))
    path.chmod(0o444)
    before = (path.read_bytes(), path.stat().st_mtime_ns, path.stat().st_mode)
    assert process_file(path, tmp_path).record is not None
    assert (path.read_bytes(), path.stat().st_mtime_ns, path.stat().st_mode) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ro.json"]  # nothing written beside it


def test_an_exception_in_a_parser_becomes_internal_error(tmp_path, monkeypatch):
    def boom(study):
        raise KeyError("parser bug")

    monkeypatch.setattr(ctgov_json, "parse_study", boom)
    path = tmp_path / "x.json"
    path.write_text(json.dumps(_study()))
    outcome = process_file(path, tmp_path)
    assert outcome.reason == "internal_error" and outcome.record is None
    assert "KeyError" in outcome.detail and "parser bug" in outcome.detail


def test_page_layout_goes_through_parsers_parse_text(tmp_path, monkeypatch):
    def fake_parse_text(text, source=None, markup=None):
        record = SourceRecord(source="veeva", parser_version="t")
        if "NCT" in text:
            record.identifiers.append(Identifier("NCT01234567", "NCT", "NCT01234567", "nct_id"))
        return record

    monkeypatch.setattr(parsers, "parse_text", fake_parse_text)
    page = tmp_path / "page.txt"
    page.write_text("Some page NCT01234567\r\nline two\r\n")
    outcome = process_file(page, tmp_path)
    assert (outcome.source, outcome.reason) == ("veeva", None)
    bare = tmp_path / "bare.txt"
    bare.write_text("Some page without an id")
    outcome = process_file(bare, tmp_path)
    assert (outcome.source, outcome.reason, outcome.record) == ("veeva", "no_identifier", None)


def test_page_starting_with_a_bracket_is_not_malformed_json(tmp_path, monkeypatch):
    def fake_parse_text(text, source=None, markup=None):
        record = SourceRecord(source="medpath", parser_version="t")
        record.identifiers.append(Identifier("NCT01234567", "NCT", "NCT01234567", "nct_id"))
        return record

    monkeypatch.setattr(parsers, "parse_text", fake_parse_text)
    page = tmp_path / "page.txt"
    page.write_text("[Trial of a device] NCT01234567\n")
    assert process_file(page, tmp_path).source == "medpath"


def test_sample_raw_pages_all_parse():
    raw = REPO_ROOT / "raw"
    pages = [p for p in iter_raw_files(raw) if p.suffix in (".txt", ".html")]
    assert pages
    for page in pages:
        outcome = process_file(page, raw)
        assert outcome.reason is None, (page.name, outcome.reason, outcome.detail)
        assert outcome.record.identifiers


def test_real_v2_files_all_become_records(ctgov_v2_dir):
    paths = sorted(ctgov_v2_dir.glob("NCT*.json"))
    outcomes = [process_file(p, ctgov_v2_dir) for p in paths]
    assert [o.reason for o in outcomes if o.reason] == []
    assert {o.record.identifiers[0].value for o in outcomes} == {p.stem for p in paths}


@pytest.mark.parametrize("name", ["with space.txt", "ünïcödé-試験.txt", "-leading-dash.txt", "--help"])
def test_awkward_file_names(tmp_path, name):
    path = tmp_path / name
    path.write_text(json.dumps(_study()))
    (listed,) = list(iter_raw_files(tmp_path))
    outcome = process_file(listed, tmp_path)
    assert outcome.raw_path == name and outcome.record is not None
