"""Field normalizers: raw page strings -> ClinicalTrials.gov API v2 vocabulary.

Convention shared by every normalizer in this package:
- a pure function `normalize_<field>(raw) -> value | None`;
- None means the raw string is a known way of saying "not given" ("Not specified", "", ...);
- a non-empty raw string the normalizer does not recognise raises `Unmapped`, so the caller
  records an "unmapped_value" warning with the raw string instead of silently guessing.
"""
from __future__ import annotations


class Unmapped(ValueError):
    """A non-empty raw value that no rule of the normalizer recognises."""

    def __init__(self, field: str, raw: object):
        super().__init__(f"{field}={raw!r}")
        self.field = field
        self.raw = raw
