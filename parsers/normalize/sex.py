"""Sex / gender eligibility -> v2 Sex (FEMALE, MALE, ALL)."""
from __future__ import annotations

import re

from parsers.normalize.text import NOT_GIVEN, enum_table, lookup

_TABLE = enum_table(("FEMALE", "MALE", "ALL"), {
    "Both": "ALL",
    "Female, Male": "ALL",  # CTIS lists both sexes
    "Male, Female": "ALL",
    "Male and Female": "ALL",
    "Female and Male": "ALL",
    "Both males and females": "ALL",
    "Both, male and female": "ALL",
    "Males and females": "ALL",
    "Females": "FEMALE",
    "Women": "FEMALE",
    "Males": "MALE",
    "Men": "MALE",
})
# EUCTR / ICTRP matrix: "<br>Female: yes<br>Male: yes<br>"
_MATRIX_ROW = re.compile(r"\b(female|male)\s*:\s*(yes|no)\b", re.IGNORECASE)


def normalize_sex(raw: str | None) -> str | None:
    """"All" / "Both" / "Female, Male" -> "ALL"; "Female" -> "FEMALE"; "Not specified" -> None."""
    if raw is not None:
        rows = _MATRIX_ROW.findall(str(raw))
        if rows:
            said = {sex.casefold() for sex, answer in rows if answer.casefold() == "yes"}
            if said == {"female", "male"}:
                return "ALL"
            if len(said) == 1:
                return said.pop().upper()
            return None
    return lookup("sex", raw, _TABLE, NOT_GIVEN | {"n/a", "unknown"})


