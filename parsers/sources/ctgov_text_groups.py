"""CT.gov text layout: the Interventions and Study Groups sections.

Interventions are `name` / "Intervention: TYPE" / description blocks. Study Groups repeat each
arm's interventions' blocks verbatim after its label and description, so known blocks are
consumed and what stands before a block opens a new arm. Either section's last lines may be a
section no rule names (heading, explainer, values): it is set aside with a warning.
"""
from __future__ import annotations

import re

from parsers.headings import heading_like, sentence_like
from parsers.layout import NOT_RECOGNISED, Block, attempt, normalized
from parsers.normalize import types
from parsers.normalize.vocab import ARM_TYPES
from parsers.record import Arm, Intervention, SourceRecord

_INTERVENTION_MARKER = re.compile(r"Intervention:\s*(.*)", re.IGNORECASE)


def _marker(line: str) -> tuple[bool, str | None]:
    """Is this the "Intervention:" line of a block (bare, or naming a known intervention type)?
    Free text may also start with "Intervention: ..." and must stay text."""
    match = _INTERVENTION_MARKER.fullmatch(line)
    if not match:
        return False, None
    rest = match.group(1).strip()
    if not rest:
        return True, None
    value = attempt(types.normalize_intervention_type, rest)
    return (value not in (NOT_RECOGNISED, None)), rest


def _is_marker(line: str) -> bool:
    return _marker(line)[0]


def _intervention_blocks(lines: list[str]) -> list[tuple[int, int]]:
    """(start, end) spans of `name` / "Intervention:" / description blocks: a name is the line
    just before a marker; the description runs to the line before the next name."""
    markers = [i for i, line in enumerate(lines) if i > 0 and _is_marker(line)]
    spans = []
    for n, m in enumerate(markers):
        end = markers[n + 1] - 1 if n + 1 < len(markers) else len(lines)
        spans.append((m - 1, end))
    return spans


def read_interventions(record: SourceRecord, block: Block) -> list[str]:
    lines = block.values
    spans = _intervention_blocks(lines)
    foreign: list[str] = []
    if spans:
        # the last description runs to the block's end: a section no rule names may follow it
        start, end = spans[-1]
        at = section_at_end(lines, range(start + 2, end))
        if at is not None:
            record.warn("possible_heading", f"{lines[at]!r} in {block.heading!r}")
            spans[-1], foreign = (start, at), lines[at:end]
    for start, end in spans:
        type_raw = _marker(lines[start + 1])[1]
        kind = None
        if type_raw:
            kind = normalized(record, "intervention_type", types.normalize_intervention_type, type_raw, store=False)
        record.interventions.append(Intervention(
            lines[start], kind, type_raw, "\n".join(lines[start + 2:end]) or None))
    record.raw["interventions_block"] = "\n".join(lines)
    return (lines[: spans[0][0]] + foreign) if spans else lines


def read_groups(record: SourceRecord, block: Block) -> list[str]:
    """Each arm: label (first line), description lines, then its interventions' blocks repeated
    verbatim. Known blocks are consumed; what stands before a block opens a new arm."""
    record.raw["study_groups"] = "\n".join(block.values)
    known: dict[str, list[list[str]]] = {}
    for iv in record.interventions:  # several interventions may share a name
        known.setdefault(iv.name, []).append([iv.name, *_marker_lines(iv)])
    lines = block.values
    arms: list[Arm] = []
    segment: list[str] = []
    i = 0

    def close_segment() -> None:
        if segment:
            label, *rest = segment
            arm = Arm(label)
            if rest and rest[0] in ARM_TYPES:
                arm.arm_type, arm.type_raw, rest = rest[0], rest[0], rest[1:]
            arm.description = "\n".join(rest) or None
            arms.append(arm)
            segment.clear()

    while i < len(lines):
        nxt = lines[i + 1] if i + 1 < len(lines) else ""
        if _is_marker(nxt):
            name = lines[i]
            matching = [b for b in known.get(name, []) if lines[i:i + len(b)] == b]
            if matching:
                length = max(len(b) for b in matching)
            else:
                # not a verbatim copy of a listed block: its description runs to the line
                # before the next marker's name
                length = 2
                while i + length < len(lines) and not (
                        i + length + 1 < len(lines) and _is_marker(lines[i + length + 1])):
                    length += 1
                record.warn("unmatched_group_intervention", repr(name))
                if name not in known:
                    description = "\n".join(lines[i + 2:i + length]) or None
                    record.interventions.append(Intervention(name, description=description))
                    known[name] = [lines[i:i + length]]
            close_segment()
            if not arms:
                arms.append(Arm(""))  # interventions with no label before them
                record.warn("missing_field", "arm label")
            arms[-1].interventions.append(name)
            i += length
            continue
        segment.append(lines[i])
        i += 1
    at = section_at_end(segment, range(len(segment))) if arms else None
    foreign = segment[at:] if at is not None else []
    if at is not None:
        # shaped as a section no rule names (heading, explainer, values): set aside, not an arm
        record.warn("possible_heading", f"{segment[at]!r} in {block.heading!r}")
        del segment[at:]
    if len(segment) > 1:
        # no intervention block ends these lines: one group with a description, or several
        # groups without interventions; the page cannot tell, so read one and say so
        record.warn("ambiguous_groups", f"{len(segment)} lines after the last intervention block read as one group")
    close_segment()
    record.arms.extend(arms)
    return foreign


def _reads_as_section(lines: list[str]) -> bool:
    """Lines after the last intervention block (of Study Groups or Interventions) shaped as
    this layout's sections are: a heading-like line, its explainer (one short sentence) and
    values. A group without interventions, or a description, reads alike, but seldom as one
    short sentence followed by more lines (none of the 462 real studies)."""
    return (len(lines) >= 3 and heading_like(lines[0]) and sentence_like(lines[1])
            and len(lines[1]) <= _EXPLAINER_MAX and lines[1].count(". ") == 0)


_EXPLAINER_MAX = 80  # the layout's explainers are one line of a few words


def section_at_end(lines: list[str], starts) -> int | None:
    """The first of `starts` from which the block's last lines read as a section."""
    return next((k for k in starts if _reads_as_section(lines[k:])), None)


def _marker_lines(intervention: Intervention) -> list[str]:
    marker = f"Intervention: {intervention.type_raw}" if intervention.type_raw else "Intervention:"
    return [marker, *(intervention.description.split("\n") if intervention.description else [])]
