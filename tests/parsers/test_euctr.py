"""euctr reader on the real EU CTR summary and full-text downloads, field by field."""
from __future__ import annotations

import re
from collections import Counter

import pytest

from parsers.sources import euctr
from tests.conftest import shared_path
from tests.parsers.export_files import decoded, other_texts

SUMMARY = ("real", "euctr", "miracle_takehome__trials-summary.txt")
FULLTEXT = ("real", "euctr", "ctrdata__test_error_trials_euctr.txt")

# Member-state status words -> v2. "Ongoing" (recruiting or not?) has no single v2 value.
STATE_STATUS = {"Completed": "COMPLETED", "Prematurely Ended": "TERMINATED", "Temporarily Halted": "SUSPENDED",
                "Ongoing": None}
COUNTRY = {"AT": "Austria", "BE": "Belgium", "BG": "Bulgaria", "CZ": "Czechia", "DE": "Germany", "DK": "Denmark",
           "EE": "Estonia", "ES": "Spain", "FI": "Finland", "FR": "France", "GB": "United Kingdom", "HR": "Croatia",
           "HU": "Hungary", "IT": "Italy", "LV": "Latvia", "NL": "Netherlands", "PL": "Poland", "SE": "Sweden",
           "SK": "Slovakia"}
SEX = {"Male, Female": "ALL", "Female": "FEMALE", "Male": "MALE"}
# EU CTR age groups and their bounds in years (None = open); "Under 18" only counts alone.
AGE_GROUP = {"In utero": (0.0, 0.0), "Preterm newborn infants": (0.0, 27 / 365.25), "Newborns": (0.0, 27 / 365.25),
             "Infants and toddlers": (28 / 365.25, 23 / 12), "Children": (2.0, 11.0), "Adolescents": (12.0, 17.0),
             "Under 18": (0.0, 17.0), "Adults": (18.0, 64.0), "Elderly": (65.0, None)}
LABELS = ("EudraCT Number", "Sponsor Protocol Number", "Sponsor Name", "Full Title", "Start Date", "Medical condition",
          "Disease", "Population Age", "Gender", "Trial protocol", "Link")


def _summary_blocks(raw: str) -> list[dict[str, str]]:
    """Independent reading: a block per "EudraCT Number:" line; label lines, continuation lines."""
    blocks = []
    for chunk in re.split(r"(?m)^(?=EudraCT Number:)", raw.replace("\r\n", "\n"))[1:]:
        block, last = {}, None
        for line in chunk.split("\n"):
            label = next((lab for lab in LABELS if line.startswith(lab + ":")), None)
            if label:
                last = label
                block.setdefault(label, line[len(label) + 1:].strip())
            elif line.strip() and last == "Medical condition":
                block[last] += "\n" + line.strip()
        blocks.append(block)
    return blocks


def _age_range(text):
    groups = [g.strip() for g in text.split(",")]
    if any(g != "Under 18" and AGE_GROUP[g][1] is not None and AGE_GROUP[g][1] < 18 for g in groups):
        groups = [g for g in groups if g != "Under 18"]
    bounds = [AGE_GROUP[g] for g in groups]
    highs = [h for _, h in bounds]
    return min(low for low, _ in bounds), (None if None in highs else max(highs))


@pytest.fixture(scope="module")
def summary():
    path = shared_path(*SUMMARY)
    raw = path.read_bytes().decode("utf-8")
    return raw, euctr.split(decoded(path))


def test_summary_download_mixes_line_ends_and_reads_the_same_either_way(summary):
    raw, outcomes = summary
    assert "\r\n" in raw and re.search(r"[^\r]\n", raw)
    assert [o.record.to_dict() for o in euctr.split(raw)] == [o.record.to_dict() for o in outcomes]


def test_summary_every_trial_is_one_record(summary):
    raw, outcomes = summary
    numbers = re.findall(r"(?m)^EudraCT Number:\s+(\S+)", raw)
    assert len(numbers) == 100
    assert [o.record_key for o in outcomes] == numbers
    assert [o.reason for o in outcomes if o.record is None] == []


