"""Page text or saved HTML -> the list of lines a browser shows.

Every layout parser works on lines, so both input forms meet here: text is cleaned of
transport noise (BOM, CRLF/CR, NBSP, trailing spaces); HTML is rendered to its visible lines
(block elements break lines, inline elements do not): parsed by lxml and rendered by a libxslt
stylesheet, else by a walk of the lxml tree, else (markup lxml refuses) by beautifulsoup4; the
three give the same lines (tested).
Also holds the list-marker helpers all layouts share ("• x", "  1. x", "* x").
"""
from __future__ import annotations

import re
import threading

_HTML_SNIFF = re.compile(r"<!doctype\s+html|<html[\s>]|<body[\s>]|<(?:div|p|span|h[1-6]|ul|ol|li|section|main|br)[\s/>]",
                         re.IGNORECASE)

# Elements whose content a browser never shows.
_INVISIBLE = frozenset({"head", "script", "style", "noscript", "template", "title", "meta", "link"})
# Elements that start and end a line (CSS display: block / list-item / table parts).
_BLOCK = frozenset({
    "address", "article", "aside", "blockquote", "body", "caption", "dd", "details", "dialog", "div",
    "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5",
    "h6", "header", "hgroup", "hr", "html", "legend", "li", "main", "menu", "nav", "ol", "p", "pre",
    "section", "summary", "table", "tbody", "thead", "tfoot", "tr", "td", "th", "ul",
})

# A list marker at the start of a line: bullet glyphs, "*", "-", or "1." / "1)".
# Bullet glyphs may be glued to the text ("•Subject ..."); "-", "*" and numbers need a space
# ("-20 °C", "*p<0.05", "2.5 mg" are text).
_GLUED = "•◦▪▫●○■□‣⁃∙"
_ITEM = re.compile(rf"^\s*(?:[{_GLUED}]\s*|[-*–·]\s+|\d{{1,3}}[.)]\s+)(?=\S)")
_WS = re.compile(r"[ \t\r\n\f\v\u00a0\u2000-\u200a\u202f\u205f\u3000]+")


def looks_like_html(text: str) -> bool:
    """True when the text is markup a browser would render (sniffed in the first 4 KB)."""
    return bool(_HTML_SNIFF.search(text[:4096]))


def clean_text(text: str) -> str:
    """Transport noise out: BOM, CRLF/CR -> LF, NBSP -> space, trailing spaces per line."""
    return "\n".join(text_to_lines(text))


def text_to_lines(text: str) -> list[str]:
    """The lines of clean_text(text), cut once (not joined and cut again)."""
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n").replace("\u00a0", " ")
    return [line.rstrip() for line in text.split("\n")]


def page_lines(text: str, mark_headings: bool = False, markup: bool | None = None) -> list[str]:
    """The visible lines of a page given as text or as HTML (sniffed, unless the caller already
    did: `markup`); with mark_headings, each HTML heading (h1-h6) stands between blank lines."""
    if looks_like_html(text) if markup is None else markup:
        return html_to_lines(text, mark_headings)
    return text_to_lines(text)


def split_item(line: str) -> tuple[bool, str]:
    """(is a list item, text without its marker). "  1. Foo" -> (True, "Foo")."""
    match = _ITEM.match(line)
    if match:
        return True, line[match.end():].strip()
    return False, line.strip()


def is_item(line: str) -> bool:
    return bool(_ITEM.match(line))


# --- HTML -------------------------------------------------------------------------------------
#
# Both walkers below emit the same lines. The lxml one is the fast path (about 5x faster than
# building a BeautifulSoup tree, which matters for a backfill of hundreds of thousands of
# saved pages); BeautifulSoup (on the same lxml parser) takes over for markup lxml.html
# refuses, e.g. a str that carries an XML encoding declaration, or nesting deeper than
# libxml2's tree limit.

_HEADING_TAGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})


