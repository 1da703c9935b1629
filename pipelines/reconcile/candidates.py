"""Title look-alikes across trials: review candidates only, never joins.

OpenTrials joined records on equal titles and chained 1000+ unrelated records through
generic titles (opentrials/opentrials #310, #335). Here a similar title only yields a
`link_candidates` row for a human to check.

Similar = equal after normalization (casefold, accents and punctuation dropped) or token-set
Jaccard >= JACCARD_MIN. Pairs are found by prefix filtering (rare tokens first), so the cost
stays near-linear; a token shared by more than MAX_BUCKET titles is too generic to review.
"""
from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter, defaultdict

from pipelines.reconcile.model import LinkCandidate, ParsedFile

JACCARD_MIN = 0.8
MAX_BUCKET = 200
_TOKEN = re.compile(r"[^\W_]+")


def title_tokens(title: str) -> tuple[str, ...]:
    if title.isascii():  # most titles: NFKD changes nothing, casefold is lower, nothing combines
        return tuple(_TOKEN.findall(title.lower()))
    text = unicodedata.normalize("NFKD", title).casefold()
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return tuple(_TOKEN.findall(text))


def record_titles(title: str | None, official_title: str | None) -> list[tuple[frozenset[str], str]]:
    """The titles of one record that take part, with their token sets: the official title only
    when its tokens differ from the brief title's."""
    out: list[tuple[frozenset[str], str]] = []
    for text in (title, official_title):
        if text:
            tokens = frozenset(title_tokens(text))
            if tokens and all(tokens != seen for seen, _ in out):
                out.append((tokens, text))
    return out


def similar_title_candidates(parsed: list[ParsedFile], trial_ids: dict[str, str]) -> list[LinkCandidate]:
    titles: list[tuple[str, frozenset[str], str]] = []  # (record_id, token set, title)
    for p in sorted(parsed, key=lambda p: p.record_id):
        titles += [(p.record_id, tokens, text) for tokens, text in record_titles(p.record.title, p.record.official_title)]
    freq = Counter(t for _, tokens, _ in titles for t in tokens)
    buckets: dict[str, list[int]] = defaultdict(list)
    for idx, (_, tokens, _) in enumerate(titles):
        ordered = sorted(tokens, key=lambda t: (freq[t], t))
        prefix = len(ordered) - math.ceil(JACCARD_MIN * len(ordered)) + 1
        for tok in ordered[:prefix]:
            buckets[tok].append(idx)

    def similar_pairs():
        for tok in sorted(buckets):
            bucket = buckets[tok]
            if len(bucket) > MAX_BUCKET:
                continue
            for i, x in enumerate(bucket):
                rid_x, tok_x, title_x = titles[x]
                for y in bucket[i + 1:]:
                    rid_y, tok_y, title_y = titles[y]
                    if rid_x == rid_y or trial_ids[rid_x] == trial_ids[rid_y]:
                        continue
                    score = len(tok_x & tok_y) / len(tok_x | tok_y)
                    if score >= JACCARD_MIN:
                        yield rid_x, title_x, rid_y, title_y, score

    return candidates_from_pairs(similar_pairs(), trial_ids)


def candidates_from_pairs(pairs, trial_ids: dict[str, str]) -> list[LinkCandidate]:
    """(record x, its title, record y, its title, score) of similar titles in different trials,
    any order and repeats -> one candidate per record pair: its best score, then evidence."""
    best: dict[tuple[str, str], tuple[float, str]] = {}
    for rid_x, title_x, rid_y, title_y, score in pairs:
        a, b = sorted((rid_x, rid_y))
        ta, tb = (title_x, title_y) if a == rid_x else (title_y, title_x)
        evidence = f"{ta!r} ~ {tb!r}"
        prev = best.get((a, b))
        if prev is None or (score, evidence) > prev:
            best[(a, b)] = (score, evidence)
    out = []
    for (a, b), (score, evidence) in sorted(best.items()):
        method = "same_title" if score == 1.0 else "similar_title"
        out.append(LinkCandidate(a, b, trial_ids[a], trial_ids[b], method, round(score, 6), evidence))
    return out
