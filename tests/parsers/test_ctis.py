"""ctis reader on the real CTIS search export: every row a record, every field against the CSV."""
from __future__ import annotations

import csv
import io
import re
from datetime import datetime

import pytest

from parsers.sources import ctis
from tests.conftest import shared_path
from tests.parsers.export_files import decoded, other_texts

# The export's words -> v2, as decided in parsers/normalize/status.py (CTIS rows) and phase.py.
STATUS = {
    "Ongoing, recruitment ended": "ACTIVE_NOT_RECRUITING", "Ongoing, recruiting": "RECRUITING",
    "Authorised, recruitment pending": "NOT_YET_RECRUITING", "Authorised, recruiting": "RECRUITING",
    "Ended": "COMPLETED", "Temporarily halted": "SUSPENDED",
}
PHASE = {
    "Human Pharmacology (Phase I)-  Other": "PHASE1",
    "Human Pharmacology (Phase I)- Bioequivalence Study": "PHASE1",
    "Human Pharmacology (Phase I)- First administration to humans": "PHASE1",
    "Phase I and Phase II (Integrated)- First administration to humans": "PHASE1/PHASE2",
    "Phase I and Phase II (Integrated)- Other": "PHASE1/PHASE2",
    "Phase II and Phase III (Integrated)": "PHASE2/PHASE3",
    "Phase III and phase IV (Integrated)": "PHASE3/PHASE4",
    "Therapeutic confirmatory  (Phase III)": "PHASE3",
    "Therapeutic exploratory (Phase II)": "PHASE2",
    "Therapeutic use (Phase IV)": "PHASE4",
}
SEX = {"Female, Male": "ALL", "Female": "FEMALE", "Male": "MALE"}
# (Age group, Age range secondary identifier) -> (min, max) years: the lowest and highest bound
# of the groups, a group narrowed by the secondary groups inside it ("65-84 years" in "65+").
AGES = {
    ("0-17 years", "N/A"): (0.0, 17.0),
    ("0-17 years", "6-11 years, 12-17 years"): (6.0, 17.0),
    ("0-17 years", "2-5 years, 6-11 years, 12-17 years"): (2.0, 17.0),
    ("18-64 years", "N/A"): (18.0, 64.0),
    ("18-64 years, 65+ years", "N/A"): (18.0, None),
    ("65+ years, 18-64 years", "N/A"): (18.0, None),
    ("18-64 years, 65+ years", "65-84 years"): (18.0, 84.0),
    ("65+ years, 18-64 years", "65-84 years"): (18.0, 84.0),
    ("65+ years, 18-64 years", "65-84 years, 85+ years"): (18.0, None),
}
# Sponsor type of the lead -> v2 AgencyClass (CT.gov classes hospitals, universities and patient
# groups as OTHER); None = no single class: kept raw with a warning.
SPONSOR_CLASS = {
    "Pharmaceutical company": "INDUSTRY", "Hospital/Clinic/Other health care facility": "OTHER",
    "Educational Institution": "OTHER", "Patient organisation/association": "OTHER",
    "Laboratory/Research/Testing facility": None, "Health care": None,
}
UNMAPPED_SPONSOR_TYPES = {t for t, v in SPONSOR_CLASS.items() if v is None}


@pytest.fixture(scope="module")
def path():
    return shared_path("real", "euctr", "ctis", "mswarriors__CTIS_trials_20250924.csv")


@pytest.fixture(scope="module")
def rows(path):
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def outcomes(path):
    return ctis.split(decoded(path))


def _date(text):
    return None if text == "N/A" else datetime.strptime(text, "%d/%m/%Y").date().isoformat()


def test_every_row_is_one_record_keyed_by_its_eu_ct_number(rows, outcomes):
    assert len(rows) == 104
    assert [o.record_key for o in outcomes] == [r["Trial number"] for r in rows]
    assert [o.reason for o in outcomes if o.record is None] == []