def _visible(text: str) -> str:
    """A block's text as one line: whitespace runs collapsed, ends stripped ("" for none)."""
    if text.isspace():  # the indentation between two blocks: no line
        return ""
    # printable with no double space: no _WS run but single spaces, nothing to collapse
    return text.strip() if text.isprintable() and "  " not in text else _WS.sub(" ", text).strip()


class _Lines:
    def __init__(self, mark_headings: bool = False) -> None:
        self.lines: list[str] = []
        self.buffer: list[str] = []
        self.mark_headings = mark_headings

    def heading_edge(self) -> None:
        """At the start and end of an h1-h6 element: with mark_headings, a blank line (once), so
        the heading tags stay visible to the layout engine, as the blank lines around a heading
        in page text."""
        if self.mark_headings:
            self.flush()
            if self.lines and self.lines[-1] != "":
                self.lines.append("")

    def flush(self) -> None:
        if not self.buffer:  # most flushes: a block edge right after another ...
            return
        text = _visible("".join(self.buffer))
        self.buffer.clear()  # the same list: the lxml walk holds it
        if text:
            self.lines.append(text)

    def add_pre(self, text: str) -> None:
        self.flush()
        for raw_line in text.splitlines():
            if raw_line.strip():
                self.lines.append(_WS.sub(" ", raw_line).strip())

    def mark_item(self, start: int, marker: str) -> None:
        """Prefix the first line of a finished <li> with the marker the browser draws.

        Always, even when the item text itself starts with "•" or "2.": a browser shows both
        ("• • x"), and so does the text form of the same page, so text and HTML read alike."""
        if len(self.lines) > start:
            self.lines[start] = marker + self.lines[start]


def _marker(list_tag: str | None, start_attr: object, position: int) -> str:
    if list_tag != "ol":
        return "• "
    try:
        first = int(str(start_attr)) if start_attr is not None else 1
    except ValueError:
        first = 1
    return f"{first + position}. "


def _walk_lxml(root, out: _Lines) -> None:
    """Iterative (start/end events): a page nested 5,000 levels deep must not hit the
    recursion limit. Runs once per element and event: kept lean (names looked up once per
    tag, heading edges tested inline)."""
    from lxml import etree

    hidden = 0  # depth inside elements whose content is not shown (script, pre handled whole, ...)
    starts: dict = {}
    names: dict[str, str] = {}
    buffer = out.buffer
    # comments and processing instructions come as events of their own (not start/end: asked
    # for start/end only, iterwalk skips them, and the text after one was lost)
    for event, element in etree.iterwalk(root, events=("start", "end", "comment", "pi")):
        tag = element.tag
        if not isinstance(tag, str):  # comment / processing instruction: only its tail shows
            if not hidden and element.tail:
                buffer.append(element.tail)
            continue
        name = names.get(tag)
        if name is None:
            name = names[tag] = tag.rsplit("}", 1)[-1].lower()
        if event == "start":
            if hidden:
                hidden += 1
                continue
            if name in _INVISIBLE:
                hidden = 1
            elif name == "br":
                if buffer:  # a flush with nothing buffered is a no-op: not called (most block edges)
                    out.flush()
            elif name == "pre":
                out.add_pre(_string_content(element))
                hidden = 1
            else:
                if name in _BLOCK and buffer:
                    out.flush()
                if name in _HEADING_TAGS:
                    out.heading_edge()
                if name == "li":
                    starts[element] = len(out.lines)
                if element.text:
                    buffer.append(element.text)
            continue
        # end event
        if hidden:
            hidden -= 1
            if hidden:
                continue
        elif name in _BLOCK:
            if buffer:
                out.flush()
            if name in _HEADING_TAGS:
                out.heading_edge()
            if name == "li":
                parent = element.getparent()
                position = sum(1 for sib in element.itersiblings(preceding=True) if sib.tag == "li")
                list_tag = parent.tag.lower() if parent is not None and isinstance(parent.tag, str) else None
                out.mark_item(starts.pop(element, len(out.lines)),
                              _marker(list_tag, parent.get("start") if parent is not None else None, position))
        if element.tail:
            buffer.append(element.tail)


