"""ClinicalTrials.gov API v2 JSON files -> records (source "ctgov_json"), one per study.

A file holds one study object, a `{"studies": [...]}` download (pretty or compact), a JSON
list of studies, or JSON Lines (one study per line). Each study is parsed by
parsers.sources.ctgov_json.parse_study.

Record keys: a file with exactly one study is one record with key None (its record_id stays
the file's); otherwise each study is keyed by its NCT id, or by its 1-based position (its line
number in JSON Lines) when it has none. An element that is not a v2 study, or a JSON Lines line
that does not parse, quarantines that record only.
"""
from __future__ import annotations

import json
from typing import Any

from parsers.record import RecordOutcome, parsed_outcome
from parsers.sources import ctgov_json
from parsers.sources.ctgov_json import is_v2_study

SOURCE = "ctgov_json"
NOT_A_STUDY = "JSON but not a ClinicalTrials.gov v2 study (no protocolSection.identificationModule.nctId)"


def sniff(text: str) -> bool:
    """Starts like JSON (a page may too: a "[bracketed] title"; intake falls back to pages)."""
    return text.lstrip("\ufeff \t\r\n")[:1] in ("{", "[")


def split(text: str) -> list[RecordOutcome]:
    try:
        data = json.loads(text)
    except RecursionError:
        return [_failed(None, "malformed_json", "nested too deeply")]
    except ValueError as exc:
        lines = _json_lines(text)
        if lines is None:
            return [_failed(None, "malformed_json", str(exc)[:500])]
        return lines
    if isinstance(data, dict) and "studies" in data:
        studies = data["studies"]
        if not isinstance(studies, list):
            return [_failed(None, "unknown_layout", "JSON 'studies' is not a list")]
    else:
        studies = data if isinstance(data, list) else [data]
    if not studies:
        return [_failed(None, "unknown_layout", "JSON holds no study")]
    if len(studies) == 1:
        return [_study_outcome(None, studies[0])]
    return [_study_outcome(_key(study, position), study) for position, study in enumerate(studies, 1)]


def _json_lines(text: str) -> list[RecordOutcome] | None:
    """JSON Lines: every non-blank line is one JSON value. None when the first non-blank line is
    not a JSON object on its own (then the file is one malformed JSON document, not JSON Lines)."""
    numbered = [(n, line) for n, line in enumerate(text.lstrip("\ufeff").splitlines(), 1) if line.strip()]
    if len(numbered) < 2:
        return None
    outcomes: list[RecordOutcome] = []
    for n, line in numbered:
        try:
            study = json.loads(line)
        except (ValueError, RecursionError) as exc:
            if not outcomes:
                return None
            outcomes.append(_failed(f"line-{n}", "malformed_json", f"line {n}: {str(exc)[:300]}"))
            continue
        if not outcomes and not isinstance(study, dict):
            return None
        outcomes.append(_study_outcome(_key(study, n, "line-"), study))
    return outcomes


def _key(study: Any, position: int, prefix: str = "") -> str:
    if is_v2_study(study):
        nct = study["protocolSection"]["identificationModule"]["nctId"].strip()
        if nct:
            return nct
    return f"{prefix}{position}"


def _study_outcome(key: str | None, study: Any) -> RecordOutcome:
    if not is_v2_study(study):
        return _failed(key, "unknown_layout", NOT_A_STUDY)
    return parsed_outcome(key, ctgov_json.parse_study, study)  # looked up at call time: tests patch it


def _failed(key: str | None, reason: str, detail: str) -> RecordOutcome:
    return RecordOutcome(key, reason=reason, detail=detail)
