"""Title look-alikes (link_candidates) in DuckDB over the staged titles.

The same answer as pipelines.reconcile.candidates.similar_title_candidates, which stays the
definition (tests compare the two): prefix filtering with tokens ordered rarest first, buckets of
more than MAX_BUCKET titles skipped, token-set Jaccard >= JACCARD_MIN between records of
different trials. Here the tokens come tokenised from staging and the pairs are found by joins,
so no Python loop runs over every title; Python only words the evidence of the pairs found.
Float arithmetic is DOUBLE as in Python (0.8 * n and the Jaccard division round alike).

Before counting shared tokens, a pair must pass a bound from 64-bit token signatures (one bit
per token id modulo 64): a bit of x's signature missing from y's stands for at least one token of
x that y lacks, so |x & y| <= |x| - popcount(sig x & ~sig y), and a pair whose bound cannot
reach JACCARD_MIN is dropped, never one that can. At 100,000 pages it left 543 of 1.47 million
prefix-sharing pairs to count (the 74 look-alikes among them): 1.4 -> 0.75 s.
"""
from __future__ import annotations

import duckdb

from pipelines.reconcile import candidates
from pipelines.warehouse.duck import drop_tables
from pipelines.reconcile.model import LinkCandidate


def can_reach(x: str, y: str, jaccard_min: float) -> str:
    """SQL: the signature bound of titles x and y (columns n, sig) reaches jaccard_min. The
    division is the one the exact score makes: Jaccard grows with the shared count, so a pair
    whose exact score reaches jaccard_min passes."""
    shared_at_most = f"least({x}.n - bit_count({x}.sig & ~{y}.sig), {y}.n - bit_count({y}.sig & ~{x}.sig))"
    return f"{shared_at_most}::DOUBLE / ({x}.n + {y}.n - {shared_at_most}) >= {jaccard_min!r}::DOUBLE"


def title_candidates(con: duckdb.DuckDBPyConnection) -> list[LinkCandidate]:
    """Candidates over view s_titles (record_id, title, tokens), with trials from table mapping."""
    jaccard_min, max_bucket = float(candidates.JACCARD_MIN), int(candidates.MAX_BUCKET)
    # idx: any numbering (no sort): it only names each title once; a pair is taken one way
    # round (x < y) and everything after is symmetric in x and y
    con.execute("""CREATE OR REPLACE TABLE tc_titles AS
        SELECT row_number() OVER () AS idx, t.record_id, m.trial_id, t.title,
               t.tokens, len(t.tokens) AS n
        FROM s_titles t JOIN mapping m USING (record_id)""")
    con.execute("CREATE OR REPLACE TABLE tc_tokens AS SELECT idx, n, unnest(tokens) AS tok FROM tc_titles")
    # token sets as integer lists (counting shared tokens is then several times faster) and signatures
    con.execute("""CREATE OR REPLACE TABLE tc_ids AS
        WITH ids AS (SELECT tok, row_number() OVER (ORDER BY tok)::INTEGER AS id FROM (SELECT DISTINCT tok FROM tc_tokens))
        SELECT t.idx, list(i.id) AS ids, bit_or((1::UBIGINT) << (i.id % 64)::UBIGINT) AS sig
        FROM tc_tokens t JOIN ids i USING (tok) GROUP BY t.idx""")
    con.execute(f"""CREATE OR REPLACE TABLE tc_prefix AS
        WITH freq AS (SELECT tok, count(*) AS f FROM tc_tokens GROUP BY tok),
        ranked AS (SELECT t.idx, t.tok, t.n, row_number() OVER (PARTITION BY t.idx ORDER BY f.f, t.tok) AS r
                   FROM tc_tokens t JOIN freq f USING (tok))
        SELECT r.idx, r.tok, r.n, t.trial_id, i.sig FROM ranked r JOIN tc_titles t USING (idx) JOIN tc_ids i USING (idx)
        WHERE r.r <= r.n - ceil({jaccard_min!r}::DOUBLE * r.n) + 1""")
    con.execute(f"""CREATE OR REPLACE TABLE tc_pairs AS
        WITH open_buckets AS (SELECT tok FROM tc_prefix GROUP BY tok HAVING count(*) <= {max_bucket})
        -- Jaccard <= shorter / longer, so pairs of too unequal lengths cannot qualify
        SELECT DISTINCT x.idx AS x, y.idx AS y FROM tc_prefix x JOIN tc_prefix y ON x.tok = y.tok AND x.idx < y.idx
        SEMI JOIN open_buckets b ON b.tok = x.tok
        WHERE x.trial_id <> y.trial_id AND least(x.n, y.n)::DOUBLE / greatest(x.n, y.n) >= {jaccard_min!r}::DOUBLE
          AND {can_reach("x", "y", jaccard_min)}""")
    rows = con.sql(f"""
        WITH shared AS (
            SELECT p.x, p.y, len(list_filter(ix.ids, lambda v: list_contains(iy.ids, v))) AS shared
            FROM tc_pairs p JOIN tc_ids ix ON ix.idx = p.x JOIN tc_ids iy ON iy.idx = p.y),
        scored AS (
            SELECT tx.record_id AS rid_x, tx.title AS title_x, ty.record_id AS rid_y, ty.title AS title_y,
                   tx.trial_id AS trial_x, ty.trial_id AS trial_y, s.shared, tx.n AS nx, ty.n AS ny
            FROM shared s JOIN tc_titles tx ON tx.idx = s.x JOIN tc_titles ty ON ty.idx = s.y
            WHERE tx.record_id <> ty.record_id)
        SELECT rid_x, title_x, rid_y, title_y, shared::DOUBLE / (nx + ny - shared) AS score, trial_x, trial_y
        FROM scored WHERE shared::DOUBLE / (nx + ny - shared) >= {jaccard_min!r}::DOUBLE""").fetchall()
    drop_tables(con, "tc_titles", "tc_tokens", "tc_ids", "tc_prefix", "tc_pairs")
    trial_ids = {rid: trial for row in rows for rid, trial in ((row[0], row[5]), (row[2], row[6]))}
    return candidates.candidates_from_pairs((row[:5] for row in rows), trial_ids)
