"""Bench corpus: real ClinicalTrials.gov v2 studies (../shared/real/ctgov_v2) rendered into every
page layout by the round-trip renderers (tests/render), a share of them as saved HTML, in
batches (top-level directories). Each study is rendered in all three layouts with the same NCT
id (so reconciliation merges them into one trial of three records), then later cycles render it
as another trial: fresh valid ids (_as_new_trial) and altered titles.
Without renderers or studies: the raw/ sample pages, copied with varied ids."""
from __future__ import annotations

import copy
import hashlib
import json
import os
import re
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

NCT = re.compile(r"NCT\d{8}")


def _shared_dir() -> Path:
    return Path(os.environ.get("TRIALBRIDGE_SHARED", REPO.parent / "shared"))


def _load_studies() -> list[dict]:
    directory = _shared_dir() / "real" / "ctgov_v2"
    studies = []
    for path in sorted(directory.glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        studies.append(data["studies"][0] if "studies" in data else data)
    return studies


# runs of 5+ digits, and of 4 that are neither a year nor glued to letters (the 1111 of WHO's U1111)
_DIGIT_RUN = re.compile(r"\d{5,}|(?<![A-Za-z0-9])(?!19\d\d|20\d\d)\d{4}(?!\d)")


def _fresh_id(value: str, salt: str) -> str:
    """The id with its serial digits (_DIGIT_RUN) replaced by seeded digits but the first (the
    "0" of NCT0... and EudraCT YYYY-0..., the "5" of EU CT YYYY-5...): the same registry format
    (so it is still extracted and linked as that registry's id), another trial. With fewer than
    6 digits seeded ("1121", "D4194R00002": at most 10,000 values, so copies of one study in
    different cycles could share an org id and link) the salt is appended as well."""
    seeded_digits = 0

    def digits(match: re.Match) -> str:
        nonlocal seeded_digits
        run = match.group()
        seeded_digits += len(run) - 1
        seeded = str(int(hashlib.sha256(f"{salt}:{run}".encode()).hexdigest(), 16))  # ~77 digits
        return run[0] + seeded[-(len(run) - 1):] if len(run) > 1 else run

    fresh = _DIGIT_RUN.sub(digits, value)
    return fresh if seeded_digits >= 6 else f"{fresh}-C{salt}"


def _as_new_trial(study: dict, cycle: int, study_index: int) -> dict:
    """The study as another trial of cycle `cycle`: a valid NCT id of its own (NCT serials start
    with 0; real ones are below NCT08000000) and fresh org and secondary ids. Without fresh
    secondary ids every cycle's copy of a study with a EudraCT number or an org study id links to
    every other (clusters of 70+ records that every new batch touches: not a registry's shape)."""
    if not (0 < cycle < 1000 and 0 <= study_index < 1000):
        raise ValueError(f"synthetic NCT ids hold cycles 1-999 and 1,000 studies (cycle {cycle}, study {study_index})")
    study = copy.deepcopy(study)
    module = study.setdefault("protocolSection", {}).setdefault("identificationModule", {})
    salt = f"{cycle}.{study_index}"
    module["nctId"] = f"NCT09{cycle:03d}{study_index:03d}"
    if module.get("nctIdAliases"):
        module["nctIdAliases"] = [_fresh_id(a, salt) for a in module["nctIdAliases"]]
    if (module.get("orgStudyIdInfo") or {}).get("id"):
        module["orgStudyIdInfo"]["id"] = _fresh_id(module["orgStudyIdInfo"]["id"], salt)
    for info in module.get("secondaryIdInfos") or ():
        if info.get("id"):
            info["id"] = _fresh_id(info["id"], salt)
    return study


def _with_distinct_titles(study: dict, seed: str, vocabulary: list[str]) -> dict:
    """Every other title word replaced by a seeded pick from `vocabulary`: later cycles then do not
    repeat the first cycle's titles, which would make similar-title link candidates grow with the
    square of the cycle count (a real registry rarely repeats a title)."""
    import random

    module = study.setdefault("protocolSection", {}).setdefault("identificationModule", {})
    for key in ("briefTitle", "officialTitle"):
        if module.get(key):
            rng = random.Random(f"{seed}:{key}")
            module[key] = " ".join(rng.choice(vocabulary) if i % 2 else word
                                   for i, word in enumerate(module[key].split()))
    return study


def _title_vocabulary(studies: list[dict]) -> list[str]:
    words = set()
    for study in studies:
        module = study.get("protocolSection", {}).get("identificationModule", {})
        for key in ("briefTitle", "officialTitle"):
            words.update(w for w in (module.get(key) or "").split() if w.isalpha())
    return sorted(words)


def generate_rendered(raw: Path, n: int, batch_size: int, html_every: int, distinct_titles: bool = True,
                      start: int = 0, batch_prefix: str = "batch_") -> str:
    """Real studies through the round-trip renderers; returns a description of the corpus."""
    sys.path.insert(0, str(REPO))
    from tests.render.variants import LAYOUTS, apply, choose_variant, render_page  # lazy: test code

    studies = _load_studies()
    if not studies:
        raise FileNotFoundError("no v2 studies")
    per_cycle = len(studies) * len(LAYOUTS)
    vocabulary = _title_vocabulary(studies) if distinct_titles else []
    for i in range(start, start + n):
        cycle, rest = divmod(i, per_cycle)
        layout_index, study_index = divmod(rest, len(studies))
        study = studies[study_index]
        if cycle:
            study = _as_new_trial(study, cycle, study_index)
            if distinct_titles:
                study = _with_distinct_titles(study, f"{cycle}:{study_index}", vocabulary)
        layout = LAYOUTS[layout_index]
        page = render_page(layout, study)
        html = html_every > 0 and i % html_every == 0
        text = apply(page, choose_variant(page, html=html))
        path = raw / f"{batch_prefix}{(i - start) // batch_size:04d}" / f"{i:07d}_{layout}.{'html' if html else 'txt'}"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8", newline="")
    titles = ", later cycles with distinct titles" if distinct_titles else ""
    return f"{len(studies)} real v2 studies x {len(LAYOUTS)} layouts (1 in {html_every} as HTML{titles})"


def generate_from_samples(raw: Path, n: int, batch_size: int, start: int = 0, batch_prefix: str = "batch_") -> str:
    samples = sorted(p for p in (REPO / "raw").iterdir() if p.is_file() and NCT.search(p.read_text("utf-8", "replace")))
    if not samples:
        raise SystemExit("bench: no renderers/studies and no raw/ sample pages with an NCT id to copy")
    texts = [(p.suffix, p.read_text(encoding="utf-8")) for p in samples]
    for i in range(start, start + n):
        suffix, text = texts[i % len(texts)]
        cycle = i // len(texts)
        # NCT serials start with 0 (an "NCT1..." is no NCT id and would link nothing)
        text = NCT.sub(lambda m: f"NCT0{(int(m.group()[3:]) + cycle * 7919) % 10_000_000:07d}", text)
        path = raw / f"{batch_prefix}{(i - start) // batch_size:04d}" / f"{i:07d}{suffix}"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8", newline="")
    return f"{len(samples)} raw/ sample pages with varied NCT ids"


def generate(raw: Path, n: int, batch_size: int, html_every: int, start: int = 0, batch_prefix: str = "batch_") -> str:
    """Rendered real studies when the renderers and ../shared are there, else the raw/ samples."""
    try:
        return generate_rendered(raw, n, batch_size, html_every, start=start, batch_prefix=batch_prefix)
    except (ImportError, FileNotFoundError) as exc:
        print(f"renderers unavailable ({exc}); copying raw/ samples", file=sys.stderr)
        return generate_from_samples(raw, n, batch_size, start=start, batch_prefix=batch_prefix)
