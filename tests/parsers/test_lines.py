"""Page text / HTML -> visible lines."""
from __future__ import annotations

import html as _html
import re as _re

from parsers.lines import clean_text, html_to_lines, looks_like_html, page_lines, split_item


def test_clean_text_removes_transport_noise():
    raw = "\ufeffTitle  \r\nA\u00a0B\rC\t \n"
    assert clean_text(raw) == "Title\nA B\nC\n"


def test_block_elements_break_lines_inline_ones_do_not():
    html = "<div>Status <b>and</b> <a href='#'>phase</a></div><p>Recruiting</p><h2>Phase&nbsp;2</h2>"
    assert html_to_lines(html) == ["Status and phase", "Recruiting", "Phase 2"]


def test_invisible_elements_are_dropped():
    html = ("<html><head><title>T</title><style>.a{}</style></head><body><script>x='<p>no</p>'</script>"
            "<noscript>Enable JS</noscript><template><p>tpl</p></template><!-- note --><p>Shown</p></body></html>")
    assert html_to_lines(html) == ["Shown"]


def test_br_breaks_and_whitespace_collapses():
    html = "<p>Line   one\n   continues<br>Line two<br/>  </p>"
    assert html_to_lines(html) == ["Line one continues", "Line two"]


def test_entities_are_decoded():
    assert html_to_lines("<p>Age &ge; 18 &amp; &lt;65&#8239;y</p>") == ["Age ≥ 18 & <65 y"]


def test_list_items_get_bullets_or_numbers():
    html = "<ul><li>first</li><li>second</li></ul><ol start='3'><li>third</li><li>fourth</li></ol>"
    assert html_to_lines(html) == ["• first", "• second", "3. third", "4. fourth"]


def test_list_marker_is_drawn_even_when_the_item_text_has_one():
    """As a browser shows it, so the item keeps its own "2." like the text form of the page does."""
    html = "<ol><li>2. numbered in the text</li></ol><ul><li>• bulleted in the text</li></ul>"
    assert html_to_lines(html) == ["1. 2. numbered in the text", "• • bulleted in the text"]
    assert split_item(html_to_lines(html)[0]) == (True, "2. numbered in the text")


def test_html_is_sniffed_and_plain_text_is_not():
    assert looks_like_html("<!DOCTYPE html><html><body><p>x</p></body></html>")
    assert looks_like_html("<div>x</div>")
    assert not looks_like_html("Age < 18 and weight > 40 kg")
    assert page_lines("a\r\nb") == ["a", "b"]
    assert page_lines("<p>a</p><p>b</p>") == ["a", "b"]


def test_split_item_recognises_markers():
    assert split_item("  • Informed consent") == (True, "Informed consent")
    assert split_item("  12. Age 18 or over") == (True, "Age 18 or over")
    assert split_item("* Signed consent;") == (True, "Signed consent;")
    assert split_item("2.5 mg daily is allowed") == (False, "2.5 mg daily is allowed")
    assert split_item("Patients must:") == (False, "Patients must:")


HTML_CASES = [
    "<div>Status <b>and</b> <a href='#'>phase</a></div><p>Recruiting</p><h2>Phase&nbsp;2</h2>",
    "<html><head><title>T</title></head><body><script>x</script><!-- c --><p>Shown</p>tail text</body></html>",
    "<ul><li>first<ul><li>nested</li></ul></li><li>second</li></ul><ol start='7'><li>seven</li></ol>",
    "<p>Line one<br>Line two</p><pre>  keep\n  lines </pre><table><tr><td>a</td><td>b</td></tr></table>",
    "<div>outer <span>inline</span><div>inner block</div> after</div>",
]


def test_fast_and_fallback_html_walkers_agree():
    from parsers.lines import html_to_lines_soup

    for html in HTML_CASES:
        assert html_to_lines(html) == html_to_lines_soup(html), html


TRICKY_HTML = [
    "<ol start='3'><li>three<ol><li><h3>heading in an item</h3>text</li></ol></li><li></li><li>five</li></ol>",
    "<ol start='x'><li>bad start</li></ol><ol start=''><li>empty start</li></ol><li>no list</li>",
    "<div>a<!-- c -->b<script>no</script>c<br>d<pre>p\n q</pre>tail<h2>H <b>x</b></h2>after</div>",
    "<ul><li>one<br>two</li><li><pre>in\nitem</pre></li><li>  <span> </span> </li></ul><p>\u00a0spaced\u2003 out </p>",
    "<h1></h1><h2> </h2><p>x</p><h3>y</h3><h4>z</h4>",
    "<p>x</p><?pi data?>tail of pi<o:p>office</o:p><svg:div>ns</svg:div>",
]


