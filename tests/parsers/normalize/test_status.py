"""normalize_status: labelled spellings -> v2 OverallStatus; ambiguous ones stay Unmapped."""
from __future__ import annotations

import csv
import re

import pytest

from parsers.normalize import Unmapped
from parsers.normalize.status import normalize_status
from parsers.normalize.vocab import STATUSES
from tests.conftest import shared_path

CASES = [
    # v2 enums and CT.gov display strings
    ("ACTIVE_NOT_RECRUITING", "ACTIVE_NOT_RECRUITING"),
    ("Active, not recruiting", "ACTIVE_NOT_RECRUITING"),
    ("Unknown status", "UNKNOWN"),
    ("Unknown", "UNKNOWN"),
    ("UNKNOWN", "UNKNOWN"),
    ("Not yet recruiting", "NOT_YET_RECRUITING"),
    ("Enrolling by invitation", "ENROLLING_BY_INVITATION"),
    ("Recruiting", "RECRUITING"),
    ("  recruiting ", "RECRUITING"),
    ("Completed", "COMPLETED"),
    ("Terminated", "TERMINATED"),
    ("Withdrawn", "WITHDRAWN"),
    ("Suspended", "SUSPENDED"),
    ("Withheld", "WITHHELD"),
    ("No longer available", "NO_LONGER_AVAILABLE"),
    ("Temporarily not available", "TEMPORARILY_NOT_AVAILABLE"),
    ("Approved for marketing", "APPROVED_FOR_MARKETING"),
    ("Available", "AVAILABLE"),
    # CTIS / MedPath / EU CTR
    ("Authorised, recruiting", "RECRUITING"),
    ("Authorized, recruiting", "RECRUITING"),
    ("Authorised, not started", "NOT_YET_RECRUITING"),
    ("Authorised, recruitment pending", "NOT_YET_RECRUITING"),
    ("Ongoing, recruiting", "RECRUITING"),
    ("Ongoing, not yet recruiting", "NOT_YET_RECRUITING"),
    ("Ongoing, recruitment ended", "ACTIVE_NOT_RECRUITING"),
    ("Ended", "COMPLETED"),
    ("Prematurely ended", "TERMINATED"),
    ("Temporarily halted", "SUSPENDED"),
    # ICTRP spellings (OpenTrials processors/ictrp/extractors.py)
    ("Closed: follow-up continuing", "ACTIVE_NOT_RECRUITING"),
    ("Closed: follow-up complete", "COMPLETED"),
    ("Stopped early", "TERMINATED"),
    ("Pending (not yet recruiting)", "NOT_YET_RECRUITING"),
    ("Temporary halt or suspension", "SUSPENDED"),
    # not given
    ("", None),
    ("Not specified", None),
    (None, None),
]


@pytest.mark.parametrize(("raw", "expected"), CASES)
def test_normalize_status(raw, expected):
    assert normalize_status(raw) == expected


@pytest.mark.parametrize("raw", [
    "Not Recruiting",  # not yet, or no longer?
    "Authorised",
    "Authorised-recruitment may be ongoing or finished",
    "Ongoing",
    "Not authorised",
    "Pending",
    "Active",
    "Recruiting soon maybe",  # no fuzzy fallback
])
def test_ambiguous_status_is_unmapped(raw):
    with pytest.raises(Unmapped) as err:
        normalize_status(raw)
    assert err.value.raw == raw


def test_ictrp_statuses_are_mapped_or_flagged_as_ambiguous():
    values = []
    for path in sorted(shared_path("real", "ictrp").glob("*.csv")):
        with path.open(encoding="utf-8-sig", newline="") as handle:
            values += [row["Recruitment Status"] for row in csv.DictReader(handle)]
    mapped, unmapped = {}, set()
    for raw in values:
        try:
            mapped[raw] = normalize_status(raw)
        except Unmapped:
            unmapped.add(raw)
    assert mapped["Recruiting"] == "RECRUITING"
    assert {v.casefold() for v in unmapped} == {"not recruiting", "authorised"}


def test_every_ctis_overall_and_site_status_is_recognised():
    path = next(shared_path("real", "euctr", "ctis").glob("*.csv"))
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    overall = [normalize_status(row["Overall trial status"]) for row in rows]
    assert all(v in STATUSES for v in overall)
    # per-country statuses "Croatia:Authorised, recruiting, Bulgaria:..." (except "Not authorised")
    site_statuses = set()
    for row in rows:
        site_statuses |= set(re.findall(r":([^:]+?)(?=, [A-Z][a-z]+:|$)", row["Location(s) and recruitment status"]))
    recognised = {s for s in site_statuses if s != "Not authorised"}
    assert len(recognised) >= 5
    assert all(normalize_status(s) in STATUSES for s in recognised)
