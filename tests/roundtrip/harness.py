"""Runs one layout's round trip over many studies and reports agreement per field."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from tests.render.expected import SHOWN, expected, observed, same
from tests.render.variants import variants_for


@dataclass
class Mismatch:
    field: str
    nct_id: str
    variant: str
    want: object
    got: object

    def __str__(self) -> str:
        return f"{self.field} {self.nct_id} [{self.variant}]: expected {self.want!r}, got {self.got!r}"


@dataclass
class RoundTripReport:
    layout: str
    pages: int = 0
    agree: Counter = field(default_factory=Counter)
    checked: Counter = field(default_factory=Counter)
    mismatches: list[Mismatch] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.pages > 0 and not self.mismatches

    def summary(self) -> str:
        rows = [f"{self.layout}: {self.pages} pages"]
        for name in ("detect", "parse", *SHOWN[self.layout]):
            if self.checked[name]:
                share = 100 * self.agree[name] / self.checked[name]
                rows.append(f"  {name:16} {self.agree[name]:5}/{self.checked[name]:<5} {share:6.2f}%")
        return "\n".join(rows)

    def message(self, limit: int = 40) -> str:
        by_field = Counter(m.field for m in self.mismatches)
        lines = [self.summary(), f"{len(self.mismatches)} mismatches by field: {dict(by_field)}"]
        lines += [f"  {m}" for m in self.mismatches[:limit]]
        if len(self.mismatches) > limit:
            lines.append(f"  ... and {len(self.mismatches) - limit} more")
        return "\n".join(lines)

    def check(self, name: str, nct_id: str, variant: str, want, got) -> None:
        self.checked[name] += 1
        if same(name, want, got):
            self.agree[name] += 1
        else:
            self.mismatches.append(Mismatch(name, nct_id, variant, want, got))


def round_trip(layout: str, studies: list[dict], parse_text, detect) -> RoundTripReport:
    report = RoundTripReport(layout)
    for study in studies:
        for variant, page in variants_for(layout, study):
            want = expected(study, layout, variant.omit)
            nct_id = want["nct_id"]
            report.pages += 1
            label = variant.describe()
            report.check("detect", nct_id, label, layout, detect(page))
            try:
                record = parse_text(page)
            except Exception as error:  # parse_text must never raise on page content
                report.check("parse", nct_id, label, "a record", f"{type(error).__name__}: {error}")
                continue
            report.check("parse", nct_id, label, layout, record.source)
            for name, got in observed(record, layout).items():
                report.check(name, nct_id, label, want[name], got)
    return report


def largest(studies: list[dict], n: int = 3) -> list[dict]:
    """The studies with the longest lists (locations + arms + conditions), the pages most likely to break."""
    def size(study: dict) -> int:
        protocol = study.get("protocolSection", {})
        return (len((protocol.get("contactsLocationsModule") or {}).get("locations", []))
                + len((protocol.get("armsInterventionsModule") or {}).get("armGroups", []))
                + len((protocol.get("conditionsModule") or {}).get("conditions", [])))
    return sorted(studies, key=size)[-n:]
