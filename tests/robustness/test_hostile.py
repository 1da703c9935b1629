"""Hostile content: nothing executes, escapes raw/, hangs, or blows the stack.

Pages are the shipped sample HTML (raw/veeva_orvatide.html, an invented trial) with hostile
parts injected inside <main>, so the layout is still recognised and we can check the record.
"""
from __future__ import annotations

import json
import time
from dataclasses import asdict

import pytest

from parsers.intake import iter_raw_files, process_file
from tests.conftest import REPO_ROOT

SAMPLE = REPO_ROOT / "raw" / "veeva_orvatide.html"
TIME_LIMIT = 20.0  # seconds per file: generous for CI, far below "hangs"


@pytest.fixture(scope="module")
def sample_html() -> str:
    return SAMPLE.read_text(encoding="utf-8")


def _inject(html: str, fragment: str) -> str:
    assert "<main>" in html
    return html.replace("<main>", "<main>" + fragment, 1)


def _timed(tmp_path, name: str, text: str, **kw):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    started = time.monotonic()
    outcome = process_file(path, tmp_path, **kw)
    elapsed = time.monotonic() - started
    assert elapsed < TIME_LIMIT, f"{name} took {elapsed:.1f}s"
    assert (outcome.record is None) != (outcome.reason is None)
    return outcome


def _all_text(record) -> str:
    return json.dumps(asdict(record), ensure_ascii=False)


def test_script_is_not_executed_and_its_text_is_not_in_any_field(tmp_path, sample_html):
    marker = tmp_path / "pwned"
    script = f'<script>require("fs").writeFileSync("{marker}", "x"); var SCRIPT_MARKER_7f3 = 1;</script>'
    handler = '<p onclick="SCRIPT_MARKER_7f3()" onload="SCRIPT_MARKER_7f3()">Visible</p>'
    outcome = _timed(tmp_path, "script.html", _inject(sample_html, script + handler + "<noscript>SCRIPT_MARKER_7f3</noscript>"))
    assert outcome.reason is None, outcome.detail
    assert "SCRIPT_MARKER_7f3" not in _all_text(outcome.record)
    assert not marker.exists()


def test_two_megabyte_attribute(tmp_path, sample_html):
    huge = '<div data-blob="' + "A" * 2_000_000 + '">after the blob</div>'
    outcome = _timed(tmp_path, "attr.html", _inject(sample_html, huge), max_bytes=5_000_000)
    assert outcome.reason is None, outcome.detail
    assert "AAAAAAAAAA" not in _all_text(outcome.record)


def test_deeply_nested_tags_do_not_hang_or_escape(tmp_path, sample_html):
    deep = "<div>" * 5000 + "deep text" + "</div>" * 5000
    page = _inject(sample_html, deep)
    # the XML declaration sends the page down BeautifulSoup's path instead of lxml.html's
    for name, text in (("deep.html", page), ("deep-xml.html", '<?xml version="1.0" encoding="utf-8"?>' + page),
                       ("unclosed.html", _inject(sample_html, "<span><b>" * 20000))):
        outcome = _timed(tmp_path, name, text)
        # whatever the parser makes of it, it is a documented outcome, not an exception that escaped
        assert outcome.reason != "internal_error", (name, outcome.detail)


def test_deeply_nested_tags_still_give_the_record(tmp_path, sample_html):
    deep = "<div>" * 5000 + "deep text" + "</div>" * 5000
    unclosed = "<span><b>" * 20000
    for name, fragment in (("deep.html", deep), ("unclosed.html", unclosed)):
        outcome = _timed(tmp_path, name, _inject(sample_html, fragment))
        assert outcome.reason is None, outcome.detail
        assert outcome.record.identifiers


def test_billion_laughs_entities_are_not_expanded(tmp_path, sample_html):
    entities = '<!ENTITY lol0 "lol">' + "".join(
        f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10))
    page = f'<?xml version="1.0"?>\n<!DOCTYPE html [{entities}]>\n' + _inject(sample_html, "<p>&lol9;</p>")
    outcome = _timed(tmp_path, "laughs.html", page)
    if outcome.record is not None:
        assert "lollollol" not in _all_text(outcome.record)
    xml_only = f'<?xml version="1.0"?><!DOCTYPE r [{entities}]><r>&lol9;</r>'
    assert _timed(tmp_path, "laughs.xml", xml_only).reason == "unknown_layout"


def test_external_entity_is_not_resolved(tmp_path, sample_html):
    secret = tmp_path / "secret.txt"
    secret.write_text("XXE_SECRET_91c")
    page = f'<!DOCTYPE html [<!ENTITY xxe SYSTEM "file://{secret}">]>' + _inject(sample_html, "<p>&xxe;</p>")
    outcome = _timed(tmp_path, "xxe.html", page)
    if outcome.record is not None:
        assert "XXE_SECRET_91c" not in _all_text(outcome.record)


@pytest.mark.parametrize("name", ["with space.html", "ünïcödé 試験.html", "-rf.html", "--version.html", "a;rm -rf ~.html"])
def test_hostile_file_names_are_listed_and_parsed(tmp_path, sample_html, name):
    (tmp_path / name).write_text(sample_html, encoding="utf-8")
    (listed,) = list(iter_raw_files(tmp_path))
    outcome = process_file(listed, tmp_path)
    assert outcome.raw_path == name
    assert outcome.reason is None, outcome.detail


def test_symlinked_file_outside_raw_is_not_read(tmp_path, sample_html):
    raw = tmp_path / "raw"
    raw.mkdir()
    outside = tmp_path / "outside.html"
    outside.write_text(sample_html, encoding="utf-8")
    (raw / "looks-normal.html").symlink_to(outside)
    (raw / "dir-link").symlink_to(tmp_path, target_is_directory=True)
    outcomes = [process_file(p, raw) for p in iter_raw_files(raw)]
    assert [(o.raw_path, o.reason, o.sha256) for o in outcomes] == [
        ("dir-link", "symlink_outside_raw", None), ("looks-normal.html", "symlink_outside_raw", None)]
