"""Agreement with a hand-labelled set of real dose mentions, field by field.

tests/parsers/data/doses_labelled.jsonl: one mention per line, labelled by hand from real
registry text in ../shared/real: {"id": trial id, "field": where it was read, "set", "text": the
short mention snippet as written, "expect": null for a negative (numbers that are not doses:
durations, cycles, lab thresholds, concentrations, rates), else the mention's
low / high / unit / scaling / amount_per / frequency / daily_low / daily_high / route / agent /
cycle_days / days_on}. The labels follow the policy documented in parsers/doses (e.g.
concentrations and rates are not doses; a frequency or a day position makes the amount one
administration; "/day" makes it a day's amount without saying how often). The extractor never
reads this file, and no label was produced by running it.

Sets: "dev" = arm/intervention descriptions of the ctgov_v2 JSON and ctgov_xml studies; the
grammar was written with that text in view. "heldout" and "heldout2" = two batches from the
ICTRP COVID-19 export's Intervention column, each labelled before the extractor was first run
on it. First-run agreement on (low, high, unit, basis): heldout 35/44, heldout2 32/34. "dev2" =
201 more mentions (v2 arms and interventions, legacy XML, ICTRP), labelled with every field
before scaling, frequency, daily amount and route were written; the older lines got their
new fields by hand at the same time. First-run figure of the extractor as it then was on dev2:
amount + unit + scaling 199/201, agent 169/194. "heldout3" = 21 mentions from ISRCTN and legacy /
derived CT.gov JSON, labelled with every field before the new extractor was first run on them:
amount + unit + scaling 20/21, amount_per 16/19, frequency 19/19, route 19/19, agent 18/19,
daily 8/10 (the misses led to: "total daily dose" is a day's amount, a bolus is one
administration, "/1 ml" is a concentration). "heldout4" = 3 more ICTRP mentions (the last
unlabelled dose text there), labelled first: every field right on the first run (3/3 amounts,
2/2 of each other field). Figures after all rules are printed by the test.
"""
from __future__ import annotations

import csv
import json
import math
import re
import xml.etree.ElementTree as ET
from pathlib import Path

from parsers.doses import extract_doses
from tests.conftest import load_v2_study, shared_path

LABELS = Path(__file__).parent / "data" / "doses_labelled.jsonl"
SETS = {"dev", "heldout", "heldout2", "dev2", "heldout3", "heldout4"}
# Done-when figures of issue 11 (per field, on the whole labelled set).
THRESHOLDS = {"amount+unit+scaling": 0.97, "frequency": 0.95, "daily": 0.95, "route": 0.95,
              "agent": 0.90, "amount_per": 0.90, "cycle": 0.90}
IN_CONTEXT_MIN = 0.95
FIELDS = ("low", "high", "unit", "scaling", "amount_per", "frequency", "daily_low", "daily_high",
          "route", "agent", "cycle_days", "days_on")


def _labels() -> list[dict]:
    return [json.loads(line) for line in LABELS.read_text(encoding="utf-8").splitlines() if line.strip()]


def _as_dict(d) -> dict:
    return {"low": d.dose_low, "high": d.dose_high, "unit": d.unit, "scaling": d.scaling,
            "amount_per": d.amount_per, "frequency": d.frequency, "daily_low": d.daily_low,
            "daily_high": d.daily_high, "route": d.route, "agent": d.agent,
            "cycle_days": d.cycle_days, "days_on": d.days_on}


def _same(a, b) -> bool:
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return math.isclose(a, b, rel_tol=1e-6)
    return a == b


def _amount(x: dict) -> tuple:
    return (x["low"], x["high"], x["unit"], x["scaling"])


def _agree(expected: dict | None, got: list[dict]) -> dict[str, bool | None]:
    """Per field: True/False, or None when the field does not count for this mention."""
    if expected is None:
        return {"amount+unit+scaling": not got}
    one = got[0] if len(got) == 1 else None
    amount_ok = one is not None and all(_same(a, b) for a, b in zip(_amount(one), _amount(expected)))

    def field(*names: str) -> bool:
        return amount_ok and all(_same(one[n], expected[n]) for n in names)

    daily_counts = expected["daily_low"] is not None or (one is not None and one["daily_low"] is not None)
    cycle_counts = expected["cycle_days"] is not None or (one is not None and one["cycle_days"] is not None)
    return {"amount+unit+scaling": amount_ok, "amount_per": field("amount_per"),
            "frequency": field("frequency"), "route": field("route"), "agent": field("agent"),
            # daily: where the label or the extractor has one (a guessed daily amount is a miss)
            "daily": field("daily_low", "daily_high") if daily_counts else None,
            "cycle": field("cycle_days", "days_on") if cycle_counts else None}


def _figures(pairs: list[tuple[dict, dict | None, list[dict]]]) -> tuple[dict[str, tuple[int, int]], list]:
    counts: dict[str, list[int]] = {}
    misses = []
    for entry, expected, got in pairs:
        for name, ok in _agree(expected, got).items():
            if ok is None:
                continue
            c = counts.setdefault(name, [0, 0])
            c[0] += ok
            c[1] += 1
            if not ok:
                misses.append((name, entry["set"], entry["id"], entry["text"], expected, got))
    return {k: (v[0], v[1]) for k, v in counts.items()}, misses


