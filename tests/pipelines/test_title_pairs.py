"""The engine's title look-alikes in SQL (pipelines/warehouse/title_pairs.py) give exactly what
the Python definition (pipelines.reconcile.candidates.similar_title_candidates) gives."""
from __future__ import annotations

import random

import duckdb
import pyarrow as pa
import pytest

from parsers.record import SourceRecord
from pipelines.reconcile import candidates
from pipelines.reconcile.model import ParsedFile
from pipelines.warehouse.title_pairs import title_candidates

WORDS = ["study", "of", "the", "safety", "efficacy", "Drug", "X", "in", "patients", "with", "cancer", "Phase",
         "randomized", "trial", "Ünïcode", "café", "COVID-19", "vaccine", "children", "adults", "placebo"]


def _records(seed: int, n: int) -> tuple[list[ParsedFile], dict[str, str]]:
    rng = random.Random(seed)
    families = []  # near-duplicate titles come from the same family
    for _ in range(n // 6):
        words = rng.sample(WORDS, rng.randint(1, 12))
        if rng.random() < 0.3:  # long titles: 0.8 * n rounds differently from exact arithmetic
            words += [f"w{rng.randint(0, 400)}" for _ in range(rng.randint(20, 40))]
        families.append(words)
    parsed, trial_ids = [], {}
    for i in range(n):
        base = list(rng.choice(families))
        if rng.random() < 0.4 and len(base) > 1:
            base.pop(rng.randrange(len(base)))
        if rng.random() < 0.4:
            base.insert(rng.randrange(len(base) + 1), rng.choice(WORDS))
        title = " ".join(base)
        official = " ".join(base + rng.sample(WORDS, rng.randint(0, 2))) if rng.random() < 0.5 else None
        rid = f"R{i:04d}"
        parsed.append(ParsedFile(rid, f"{rid}.txt", "0" * 64,
                                 SourceRecord(source="veeva", parser_version="t", title=title, official_title=official)))
        trial_ids[rid] = f"T{rng.randint(0, n // 2)}"
    return parsed, trial_ids


def _sql(parsed: list[ParsedFile], trial_ids: dict[str, str]) -> list:
    titles = [{"record_id": p.record_id, "title": text, "tokens": sorted(tokens)}
              for p in parsed for tokens, text in candidates.record_titles(p.record.title, p.record.official_title)]
    con = duckdb.connect()
    con.register("titles_in", pa.Table.from_pylist(titles, schema=pa.schema(
        [("record_id", pa.string()), ("title", pa.string()), ("tokens", pa.list_(pa.string()))])))
    con.execute("CREATE TABLE s_titles AS SELECT * FROM titles_in")
    con.register("mapping_in", pa.table({"record_id": list(trial_ids), "trial_id": list(trial_ids.values())}))
    con.execute("CREATE TABLE mapping AS SELECT * FROM mapping_in")
    return title_candidates(con)


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("max_bucket", [200, 5])  # 5: many buckets skipped as too generic
def test_sql_title_candidates_equal_the_python_definition(seed, max_bucket, monkeypatch):
    monkeypatch.setattr(candidates, "MAX_BUCKET", max_bucket)
    parsed, trial_ids = _records(seed, 300)
    expected = candidates.similar_title_candidates(parsed, trial_ids)
    assert expected  # the corpus does produce look-alikes
    assert _sql(parsed, trial_ids) == expected


def test_the_signature_bound_keeps_every_pair_that_reaches_the_threshold_and_drops_others():
    """Random token-id sets, many sharing bits modulo 64 (ids up to 500, sets of up to 90 ids:
    saturated signatures too): no pair whose exact Jaccard reaches the threshold is dropped,
    and the bound does drop pairs that cannot."""
    from pipelines.warehouse.title_pairs import can_reach

    rng = random.Random(7)
    rows = []
    for _ in range(4000):
        x = set(rng.sample(range(500), rng.randint(1, 90)))
        y = set(x)
        for _ in range(rng.randint(0, max(1, len(x) // 3))):  # near-duplicates around the threshold
            y.discard(rng.choice(sorted(y))) if y and rng.random() < 0.5 else y.add(rng.randrange(500))
        y = y or {0}
        rows.append({"xs": sorted(x), "ys": sorted(y)})
    con = duckdb.connect()
    con.register("pairs_in", pa.Table.from_pylist(rows))
    got = con.sql(f"""
        WITH p AS (SELECT xs, ys,
                          {{'n': len(xs), 'sig': list_aggregate(list_transform(xs, lambda v: (1::UBIGINT) << (v % 64)::UBIGINT), 'bit_or')}} AS x,
                          {{'n': len(ys), 'sig': list_aggregate(list_transform(ys, lambda v: (1::UBIGINT) << (v % 64)::UBIGINT), 'bit_or')}} AS y
                   FROM pairs_in)
        SELECT xs, ys, {can_reach("x", "y", candidates.JACCARD_MIN)} AS kept FROM p""").fetchall()
    exact = [len(set(xs) & set(ys)) / len(set(xs) | set(ys)) for xs, ys, _ in got]
    assert all(kept for (_, _, kept), score in zip(got, exact) if score >= candidates.JACCARD_MIN)
    below = [kept for (_, _, kept), score in zip(got, exact) if score < candidates.JACCARD_MIN]
    assert below.count(False) > len(below) // 4  # and it does drop pairs that cannot reach it
    assert len(got) - len(below) > 100  # pairs at the threshold exist
