"""A rendered page before it becomes text or HTML: named sections of typed lines.

Renderers build a `Page`; `Page.text()` gives the page text exactly as a browser copy shows it
and `tests.render.html.to_html` gives saved HTML of the same page, so both forms come from one
structure. Sections are named so a variant can delete one, and flagged `optional` when the
site may leave them out.
"""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Line:
    text: str
    kind: str = "value"  # chrome | heading | value | para | item | blank
    marker: str = ""  # list marker printed before an item ("  • ", "  1. ", "* ", "• ")

    @property
    def shown(self) -> str:
        return self.marker + self.text


BLANK = Line("", "blank")


@dataclass
class Section:
    name: str
    lines: list[Line]
    optional: bool = False


@dataclass
class Page:
    layout: str
    nct_id: str
    title: str
    sections: list[Section] = field(default_factory=list)

    def add(self, name: str, lines: list[Line], optional: bool = False) -> None:
        self.sections.append(Section(name, lines, optional))

    def without(self, names: frozenset[str] | set[str]) -> "Page":
        return Page(self.layout, self.nct_id, self.title, [s for s in self.sections if s.name not in names])

    def optional_names(self) -> list[str]:
        return [s.name for s in self.sections if s.optional]

    def lines(self) -> list[Line]:
        return [line for section in self.sections for line in section.lines]

    def text(self) -> str:
        """The page text; like the sample pages, it has no final newline."""
        return "\n".join(line.shown for line in self.lines()).rstrip("\n")


def values(texts, kind: str = "value") -> list[Line]:
    return [Line(t, kind) for t in texts]


def blank_separated(lines: list[Line]) -> list[Line]:
    """Each line followed by a blank line (the Veeva / MedPath rhythm)."""
    out: list[Line] = []
    for line in lines:
        out += [line, BLANK]
    return out
