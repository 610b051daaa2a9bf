"""Which segments the HTML explorer embeds when a test set is large.

A page with every one of 100,000 segments is useless in a browser, so the
explorer carries at most ``limit`` segments (``report.html_segments``), the
most informative ones, in line order:

1. flagged segments (empty, untranslated, copied, length outliers,
   duplicates), up to a quarter of the budget;
2. each system's worst segments on each scored metric;
3. where systems disagree most (the widest spread of a segment's scores
   across systems, per metric, in rank units so metrics weigh alike);
4. with budget left, segments spread evenly over the test set, for context.

Everything else stays in segments.parquet; summary plots use every segment.
"""

from __future__ import annotations

from typing import Any, Dict, Iterable, List, Sequence

import numpy as np

from ..flags import flagged_lines
from ..results import RunResult


def select_segments(result: RunResult, metrics: Sequence[str], limit: int) -> List[int]:
    """0-based segment indices to embed, in test-set order."""
    size = result.testset.segments
    if size <= limit:
        return list(range(size))
    chosen: Dict[int, None] = {}

    def take(indices: Iterable[Any], budget: int) -> None:
        for index in indices:
            if len(chosen) >= budget:
                return
            chosen.setdefault(int(index), None)

    line_to_index = {line: i for i, line in enumerate(result.testset.line_numbers or range(1, size + 1))}
    flagged = sorted({line_to_index[line] for system in result.systems for kind, found in system.flags.items()
                      for line in flagged_lines(kind, found) if line in line_to_index})
    take(flagged, limit // 4)
    scores = {m: np.array([system.scores[m].segments for system in result.systems], dtype=np.float64) for m in metrics}
    higher = {m: result.systems[0].scores[m].higher_is_better for m in metrics}
    worst_budget = len(chosen) + (limit - len(chosen)) // 2
    per_list = max(1, (worst_budget - len(chosen)) // max(1, len(metrics) * len(result.systems)))
    for m, matrix in scores.items():
        for row in matrix:
            order = np.argsort(row if higher[m] else -row, kind="stable")
            take([i for i in order[: per_list * 2] if int(i) not in chosen][:per_list], worst_budget)
    if len(result.systems) > 1 and metrics:
        ranks = [np.argsort(np.argsort(matrix, axis=1, kind="stable"), axis=1) for matrix in scores.values()]
        spread = sum((r.max(axis=0) - r.min(axis=0)) for r in ranks)
        take(np.argsort(-spread, kind="stable"), limit - (limit - len(chosen)) // 4 if len(chosen) < limit else limit)
    if len(chosen) < limit:
        take(np.linspace(0, size - 1, num=limit - len(chosen) + len(chosen), dtype=int), limit)
    return sorted(chosen)
