"""Helpers shared by the export readers: list cells, member-state statuses, CSV rows."""
from __future__ import annotations

import pytest

from parsers.sources.eu_common import CsvRows, csv_header, member_state_status, most_common, new_record, split_capitalised_list


@pytest.mark.parametrize(("text", "expected"), [
    ("Myasthenia Gravis, Relapsing multiple sclerosis", ["Myasthenia Gravis", "Relapsing multiple sclerosis"]),
    ("Multiple Sclerosis, Multiple Sclerosis", ["Multiple Sclerosis"]),
    ("Relapsing Multiple Sclerosis (RMS), Progressive Multiple Sclerosis (PMS)",
     ["Relapsing Multiple Sclerosis (RMS)", "Progressive Multiple Sclerosis (PMS)"]),
    # prose: a comma before a lower-case word or inside parentheses is not a separator
    ("Chronic obstructive pulmonary disease (COPD), amyotrophic lateral sclerosis (ALS)",
     ["Chronic obstructive pulmonary disease (COPD), amyotrophic lateral sclerosis (ALS)"]),
    ("Relapsing Multiple Sclerosis (relapsing-remitting, Relapsing-progressive)",
     ["Relapsing Multiple Sclerosis (relapsing-remitting, Relapsing-progressive)"]),
    ("", []), (None, []),
])
def test_split_capitalised_list(text, expected):
    assert split_capitalised_list(text) == expected


@pytest.mark.parametrize(("states", "expected", "warning"), [
    ([("GB", "Completed"), ("DE", "Completed")], "COMPLETED", None),
    ([("DE", "Prematurely Ended")], "TERMINATED", None),
    ([("SE", "Completed"), ("NL", "Prematurely Ended")], None, "status_differs_by_member_state: COMPLETED: SE; TERMINATED: NL"),
    ([("ES", "Ongoing"), ("FR", "Completed")], None, "unmapped_value: status='Ongoing'"),
    ([], None, None),
])
def test_member_state_status(states, expected, warning):
    record = new_record("euctr")
    assert member_state_status(record, states) == expected
    assert record.warnings == ([warning] if warning else [])


def test_most_common_ties_go_to_the_first_seen():
    assert most_common(["15", "15", "9"]) == ("15", ["15", "9"])
    assert most_common(["a", "b"]) == ("a", ["a", "b"])
    assert most_common([None, ""]) == (None, [])


def test_csv_rows_give_the_line_where_each_row_starts():
    rows = CsvRows('\ufeffa,b\r\n1,"two\nlines"\n\n3,4\n')
    assert rows.header == ["a", "b"]
    assert list(rows) == [(2, ["1", "two\nlines"]), (5, ["3", "4"])]
    assert csv_header("not a csv header") == []