def _walked(html: str, mark_headings: bool) -> list[str]:
    """The Python walk's lines for html (the path the stylesheet must agree with)."""
    from lxml import etree

    from parsers.lines import _Lines, _walk_lxml

    out = _Lines(mark_headings)
    _walk_lxml(etree.fromstring(html, etree.HTMLParser(huge_tree=True)), out)
    out.flush()
    return out.lines


def test_stylesheet_and_walk_agree(monkeypatch):
    import parsers.lines as lines

    def no_walk(root, out):
        raise AssertionError("the stylesheet path should have rendered this page")

    expected = {(html, mark): _walked(html, mark) for html in HTML_CASES + TRICKY_HTML for mark in (True, False)}
    monkeypatch.setattr(lines, "_walk_lxml", no_walk)
    for (html, mark), walked in expected.items():
        assert html_to_lines(html, mark) == walked, html


def test_text_after_a_comment_or_processing_instruction_is_shown():
    from parsers.lines import html_to_lines_soup

    html = "<div>a<!-- c -->b<?pi x?>c</div><p>d<!-- e --></p>"
    assert html_to_lines(html) == _walked(html, False) == html_to_lines_soup(html) == ["abc", "d"]


def test_a_page_holding_a_token_character_is_walked():
    for html in ("<p>a\ue001b</p><ol><li>x</li></ol>", "<p>a&#xe003;b</p><h2>H</h2>", "<p>a&#57345;b</p>"):
        for mark in (True, False):
            assert html_to_lines(html, mark) == _walked(html, mark)
    assert html_to_lines("<p>a&#xE001;b</p><p>c</p>") == ["a\ue001b", "c"]


def test_html_with_an_xml_declaration_uses_the_fallback():
    html = "<?xml version='1.0' encoding='utf-8'?><html><body><p>Shown</p><ol><li>x</li></ol></body></html>"
    assert html_to_lines(html) == ["Shown", "1. x"]


def test_glued_bullet_is_an_item_but_hyphenated_numbers_are_not():
    assert split_item("•Subject is enrolled") == (True, "Subject is enrolled")
    assert split_item("-20 °C storage") == (False, "-20 °C storage")


def test_very_deep_nesting_keeps_the_whole_page():
    deep = "<p>before</p>" + "<div>" * 5000 + "deep text" + "</div>" * 5000 + "<p>after</p>"
    unclosed = "<p>before</p>" + "<span><b>" * 20000 + "<p>after</p>"
    assert html_to_lines(f"<html><body>{deep}</body></html>") == ["before", "deep text", "after"]
    assert html_to_lines(f"<html><body>{unclosed}</body></html>") == ["before", "after"]


# --- helper shared by the layout tests: a page's text lines as saved HTML -----------------------
# Runs of "• x" / "1. x" lines become <ul>/<ol> lists (markers dropped: the browser draws them),
# other lines become <div>/<p> blocks with some inline markup, and things a browser never shows
# (head, script, style, comments, noscript) are added around them. Blank lines disappear, as
# they do in a browser copy of the HTML page.

_BULLET = _re.compile(r"^\s*[•*]\s+(.*)$")
_NUMBER = _re.compile(r"^\s*\d+\.\s+(.*)$")


def lines_to_html(text: str) -> str:
    body: list[str] = []
    list_kind = None
    for n, line in enumerate(text.split("\n")):
        bullet, number = _BULLET.match(line), _NUMBER.match(line)
        kind = "ul" if bullet else "ol" if number else None
        if kind != list_kind:
            if list_kind:
                body.append(f"</{list_kind}>")
            if kind:
                body.append(f"<{kind}>")
            list_kind = kind
        if kind:
            item = (bullet or number).group(1)
            body.append(f"  <li>{_html.escape(item)}</li>")
        elif line.strip():
            words = _html.escape(line.strip()).split(" ", 1)
            # an inline element inside the block must not break the line
            inner = f"<span>{words[0]}</span> {words[1]}" if len(words) == 2 else words[0]
            tag = "p" if n % 2 else "div"
            body.append(f"<{tag} class=\"x\">{inner}</{tag}>")
    if list_kind:
        body.append(f"</{list_kind}>")
    return (
        "<!DOCTYPE html>\n<html><head><title>page title</title><style>p{color:red}</style>"
        "<script>var x = '<div>not shown</div>';</script></head>\n<body>\n<!-- a comment -->\n"
        "<noscript>Enable JavaScript</noscript>\n" + "\n".join(body) + "\n</body></html>\n"
    )
