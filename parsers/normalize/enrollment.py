"""Enrollment: "20 estimated patients" -> (20, "ESTIMATED"); enrollment type spellings -> v2."""
from __future__ import annotations

import re

from parsers.normalize import Unmapped
from parsers.normalize.text import enum_table, lookup, lookup_key, not_given_keys, squash
from parsers.normalize.vocab import ENROLLMENT_TYPE_ORDER

_TYPE_TABLE = enum_table(ENROLLMENT_TYPE_ORDER, {
    "Actual": "ACTUAL",
    "Estimated": "ESTIMATED",
    "Estimate": "ESTIMATED",
    "Anticipated": "ESTIMATED",  # legacy CT.gov XML
    "Target": "ESTIMATED",  # "Target Recruitment" on MedPath / CTIS: a planned number
    "Expected": "ESTIMATED",
    "Planned": "ESTIMATED",
})

# Words allowed around the count besides a type word: they name the unit, not the type.
_UNIT_WORDS = frozenset({"patients", "patient", "participants", "participant", "subjects", "subject",
                         "people", "persons", "volunteers", "enrollment", "enrolment", "total"})
# "1,200" / "1 200" / "1.200" thousands groups, or a plain integer.
_MAX_DIGITS = 9
_COUNT = re.compile(r"^\d{1,3}(?:[,.\u202f ]\d{3})+$|^\d+$")


def normalize_enrollment_type(raw: str | None) -> str | None:
    """"Actual" -> "ACTUAL"; "Anticipated" / "Estimated" / "Target" -> "ESTIMATED"."""
    return lookup("enrollment_type", raw, _TYPE_TABLE)


def parse_enrollment(raw: str | int | None) -> tuple[int | None, str | None]:
    """Count and type from enrollment text; the type is None unless the text says it.

    "20 estimated patients" -> (20, "ESTIMATED"); "1,200 participants" -> (1200, None);
    "Actual: 59" / "59 (Actual)" -> (59, "ACTUAL"); "" / "Not specified" -> (None, None).
    Raises Unmapped for text with no count, two counts, or words it does not know.
    """
    if raw is None:
        return None, None
    if isinstance(raw, int) and not isinstance(raw, bool):
        return raw, None
    text = squash(raw)
    if lookup_key(text) in not_given_keys():
        return None, None
    counts = re.findall(r"\d[\d,.\u202f]*\d|\d", text)
    counts = [c for c in counts if _COUNT.match(c.replace(" ", ""))]
    digits = re.sub(r"\D", "", counts[0]) if len(counts) == 1 else ""
    # more than 9 digits is not a head count (and would overflow int() on junk input)
    if not digits or len(digits) > _MAX_DIGITS:
        raise Unmapped("enrollment", raw)
    count = int(digits)
    rest = lookup_key(text.replace(counts[0], " "))
    enrollment_type = None
    for word in rest.split():
        if word in _UNIT_WORDS:
            continue
        if word in _TYPE_TABLE and enrollment_type in (None, _TYPE_TABLE[word]):
            enrollment_type = _TYPE_TABLE[word]
            continue
        raise Unmapped("enrollment", raw)
    return count, enrollment_type