def _report(title: str, figures: dict[str, tuple[int, int]]) -> None:
    print(f"\n{title}")
    for name in THRESHOLDS:
        if name in figures:
            ok, n = figures[name]
            print(f"  {name:<20} {ok}/{n} = {ok / n:.3f}")


def test_labelled_set_is_big_enough_and_has_negatives():
    labels = _labels()
    positives = [e for e in labels if e["expect"] is not None]
    assert len(positives) >= 250
    assert len(labels) - len(positives) >= 20
    assert all(e["set"] in SETS for e in labels)
    assert all(set(e["expect"]) == set(FIELDS) for e in positives)
    assert sum(e["set"].startswith("heldout") for e in labels) >= 60
    # the new fields are exercised, not left at their defaults
    assert sum(e["expect"]["frequency"] is not None for e in positives) >= 100
    assert sum(e["expect"]["route"] is not None for e in positives) >= 80
    assert sum(e["expect"]["cycle_days"] is not None for e in positives) >= 15


def test_labelled_agreement_per_field():
    labels = _labels()
    pairs = [(e, e["expect"], [_as_dict(d) for d in extract_doses(e["text"])]) for e in labels]
    figures, misses = _figures(pairs)
    _report(f"dose extraction on {len(labels)} hand-labelled mentions "
            f"({sum(e['expect'] is not None for e in labels)} doses):", figures)
    for name in sorted(SETS):
        part = [p for p in pairs if p[0]["set"] == name]
        sub, _ = _figures(part)
        print(f"  {name}: " + ", ".join(f"{k} {ok}/{n}" for k, (ok, n) in sub.items()))
    for miss in misses:
        print("  miss:", miss[:4], "expected", miss[4], "got", miss[5])
    for name, minimum in THRESHOLDS.items():
        ok, n = figures[name]
        assert ok / n >= minimum, (name, ok, n)


_ICTRP_FILES = ("ebmdatalab__COVID19-1135-trials.csv", "ebmdatalab__COVID19-927-trials_7Apr2020.csv")


def _ictrp_interventions(real: Path) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for name in _ICTRP_FILES:
        with (real / "ictrp" / name).open(encoding="utf-8", errors="replace", newline="") as fh:
            for row in csv.DictReader(fh):
                out.setdefault(row["TrialID"], []).append(row["Intervention"])
    return out


def _field_text(real: Path, entry: dict, ictrp: dict[str, list[str]]) -> str:
    """The full text the snippet was cut from (v2 JSON 'armGroups[0].description', XML
    'arm_group[0]/description', the ICTRP 'Intervention' column, or any JSON file by pointer)."""
    field = entry["field"]
    if field.startswith("json:"):  # "json:<file under ../shared/real>#/json/pointer"
        path, pointer = field[len("json:"):].split("#")
        node = json.loads((real / path).read_text(encoding="utf-8"))
        for key in pointer.strip("/").split("/"):
            node = node[int(key)] if isinstance(node, list) else node[key]
        return node
    if field == "Intervention":
        return next((t for t in ictrp.get(entry["id"], []) if entry["text"] in t), "")
    if m := re.fullmatch(r"(armGroups|interventions)\[(\d+)\]\.description", field):
        study = load_v2_study(real / "ctgov_v2" / f"{entry['id']}.json")
        return study["protocolSection"]["armsInterventionsModule"][m.group(1)][int(m.group(2))]["description"]
    m = re.fullmatch(r"(arm_group|intervention)\[(\d+)\]/description", field)
    assert m, field
    root = ET.parse(real / "ctgov_xml" / f"{entry['id']}.xml")
    return root.findall(f".//{m.group(1)}")[int(m.group(2))].findtext("description") or ""


def test_labelled_snippets_come_from_the_cited_field_and_agree_in_context():
    """Provenance check, and the same figures with the whole description as context (there a
    route or frequency said elsewhere in the sentence may rightly change a field, so only the
    amount is held to a threshold)."""
    real = shared_path("real")
    ictrp = _ictrp_interventions(real)
    pairs = []
    for entry in _labels():
        full = _field_text(real, entry, ictrp)
        at = full.find(entry["text"])
        assert at >= 0, f"{entry['id']} {entry['field']}: snippet not in the field"
        span = (at, at + len(entry["text"]))
        inside, cursor = [], 0
        for d in extract_doses(full):
            # mentions come in text order: each span is found after the previous one
            pos = full.find(d.source_text, cursor)
            cursor = pos + len(d.source_text)
            if span[0] <= pos and cursor <= span[1]:
                inside.append(_as_dict(d))
        pairs.append((entry, entry["expect"], inside))
    figures, misses = _figures(pairs)
    _report("dose extraction in full descriptions:", figures)
    for miss in misses:
        if miss[0] == "amount+unit+scaling":
            print("  miss in context:", miss[2:4], miss[4], miss[5])
    ok, n = figures["amount+unit+scaling"]
    assert ok / n >= IN_CONTEXT_MIN