def test_every_record_matches_its_row(rows, outcomes):
    for row, outcome in zip(rows, outcomes, strict=True):
        record, number = outcome.record, row["Trial number"]
        ids = {(i.value, i.id_type) for i in record.identifiers}
        assert (number, "EU_CT") in ids, number
        if row["Protocol code"] != "N/A":
            # kept as shown (raw); the value is cleaned (dashes unified) by classify_identifier
            assert (row["Protocol code"], "ORG_STUDY_ID") in {(i.raw, i.id_type) for i in record.identifiers}, number
        assert record.title == row["Title of the trial"].strip()
        assert record.status == STATUS[row["Overall trial status"]], number
        assert record.phase == PHASE[row["Trial phase"]], number
        assert record.study_type == "INTERVENTIONAL"
        assert (record.enrollment, record.enrollment_type) == (int(row["Number of participants enrolled"]), None)
        assert record.start_date == _date(row["Start date"]), number
        assert record.completion_date == _date(row["Global end of the trial"]), number
        assert record.last_update_date == _date(row["Last updated"]), number
        assert (record.min_age_years, record.max_age_years) == AGES[(row["Age group"], row["Age range secondary identifier"])]
        assert record.sex == SEX[row["Gender"]]
        assert record.lead_sponsor and row["Sponsor/Co-Sponsors"].startswith(record.lead_sponsor)
        assert record.sponsors[0].name == record.lead_sponsor and record.sponsors[0].role == "lead"
        first_type = row["Sponsor type"].split(",")[0]
        assert record.lead_sponsor_class == SPONSOR_CLASS[first_type], number
        # conditions: pieces of the cell that, with ", " between them, rebuild it
        names = [c.name for c in record.conditions]
        assert names and all(name in row["Medical conditions"] for name in names), number
        assert re.sub("|".join(map(re.escape, sorted(names, key=len, reverse=True))), "", row["Medical conditions"]).strip(", \n") == ""
        countries = re.findall(r"(?:^|, )([A-Z][^:,]*):", row["Location(s) and recruitment status"])
        assert record.countries == list(dict.fromkeys(countries)), number
        assert record.raw["status"] == row["Overall trial status"]
        assert record.raw["phase"] == row["Trial phase"]


def test_only_sponsor_types_without_one_class_are_unmapped(outcomes):
    unmapped = {w for o in outcomes for w in o.record.warnings if w.startswith("unmapped_value")}
    assert unmapped == {f"unmapped_value: lead_sponsor_class={t!r}" for t in UNMAPPED_SPONSOR_TYPES}


def test_sniff_claims_the_ctis_export_and_nothing_else(path):
    assert ctis.sniff(decoded(path))
    assert ctis.sniff(path.read_text(encoding="utf-8"))  # BOM still there
    claimed = [p for p, text in other_texts(path) if ctis.sniff(text)]
    assert claimed == []


def _csv(header, rows):
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def test_column_order_does_not_matter(rows, outcomes):
    header = list(rows[0])[::-1]
    text = _csv(header, [[r[h] for h in header] for r in rows[:5]])
    assert [o.record.to_dict() for o in ctis.split(text)] == [o.record.to_dict() for o in outcomes[:5]]


def test_one_bad_row_quarantines_that_row_only(rows):
    header = list(rows[0])
    good = [[r[h] for h in header] for r in rows if not any("\n" in v for v in r.values())][:3]  # one line each
    short = good[1][:-1]  # a cell lost
    no_id = list(good[2])
    no_id[header.index("Trial number")] = "N/A"
    outcomes = ctis.split(_csv(header, [good[0], short, no_id]))
    assert [(o.reason, o.record is not None) for o in outcomes] == [(None, True), ("malformed_row", False), ("no_identifier", False)]
    assert outcomes[1].record_key == "line3" and "23 cells" in outcomes[1].detail
    assert outcomes[2].record_key == "line4"


def test_a_header_without_rows_is_one_file_level_outcome(rows):
    [outcome] = ctis.split(_csv(list(rows[0]), []))
    assert (outcome.record_key, outcome.record, outcome.reason) == (None, None, "empty")
