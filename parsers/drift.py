"""Layout drift: which record warnings say a page departed from its layout."""
from __future__ import annotations

DRIFT_CODES = frozenset({"unknown_heading", "unused_lines", "heading_variant", "chrome_removed", "section_order",
                         "spacing_drift", "suspect_value", "joined_lines", "html_drift", "missing_section"})


def warning_code(warning: str) -> str:
    return warning.split(":", 1)[0]


def has_drift_warning(warnings) -> bool:
    return any(warning_code(w) in DRIFT_CODES for w in warnings)