def _string_content(element) -> str:
    """All text inside an element (lxml.html's text_content: XPath string())."""
    from lxml import etree

    return etree.XPath("string()", smart_strings=False)(element)


def _walk_soup(root, out: _Lines, kinds) -> None:
    """The same walk over a BeautifulSoup tree, with an explicit stack (no recursion)."""
    stack: list[tuple[object, bool, int]] = [(root, False, 0)]  # (node, closing?, li start)
    while stack:
        node, closing, start = stack.pop()
        if isinstance(node, kinds.string):
            if not isinstance(node, kinds.hidden_strings):
                out.buffer.append(str(node))
            continue
        if not isinstance(node, kinds.tag):
            continue
        name = (node.name or "").lower()
        if closing:
            out.flush()  # only block elements are pushed for closing
            if name in _HEADING_TAGS:
                out.heading_edge()
            if name == "li":
                parent = node.parent
                position = sum(1 for _ in node.find_previous_siblings("li"))
                list_tag = parent.name.lower() if parent is not None and parent.name else None
                out.mark_item(start, _marker(list_tag, parent.get("start") if parent is not None else None, position))
            continue
        if name in _INVISIBLE:
            continue
        if name == "br":
            out.flush()
            continue
        if name == "pre":
            out.add_pre(node.get_text())
            continue
        if name in _BLOCK:
            out.flush()
            if name in _HEADING_TAGS:
                out.heading_edge()
            stack.append((node, True, len(out.lines)))
        children: list[object] = list(node.children)  # typed: mypyc cannot compile reversed() of Any
        stack.extend((child, False, 0) for child in reversed(children))


class _SoupKinds:
    def __init__(self) -> None:
        from bs4 import CData, Comment, Declaration, Doctype, NavigableString, ProcessingInstruction, Tag

        self.string, self.tag = NavigableString, Tag
        self.hidden_strings = (Comment, Declaration, Doctype, ProcessingInstruction, CData)


# --- HTML through libxslt: the same lines, without a Python step per element -----------------
#
# The walk above runs Python twice per element (start, end); on the bench corpus that was two
# thirds of rendering a saved page (about 250 of 380 µs). A stylesheet emits, in C, the page's
# text with tokens where the walk would act: a break where it would flush, a heading edge, a
# list item's start (with what its marker needs) and end, a <pre>'s whole text. Python then
# reads the text segment by segment, with the walk's own flush, heading edge and item marker
# rules. Pages holding a token character (private use area) in any form, and pages too deep
# for libxslt's template recursion, take the walk.

_BREAK, _EDGE, _LI, _LI_END, _PRE, _FIELD = "\ue001", "\ue002", "\ue003", "\ue004", "\ue005", "\ue006"
_TOKEN_CHARS = (_BREAK, _EDGE, _LI, _LI_END, _PRE, _FIELD)
_TOKEN_REFERENCE = re.compile(r"&#(?:[xX]0*[eE]00[1-6]|0*573(?:4[5-9]|50))")  # &#xE001; .. &#57350;


def _entity(char: str) -> str:
    return f"&#x{ord(char):X};"


def _stylesheet() -> str:
    blocks = "|".join(sorted(_BLOCK - _HEADING_TAGS - {"li", "pre"}))
    br, edge, item, item_end, pre, field = map(_entity, _TOKEN_CHARS)
    return f"""<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform">
<xsl:output method="text" encoding="UTF-8"/>
<xsl:template match="{'|'.join(sorted(_INVISIBLE))}|comment()|processing-instruction()"/>
<xsl:template match="br"><xsl:text>{br}</xsl:text></xsl:template>
<xsl:template match="pre"><xsl:text>{br}{pre}</xsl:text><xsl:value-of select="."/><xsl:text>{br}</xsl:text></xsl:template>
<xsl:template match="{blocks}"><xsl:text>{br}</xsl:text><xsl:apply-templates/><xsl:text>{br}</xsl:text></xsl:template>
<xsl:template match="{'|'.join(sorted(_HEADING_TAGS))}"><xsl:text>{br}{edge}{br}</xsl:text><xsl:apply-templates/><xsl:text>{br}{edge}{br}</xsl:text></xsl:template>
<xsl:template match="li"><xsl:text>{br}{item}</xsl:text><xsl:value-of select="local-name(..)"/><xsl:text>{field}</xsl:text><xsl:value-of select="../@start"/><xsl:text>{field}</xsl:text><xsl:value-of select="count(preceding-sibling::li)"/><xsl:text>{br}</xsl:text><xsl:apply-templates/><xsl:text>{br}{item_end}{br}</xsl:text></xsl:template>
</xsl:stylesheet>"""


