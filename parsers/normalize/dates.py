"""Dates -> ISO strings that keep the precision the source gave: "2007", "2007-03", "2007-03-31".

v2 PartialDate is yyyy | yyyy-MM | yyyy-MM-dd; we never invent a day or month (AACT's
end-of-month fill would fake precision). Numeric day/month orders are ambiguous across
registries ("10/04/2020"), so the caller says the order: "ymd" (default, ISO-like), "dmy"
(EU, CTIS "17/09/2024") or "mdy" (US). Month names are unambiguous and parsed in any order.
"""
from __future__ import annotations

import calendar
import re
from datetime import date

from parsers.normalize import Unmapped
from parsers.normalize.text import NOT_GIVEN, lookup_key, squash

FIELD = "date"
_MONTHS = {name.casefold(): i for i, name in enumerate(calendar.month_name) if name}
_MONTHS.update({name.casefold(): i for i, name in enumerate(calendar.month_abbr) if name})
_MONTHS["sept"] = 9
_NOT_GIVEN_KEYS = frozenset(lookup_key(s) for s in NOT_GIVEN) | {"n a", "na", "unknown"}

_ISO = re.compile(r"^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$", re.IGNORECASE)
_NUMERIC = re.compile(r"^(\d{1,4})[/.\-](\d{1,2})[/.\-](\d{1,4})$")
_WORDS = re.compile(r"[a-z]+|\d+")


def normalize_date(raw: str | date | None, order: str = "ymd") -> str | None:
    """"March 31, 2007" / "31 March 2007" / "2007-03-31" -> "2007-03-31"; "March 2007" -> "2007-03".

    order ("ymd" | "dmy" | "mdy") applies to all-numeric dates with separators ("31/03/2007").
    "2020-03-07T00:00:00" -> "2020-03-07". Impossible dates (2007-02-30) raise Unmapped.
    """
    if raw is None:
        return None
    if isinstance(raw, date):
        return raw.isoformat()
    if order not in ("ymd", "dmy", "mdy"):
        raise ValueError(f"order must be ymd, dmy or mdy, not {order!r}")
    text = squash(raw).casefold()
    if lookup_key(text) in _NOT_GIVEN_KEYS:
        return None
    iso = _ISO.match(text)
    if iso:
        return _build(raw, iso.group(1), iso.group(2), iso.group(3))
    numeric = _NUMERIC.match(text)
    if numeric:
        a, b, c = numeric.groups()
        if len(a) == 4:  # a leading 4-digit year is always y-m-d
            return _build(raw, a, b, c)
        day_month = (a, b) if order == "dmy" else (b, a) if order == "mdy" else None
        if day_month is None or len(c) != 4:
            raise Unmapped(FIELD, raw)
        return _build(raw, c, day_month[1], day_month[0])
    return _from_words(raw, text)


def _from_words(raw: object, text: str) -> str:
    """"march 31, 2007" / "31 march 2007" / "march 2007" / "31-mar-2007" (month written as a word)."""
    tokens = _WORDS.findall(text)
    months = [t for t in tokens if not t.isdigit()]
    numbers = [t for t in tokens if t.isdigit()]
    if len(months) != 1 or months[0].rstrip(".") not in _MONTHS or not 1 <= len(numbers) <= 2:
        raise Unmapped(FIELD, raw)
    month = _MONTHS[months[0]]
    years = [n for n in numbers if len(n) == 4]
    days = [n for n in numbers if len(n) <= 2]
    # ordinal suffixes ("1st") would be letter tokens and already rejected above
    if len(years) != 1 or len(days) != len(numbers) - 1:
        raise Unmapped(FIELD, raw)
    return _build(raw, years[0], str(month), days[0] if days else None)


def _build(raw: object, year: str, month: str | None, day: str | None) -> str:
    y = int(year)
    if month is None:
        return f"{y:04d}"
    m = int(month)
    if not 1 <= m <= 12:
        raise Unmapped(FIELD, raw)
    if day is None:
        return f"{y:04d}-{m:02d}"
    try:
        return date(y, m, int(day)).isoformat()
    except ValueError:
        raise Unmapped(FIELD, raw) from None