def test_summary_records_match_their_blocks(summary):
    raw, outcomes = summary
    for block, outcome in zip(_summary_blocks(raw), outcomes, strict=True):
        record, number = outcome.record, block["EudraCT Number"]
        ids = {(i.value, i.id_type) for i in record.identifiers}
        assert (number, "EUDRACT") in ids
        # an org id; one that has a registry id's shape keeps that type (one trial uses its EudraCT number)
        assert block["Sponsor Protocol Number"] in {i.raw for i in record.identifiers} | {i.value for i in record.identifiers}
        assert record.title == record.official_title == block["Full Title"]
        assert record.lead_sponsor == block["Sponsor Name"]
        start = block["Start Date"]
        assert record.start_date == (start if re.fullmatch(r"\d{4}-\d\d-\d\d", start) else None), number
        assert record.sex == SEX[block["Gender"]]
        assert (record.min_age_years, record.max_age_years) == pytest.approx(_age_range(block["Population Age"])), number
        assert [c.name for c in record.conditions] == list(dict.fromkeys(filter(None, block["Medical condition"].split("\n"))))
        states = re.findall(r"([A-Z]{2})\(([^()]*)\)", block["Trial protocol"])
        assert record.countries == [COUNTRY[code] for code, _ in states], number
        statuses = [s for _, s in states if "no longer in EU/EEA" not in s]
        mapped = {STATE_STATUS[s] for s in statuses}
        expected = mapped.pop() if len(mapped) == 1 and None not in mapped else None
        assert record.status == expected, number
        if "Ongoing" in statuses:
            assert "unmapped_value: status='Ongoing'" in record.warnings
        assert record.raw["trial_protocol"] == block["Trial protocol"]
        assert record.phase is None and record.enrollment is None  # the summary shows neither


def test_summary_mixed_member_state_statuses_stay_raw(summary):
    _, outcomes = summary
    mixed = [o.record for o in outcomes if any(w.startswith("status_differs_by_member_state") for w in o.record.warnings)]
    assert mixed and all(r.status is None and "status_by_member_state" in r.raw for r in mixed)


@pytest.fixture(scope="module")
def fulltext():
    path = shared_path(*FULLTEXT)
    raw = path.read_text(encoding="utf-8")
    return raw, euctr.split(decoded(path))


def _blocks_by_trial(raw):
    out: dict[str, list[str]] = {}
    for chunk in re.split(r"(?m)^Summary\n(?=EudraCT Number:)", raw)[1:]:
        number = re.match(r"EudraCT Number: (\S+)", chunk).group(1)
        out.setdefault(number, []).append(chunk)
    return out


def _lines(chunk, code):
    return [m.group(1).strip() for m in re.finditer(rf"(?m)^{re.escape(code)} [^:\n]*: ?(.*)$", chunk)]


def test_fulltext_ten_member_state_blocks_make_two_trials(fulltext):
    raw, outcomes = fulltext
    blocks = _blocks_by_trial(raw)
    assert sum(len(b) for b in blocks.values()) == 10
    assert [o.record_key for o in outcomes] == list(blocks) == ["2022-002568-62", "2021-002179-21"]
    for outcome in outcomes:
        states = [_lines(chunk, "A.1")[0].split(" - ")[0] for chunk in blocks[outcome.record_key]]
        assert outcome.record.raw["member_state_records"] == str(len(states))
        assert outcome.record.raw["status_by_member_state"] == "; ".join(f"{s}: Ongoing" for s in states)
        assert set(states) <= set(outcome.record.countries)


