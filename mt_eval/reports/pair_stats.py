"""Segment-level wins, ties and losses for every pair of drafts, overall and
by source-length bucket: the numbers behind the HTML report's pair chooser.

They are counted here, over every segment of the test set, rather than in
the page, which may embed only a subset of a large test set.

- A segment is a tie when the two scores differ by less than the metric's
  tie tolerance (report.json ``metric_info``; by default comet-compare's EPS,
  0.001 of the metric's scale: 0.001 for COMET, 0.1 for BLEU, chrF and TER);
  otherwise the better score wins, lower being better where the metric says so.
- Buckets follow compare-mt's sentence-length buckets (cut at 10, 20, 30, 40,
  50 and 60 words), on the source's whitespace-separated words.
- Scores per bucket are means of segment scores (sentence BLEU for BLEU),
  not corpus scores of the bucket; the page says so.
"""

from __future__ import annotations

from itertools import combinations
from typing import Any, Dict, List, Sequence

import numpy as np

from ..results import RunResult

LENGTH_CUTOFFS = (10, 20, 30, 40, 50, 60)
def bucket_labels(cutoffs: Sequence[int] = LENGTH_CUTOFFS) -> List[str]:
    labels = [f"< {cutoffs[0]}"]
    labels += [f"{low}–{high - 1}" for low, high in zip(cutoffs, cutoffs[1:])]
    return labels + [f"≥ {cutoffs[-1]}"]


def length_buckets(sources: Sequence[str], cutoffs: Sequence[int] = LENGTH_CUTOFFS) -> np.ndarray:
    """Bucket index of each segment, from its source's word count."""
    words = np.fromiter((len(text.split()) for text in sources), dtype=np.int64, count=len(sources))
    return np.searchsorted(np.asarray(cutoffs), words, side="right")


def wins_ties_losses(a: np.ndarray, b: np.ndarray, higher_is_better: bool, tolerance: float) -> List[int]:
    """[segments A wins, ties, segments B wins]."""
    advantage = (a - b) if higher_is_better else (b - a)
    a_wins = int(np.count_nonzero(advantage >= tolerance))
    b_wins = int(np.count_nonzero(advantage <= -tolerance))
    return [a_wins, len(advantage) - a_wins - b_wins, b_wins]


def pair_tables(result: RunResult, metrics: Sequence[str]) -> Dict[str, Any]:
    """For each pair "i,j" (i < j, system positions) and metric: overall
    [A wins, ties, B wins], and per bucket [mean A, mean B, A wins, ties, B wins]
    (null for an empty bucket)."""
    sources = result.testset.texts.source
    size = result.testset.segments
    buckets = length_buckets(sources) if len(sources) == size else np.zeros(size, dtype=np.int64)
    labels = bucket_labels() if len(sources) == size else ["all"]
    members = [np.flatnonzero(buckets == k) for k in range(len(labels))]
    scores = {m: [np.asarray(s.scores[m].segments, dtype=np.float64) for s in result.systems] for m in metrics}
    pairs: Dict[str, Dict[str, Any]] = {}
    for i, j in combinations(range(len(result.systems)), 2):
        entry: Dict[str, Any] = {}
        for m in metrics:
            a, b = scores[m][i], scores[m][j]
            info = result.info(m)
            higher, tolerance = info.higher_is_better, info.tie_tolerance
            per_bucket: List[Any] = []
            for index in members:
                if not len(index):
                    per_bucket.append(None)
                    continue
                per_bucket.append([round(float(a[index].mean()), 6), round(float(b[index].mean()), 6),
                                   *wins_ties_losses(a[index], b[index], higher, tolerance)])
            entry[m] = {"overall": wins_ties_losses(a, b, higher, tolerance), "buckets": per_bucket}
        pairs[f"{i},{j}"] = entry
    return {"buckets": labels, "bucket_sizes": [int(len(index)) for index in members], "pairs": pairs}
