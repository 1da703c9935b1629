"""Overall status: any registry's wording -> v2 OverallStatus.

An exact table (after case/punctuation folding), no pattern guessing: a registry status is
mapped only where its meaning matches one v2 value. Spellings that straddle several v2
values raise Unmapped so the raw string is kept and counted, e.g. EUCTR "Ongoing" (recruiting
or not?), ICTRP "Not recruiting" (not yet, or no longer?), "Authorised-recruitment may be
ongoing or finished", CTIS "Not authorised", "Pending".

Sources of the spellings: CT.gov display strings (legacy XML / website), CTIS and EU CTR
overall statuses, MedPath (which shows the CTIS wording), and the WHO ICTRP recruitment
statuses listed in OpenTrials processors/ictrp/extractors.py (opentrials/processors).
"""
from __future__ import annotations

from parsers.normalize.text import enum_table, lookup
from parsers.normalize.vocab import STATUS_ORDER

FIELD = "status"

_SPELLINGS: dict[str, str | None] = {
    # CT.gov display strings that differ from the enum spelling
    "Unknown status": "UNKNOWN",
    "Unknown": "UNKNOWN",
    # CTIS / EU CTR / MedPath
    "Authorised, recruiting": "RECRUITING",
    "Authorised, recruitment pending": "NOT_YET_RECRUITING",
    "Authorised, not started": "NOT_YET_RECRUITING",
    "Authorised, not yet recruiting": "NOT_YET_RECRUITING",
    "Ongoing, recruiting": "RECRUITING",
    "Ongoing, not yet recruiting": "NOT_YET_RECRUITING",
    "Ongoing, recruitment pending": "NOT_YET_RECRUITING",
    "Ongoing, recruitment ended": "ACTIVE_NOT_RECRUITING",
    # CTIS "Ended" = end of trial notified; early ends are "Prematurely ended" (as ctrdata reads it)
    "Ended": "COMPLETED",
    "Prematurely ended": "TERMINATED",
    "Temporarily halted": "SUSPENDED",
    "Halted": "SUSPENDED",
    "Suspended by CA": "SUSPENDED",
    # ICTRP recruitment statuses (spellings from OpenTrials processors/ictrp/extractors.py)
    "Complete": "COMPLETED",
    "Closed: follow-up complete": "COMPLETED",
    "Closed to recruitment: follow up complete": "COMPLETED",
    "Complete: follow-up complete": "COMPLETED",
    "Completed: recruitment & data analysis complete": "COMPLETED",
    "Data analysis completed": "COMPLETED",
    "Finished": "COMPLETED",
    "Main results already published": "COMPLETED",
    "Closed: follow-up continuing": "ACTIVE_NOT_RECRUITING",
    "Closed to recruitment: follow up continuing": "ACTIVE_NOT_RECRUITING",
    "Complete: follow-up continuing": "ACTIVE_NOT_RECRUITING",
    "No longer recruiting": "ACTIVE_NOT_RECRUITING",
    "Recruitment completed": "ACTIVE_NOT_RECRUITING",
    "Early termination": "TERMINATED",
    "Stopped early": "TERMINATED",
    "Interrupted": "SUSPENDED",
    "Temporarily closed": "SUSPENDED",
    "Temporary halt": "SUSPENDED",
    "Temporary halt or suspension": "SUSPENDED",
    "Open public recruiting": "RECRUITING",
    "Open to recruitment: actively recruiting participants": "RECRUITING",
    "Pending (not yet recruiting)": "NOT_YET_RECRUITING",
}
# EU wording is British; pages and translations also write "Authorized".
_SPELLINGS.update({k.replace("Authorised", "Authorized"): v for k, v in list(_SPELLINGS.items())})

_TABLE = enum_table(STATUS_ORDER, _SPELLINGS)


def normalize_status(raw: str | None) -> str | None:
    """"Active, not recruiting" -> "ACTIVE_NOT_RECRUITING"; "Authorised, recruiting" -> "RECRUITING"."""
    return lookup(FIELD, raw, _TABLE)
