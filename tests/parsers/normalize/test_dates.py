from __future__ import annotations

from datetime import date

import pytest

from parsers.normalize import Unmapped
from parsers.normalize.dates import normalize_date


@pytest.mark.parametrize(("raw", "order", "expected"), [
    ("2007-03-31", "ymd", "2007-03-31"),
    ("2007-03", "ymd", "2007-03"),
    ("2007", "ymd", "2007"),
    ("2007-3-5", "ymd", "2007-03-05"),
    ("March 2007", "ymd", "2007-03"),
    ("Mar 2007", "ymd", "2007-03"),
    ("March 31, 2007", "ymd", "2007-03-31"),
    ("31 March 2007", "ymd", "2007-03-31"),
    ("31-Mar-2007", "ymd", "2007-03-31"),
    ("31/03/2007", "dmy", "2007-03-31"),
    ("03/31/2007", "mdy", "2007-03-31"),
    ("10/04/2020", "dmy", "2020-04-10"),
    ("10/04/2020", "mdy", "2020-10-04"),
    ("2020/04/10", "dmy", "2020-04-10"),  # a leading 4-digit year is always y-m-d
    ("2020-03-07T00:00:00", "ymd", "2020-03-07"),
    ("2020-03-07 12:30", "ymd", "2020-03-07"),
    ("2008-02-29", "ymd", "2008-02-29"),
    ("", "ymd", None),
    ("N/A", "ymd", None),
    (None, "ymd", None),
])
def test_normalize_date(raw, order, expected):
    assert normalize_date(raw, order=order) == expected


def test_date_objects_pass_through():
    assert normalize_date(date(2007, 3, 31)) == "2007-03-31"


@pytest.mark.parametrize(("raw", "order"), [
    ("2007-02-30", "ymd"),
    ("2007-02-29", "ymd"),
    ("2007-13", "ymd"),
    ("March 32, 2007", "ymd"),
    ("31/03/2007", "ymd"),  # numeric day/month needs an explicit order
    ("31/03/2007", "mdy"),
    ("soon", "ymd"),
    ("Q3 2007", "ymd"),
    ("March April 2007", "ymd"),
])
def test_invalid_or_ambiguous_dates_are_unmapped(raw, order):
    with pytest.raises(Unmapped):
        normalize_date(raw, order=order)


def test_unknown_order_is_a_programming_error():
    with pytest.raises(ValueError):
        normalize_date("2007", order="ydm")