def test_fulltext_fields_match_every_member_state_block(fulltext):
    raw, outcomes = fulltext
    for outcome in outcomes:
        record, chunks = outcome.record, _blocks_by_trial(raw)[outcome.record_key]
        for chunk in chunks:
            roman = re.findall(r"(?m)^E\.7\.[1-4] [^(\n]*\(Phase (I{1,3}|IV)\): Yes", chunk)
            order = ["I", "II", "III", "IV"]
            assert record.phase == "/".join(f"PHASE{order.index(r) + 1}" for r in roman), outcome.record_key
            assert record.sex == "ALL" and _lines(chunk, "F.2.1") == ["Yes"] and _lines(chunk, "F.2.2") == ["Yes"]
            assert _lines(chunk, "F.1.2") == ["Yes"] and _lines(chunk, "F.1.3") == ["Yes"]
            assert (record.min_age_years, record.max_age_years) == (18.0, None)  # Adults + Elderly
            assert record.healthy_volunteers is (_lines(chunk, "F.3.1") == ["Yes"])
        totals = Counter(t for chunk in chunks for t in _lines(chunk, "F.4.2.2"))
        assert (record.enrollment, record.enrollment_type) == (int(totals.most_common(1)[0][0]), "ESTIMATED")
        assert record.status is None and "unmapped_value: status='Ongoing'" in record.warnings
        assert record.study_type == "INTERVENTIONAL"
        assert (outcome.record_key, "EUDRACT") in {(i.value, i.id_type) for i in record.identifiers}


def test_fulltext_disagreeing_member_states_are_warned_not_hidden(fulltext):
    _, outcomes = fulltext
    avb = outcomes[0].record
    assert avb.phase == "PHASE1/PHASE2" and avb.enrollment == 15  # two SE blocks say 15 and 9
    assert any(w.startswith("member_states_disagree: enrollment: 15 | 9") for w in avb.warnings)
    # E.8.1: not randomised, no arm count (allocation unknown), open label, neither parallel nor cross-over
    assert (avb.allocation, avb.masking, avb.intervention_model) == (None, "NONE", None)
    masitinib = outcomes[1].record
    assert masitinib.phase == "PHASE3" and masitinib.lead_sponsor == "AB Science"
    assert (masitinib.allocation, masitinib.masking, masitinib.intervention_model) == ("RANDOMIZED", "DOUBLE", "PARALLEL")
    assert [s.name for s in masitinib.sponsors] == ["AB Science"]


def test_sniff_claims_both_downloads_and_nothing_else():
    paths = [shared_path(*SUMMARY), shared_path(*FULLTEXT)]
    assert all(euctr.sniff(decoded(p)) for p in paths)
    assert [p for p, text in other_texts(*paths) if euctr.sniff(text)] == []


def test_a_block_without_a_eudract_number_is_quarantined_alone(fulltext, summary):
    raw_full, _ = fulltext
    broken = raw_full.replace("EudraCT Number: 2021-002179-21", "EudraCT Number: pending", 1)
    outcomes = euctr.split(broken)
    assert [(o.record_key, o.reason) for o in outcomes] == [
        ("2022-002568-62", None), ("block4", "no_identifier"), ("2021-002179-21", None)]
    assert outcomes[2].record.raw["member_state_records"] == "6"
    assert [(o.record_key, o.reason) for o in euctr.split("Summary\nEudraCT Number: x\n")] == [("block1", "no_identifier")]
    assert [(o.record_key, o.reason) for o in euctr.split("This file contains full details on each clinical trial\n")] == [
        (None, "empty")]
    raw_summary, _ = summary
    outcomes = euctr.split(raw_summary.replace("2008-002768-32", "2008-2768-32", 1))
    assert [o.reason for o in outcomes].count("no_identifier") == 1 and len(outcomes) == 100
    assert outcomes[1].record_key == "block2" and outcomes[1].reason == "no_identifier"


def test_the_first_test_never_refuses_a_download_the_head_test_takes():
    """sniff asks how the text starts before it cuts the head: both downloads, behind a BOM, blank
    lines, CRLF or spaces, and every other real file and page are answered as by the head test."""
    texts = [decoded(shared_path(*SUMMARY)), decoded(shared_path(*FULLTEXT))]
    texts += [prefix + text for text in texts[:2] for prefix in ("\ufeff", "\n\n", "\r\n  \r\n", " \t", "\ufeff\n")]
    texts += ["Summary\nEudraCT Number: 2004-000001-01\n", "THIS FILE CONTAINS FULL DETAILS on each clinical trial\n"
              "EudraCT Number: 2004-000001-01\n", "EudraCT Number:\n", "Summary of the trial\n"]
    texts += [text for _, text in other_texts()]
    taken = [euctr._sniff_head(text) for text in texts]
    assert [euctr.sniff(text) for text in texts] == taken
    assert sum(taken) >= 13  # the downloads in every wrapping, and the small ones
