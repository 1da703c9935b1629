"""Intervention type, arm group type and sponsor agency class -> v2 enums."""
from __future__ import annotations

import re

from parsers.normalize import Unmapped
from parsers.normalize.text import enum_table, lookup, squash
from parsers.normalize.vocab import AGENCY_CLASS_ORDER, ARM_TYPE_ORDER, INTERVENTION_TYPE_ORDER

_INTERVENTION_TYPE = enum_table(INTERVENTION_TYPE_ORDER, {
    "Biologic": "BIOLOGICAL",
    "Biological/Vaccine": "BIOLOGICAL",  # legacy CT.gov
    "Dietary Supplement": "DIETARY_SUPPLEMENT",
    "Diagnostic Test": "DIAGNOSTIC_TEST",
    "Combination Product": "COMBINATION_PRODUCT",
    "Behavioural": "BEHAVIORAL",
    "Procedure/Surgery": "PROCEDURE",  # legacy CT.gov
    "Radiotherapy": "RADIATION",
    "Gene Transfer": "GENETIC",  # legacy CT.gov
})

_ARM_TYPE = enum_table(ARM_TYPE_ORDER, {
    "Active Comparator": "ACTIVE_COMPARATOR",
    "Placebo Comparator": "PLACEBO_COMPARATOR",
    "Sham Comparator": "SHAM_COMPARATOR",
    "No Intervention": "NO_INTERVENTION",
})
# Veeva prints "Experimental group", "No Intervention group": the suffix adds nothing.
_GROUP_SUFFIX = re.compile(r"\s+(?:group|arm)$", re.IGNORECASE)

_AGENCY_CLASS = enum_table(AGENCY_CLASS_ORDER, {
    "U.S. Fed": "FED",
    "US Fed": "FED",
    "Other U.S. Federal agency": "FED",
    "U.S. Federal agency": "FED",
    "Other Gov": "OTHER_GOV",
    "Other government": "OTHER_GOV",
    "Individual": "INDIV",
    "Ambiguous": "AMBIG",
    # EU registers: the sponsor's status (EU CTR B.3.1) / type (CTIS). CT.gov classes hospitals,
    # universities and patient groups as OTHER; "Non-commercial" and "Laboratory/Research/
    # Testing facility" straddle several classes and stay unmapped.
    "Commercial": "INDUSTRY",
    "Pharmaceutical company": "INDUSTRY",
    "Hospital/Clinic/Other health care facility": "OTHER",
    "Educational Institution": "OTHER",
    "Patient organisation/association": "OTHER",
})


def normalize_intervention_type(raw: str | None) -> str | None:
    """"Biological" -> "BIOLOGICAL"; "Dietary Supplement" -> "DIETARY_SUPPLEMENT"."""
    return lookup("intervention_type", raw, _INTERVENTION_TYPE)


def normalize_arm_type(raw: str | None) -> str | None:
    """"Experimental group" -> "EXPERIMENTAL"; "Placebo Comparator" -> "PLACEBO_COMPARATOR"."""
    if raw is None:
        return None
    try:
        return lookup("arm_type", _GROUP_SUFFIX.sub("", squash(raw)), _ARM_TYPE)
    except Unmapped:
        raise Unmapped("arm_type", raw) from None


def normalize_agency_class(raw: str | None) -> str | None:
    """"Industry" -> "INDUSTRY"; "U.S. Fed" -> "FED"; "Individual" -> "INDIV"; "Unknown" -> "UNKNOWN"."""
    return lookup("agency_class", raw, _AGENCY_CLASS)