_TRANSFORMS = threading.local()  # an XSLT object per thread


def _transform():
    transform = getattr(_TRANSFORMS, "xslt", None)
    if transform is None:
        from lxml import etree

        transform = _TRANSFORMS.xslt = etree.XSLT(etree.fromstring(_stylesheet()))
    return transform


def _holds_token(html: str) -> bool:
    return any(char in html for char in _TOKEN_CHARS) or ("&#" in html and bool(_TOKEN_REFERENCE.search(html)))


def _lines_from_tokens(text: str, mark_headings: bool) -> list[str]:
    """The lines of the stylesheet's output: what _walk_lxml gives for the same tree."""
    out = _Lines(mark_headings)
    lines = out.lines
    items: list[tuple[int, str]] = []  # open list items: (first line index, marker)
    for segment in text.split(_BREAK):
        if not segment or segment.isspace():
            continue
        token = segment[0]
        if token == _EDGE:
            out.heading_edge()
        elif token == _LI:
            parent, start, position = segment[1:].split(_FIELD)
            items.append((len(lines), _marker(parent, start or None, int(position))))
        elif token == _LI_END:
            out.mark_item(*items.pop())
        elif token == _PRE:
            out.add_pre(segment[1:])
        elif line := _visible(segment):  # one segment: the text one flush of the walk sees
            lines.append(line)
    return lines


def html_to_lines(html: str, mark_headings: bool = False) -> list[str]:
    """The lines a browser shows for `html` (whitespace collapsed; entities decoded; no blank
    lines, except around h1-h6 with mark_headings)."""
    html = html.lstrip("\ufeff")
    out = _Lines(mark_headings)
    try:
        from lxml import etree

        # lxml.etree's parser, not lxml.html's: the same libxml2 tree without lxml.html's
        # Python callback choosing a class for every element (a third of the walk's time)
        parser = etree.HTMLParser(huge_tree=True)  # no depth/size cut-off: deep pages stay whole
        root = etree.fromstring(html, parser)
        if root is None:
            raise ValueError("Document is empty")  # what lxml.html.document_fromstring raises
        if any(error.type_name == "ERR_RESOURCE_LIMIT" for error in parser.error_log):
            # libxml2 stops building the tree past 2,048 levels and would drop the rest of
            # the page; BeautifulSoup's builder has no such limit
            raise ValueError("document too deep for lxml.html")
        if not _holds_token(html):
            try:
                return _lines_from_tokens(str(_transform()(root)), mark_headings)
            except etree.XSLTError:  # nesting deeper than libxslt's template recursion: the walk
                pass
        _walk_lxml(root, out)
    except Exception:  # lxml.html refuses this markup: let BeautifulSoup try
        out = _Lines(mark_headings)
        _walk_soup(_soup(html), out, _SoupKinds())
    out.flush()
    return out.lines


def html_to_lines_soup(html: str, mark_headings: bool = False) -> list[str]:
    """The BeautifulSoup walk alone (the fallback path; tests check both paths agree)."""
    out = _Lines(mark_headings)
    _walk_soup(_soup(html.lstrip("\ufeff")), out, _SoupKinds())
    out.flush()
    return out.lines


def _soup(html: str):
    """BeautifulSoup on lxml, quietly: an XML prolog on a saved HTML page is not news."""
    import warnings

    from bs4 import BeautifulSoup, XMLParsedAsHTMLWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", XMLParsedAsHTMLWarning)
        return BeautifulSoup(html, "lxml")
