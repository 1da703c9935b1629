"""bench.parse: the per-page CPU split it prints, by kind of page."""
from __future__ import annotations

from bench.parse import one_pass
from tests.parsers import test_medpath, test_veeva
from tests.parsers.test_lines import lines_to_html


def test_parse_time_is_split_by_html_and_text_pages():
    pages = [("a.txt", test_veeva.page().encode()), ("b.html", lines_to_html(test_medpath.page()).encode()),
             ("c.txt", test_medpath.page().encode()), ("d.bin", bytes(range(256)) * 8)]
    kinds: dict[str, list[float]] = {}
    _, parse, _ = one_pass(pages, kinds)
    assert sorted(kinds) == ["HTML", "text"]
    assert kinds["HTML"][0] == 1 and kinds["text"][0] == 2  # the binary file decodes to nothing
    split = kinds["HTML"][1] + kinds["text"][1]
    assert 0 < split <= parse + 1e-9 and parse - split < 1e-4  # the binary file: no parse to speak of
