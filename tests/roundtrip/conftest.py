"""Fixtures of the round-trip suite: the real v2 studies and the parser entry points."""
from __future__ import annotations

import pytest

from tests.conftest import load_v2_study


@pytest.fixture(scope="session")
def real_studies(ctgov_v2_dir) -> list[dict]:
    """Every real ClinicalTrials.gov v2 study in ../shared (462), in file-name order."""
    studies = [load_v2_study(path) for path in sorted(ctgov_v2_dir.glob("NCT*.json"))]
    assert len(studies) >= 100, f"expected the real v2 sample, found {len(studies)} studies"
    return studies


@pytest.fixture(scope="session")
def parser_api():
    """(parse_text, detect) from the parsers package; skips while they are not written yet."""
    import parsers

    parse_text = getattr(parsers, "parse_text", None)
    detect = getattr(parsers, "detect", None)
    if parse_text is None or detect is None:
        pytest.skip("parsers.parse_text / parsers.detect do not exist yet (PARSERS is writing them)")
    return parse_text, detect
