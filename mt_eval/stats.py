"""Statistics on corpus scores: pure functions, explicit seeds, no I/O.

A corpus score is a function of the sum of per-segment sufficient statistics
(sacrebleu's n-gram, character or edit counts; for COMET, the segment scores
with the mean as the function). Resampling segments is therefore a weighted
sum of the statistics: one ``(resamples × segments)`` weight matrix, drawn
once per run and shared by every metric and system, times the statistics.

Methods and sources:

- Bootstrap confidence intervals: Koehn (2004), "Statistical Significance
  Tests for Machine Translation Evaluation", EMNLP. The interval is the
  order-statistic rule of sacrebleu (``significance.estimate_ci``): for 95 %,
  the (n//40)-th lowest and highest of n resampled scores.
- Paired bootstrap resampling test: Koehn (2004), as implemented in Moses'
  ``bootstrap-hypothesis-difference-significance.pl`` and in sacrebleu
  ``--paired-bs`` (p from the centred absolute differences).
- Paired approximate randomisation: Riezler & Maxwell (2005), "On Some
  Pitfalls in Automatic Evaluation and Significance Testing for MT"; the p
  estimate with the +1 correction is Clark et al. (2011) MultEval's, as in
  sacrebleu ``--paired-ar``.
- Multiple comparisons: Bonferroni; Holm (1979), "A Simple Sequentially
  Rejective Multiple Test Procedure", Scand. J. Statistics 6(2).

The random draws are exactly sacrebleu's for the same seed
(``numpy.random.default_rng(seed)``, then ``choice``/``integers`` with the
same shapes), so p-values and intervals agree with its CLI. Resampled
statistics and scores are float64, where sacrebleu's are float32: the
corpus score is computed in float64, and a resample equal to the test set
must score exactly the same (every score lies within its own interval).
Scores then differ from its CLI's by float32 rounding (~1e-5 on a 0–100
scale), and a p-value only where a resampled difference lies that close to
the observed one.

One deliberate difference: when the observed difference is exactly zero
(a system against itself, or two systems with equal scores), the p-value is
1. sacrebleu counts ``resampled > observed`` and so reports 1/(n+1) there,
calling a system significantly different from itself.
"""

from __future__ import annotations

import math
import statistics
from typing import Callable, Dict, Hashable, Iterable, Iterator, List, Mapping, Optional, Sequence, Tuple, Union

import numpy as np

ScoreFunction = Callable[[np.ndarray], float]  # summed statistics → corpus score

CORRECTIONS = ("none", "bonferroni", "holm")


# Resamples are drawn and used in chunks of rows, so memory stays bounded
# whatever the test set's size: about this many bytes per chunk of weights.
CHUNK_BYTES = 64 * 1024 * 1024


def bootstrap_indices(segments: int, resamples: int, seed: int) -> np.ndarray:
    """Segment indices of every bootstrap resample, shape (resamples, segments).
    For small sets and tests; runs use ``bootstrap_weight_chunks``."""
    rng = np.random.default_rng(seed)
    return rng.choice(segments, size=(resamples, segments), replace=True)


def resample_weights(indices: np.ndarray, segments: int) -> np.ndarray:
    """How often each segment occurs in each resample, shape (resamples, segments)."""
    return np.stack([np.bincount(row, minlength=segments) for row in indices]).astype(np.float64) if len(indices) else np.zeros((0, segments))


def _rows_per_chunk(segments: int, multiple: int = 1) -> int:
    rows = max(1, CHUNK_BYTES // (8 * max(1, segments)))
    return max(multiple, rows - rows % multiple)


def bootstrap_weight_chunks(segments: int, resamples: int, seed: int, chunk_rows: Optional[int] = None) -> Iterator[np.ndarray]:
    """The resample weights of ``resample_weights(bootstrap_indices(...))``,
    in consecutive chunks of rows. Drawing ``choice`` in row chunks from one
    generator gives exactly the same indices as one draw of the whole matrix
    (tests check this), so the draws stay sacrebleu's."""
    rng = np.random.default_rng(seed)
    rows = chunk_rows or _rows_per_chunk(segments)
    for start in range(0, resamples, rows):
        count = min(rows, resamples - start)
        yield resample_weights(rng.choice(segments, size=(count, segments), replace=True), segments)


def resampled_scores(stats: np.ndarray, weights: np.ndarray, score: ScoreFunction) -> np.ndarray:
    """The corpus score of every resample, in float64: one matrix product,
    then the metric's own function on each summed row."""
    return np.array([score(row) for row in _summed(stats, weights)], dtype=np.float64)


def _summed(stats: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Weighted sums of the statistics in float64: exact for integer counts
    (below 2**53), so a resample that takes every segment once sums to the
    test set's own statistics."""
    return weights.astype(np.float64, copy=False) @ stats.astype(np.float64, copy=False)


def bootstrap_scores(
    matrices: Mapping[Hashable, Tuple[np.ndarray, ScoreFunction]], segments: int, resamples: int, seed: int,
    chunk_rows: Optional[int] = None,
) -> Dict[Hashable, np.ndarray]:
    """Every resample's corpus score for each (statistics matrix, score
    function), all resampled with the same indices, one chunk at a time:
    memory is one chunk of weights, never resamples × segments."""
    out: Dict[Hashable, List[np.ndarray]] = {key: [] for key in matrices}
    for weights in bootstrap_weight_chunks(segments, resamples, seed, chunk_rows):
        for key, (stats, score) in matrices.items():
            out[key].append(resampled_scores(stats, weights, score))
    return {key: (np.concatenate(parts) if parts else np.zeros(0)) for key, parts in out.items()}


def resample_mean(scores: np.ndarray) -> float:
    """The mean of resampled scores as sacrebleu computes it
    (``statistics.mean``: exact, then rounded once)."""
    return float(statistics.mean(list(scores))) if len(scores) else float("nan")


def percentile_interval(scores: np.ndarray, confidence: float) -> Tuple[float, float]:
    """(low, high) order statistics around the central ``confidence`` mass,
    sacrebleu's rule: for 0.95 and n scores, the (n//40)-th from each end."""
    ordered = np.sort(scores)
    n = len(ordered)
    lower = int(math.floor(n * (1.0 - confidence) / 2.0 + 1e-9))
    return float(ordered[lower]), float(ordered[n - lower - 1])


def paired_bootstrap_p(scores_a: np.ndarray, scores_b: np.ndarray, observed_delta: float) -> float:
    """Two-sided paired bootstrap p-value for the difference of two systems
    resampled with the same indices (Koehn 2004; sacrebleu --paired-bs)."""
    if observed_delta == 0.0:
        return 1.0
    differences = np.abs(scores_a - scores_b)
    centred = differences - differences.mean()
    return _p_value(centred, abs(observed_delta))


def non_inferiority_p(
    baseline: np.ndarray, current: np.ndarray, margin: float, higher_is_better: bool
) -> float:
    """One-sided paired bootstrap p-value for "the current system is worse
    than the baseline by more than ``margin``" (H0: drop ≤ margin), from
    both systems' scores on the same resamples: the share of resamples in
    which the drop is within the margin, with the +1 correction."""
    drops = (baseline - current) if higher_is_better else (current - baseline)
    return (int(np.sum(drops <= margin)) + 1) / (len(drops) + 1)


def randomization_mask(segments: int, trials: int, seed: int) -> np.ndarray:
    """Which segments swap systems in each trial, shape (trials, segments).
    For small sets and tests; runs use ``randomization_mask_chunks``."""
    rng = np.random.default_rng(seed)
    return rng.integers(2, size=(trials, segments), dtype=bool)


def randomization_mask_chunks(segments: int, trials: int, seed: int, chunk_rows: Optional[int] = None) -> Iterator[np.ndarray]:
    """``randomization_mask`` in chunks of rows. numpy draws booleans 32 at a
    time from one 32-bit word and drops the rest of the word at the end of a
    call, so every chunk but the last holds a multiple of 32 rows: then the
    chunks are exactly the rows of one whole draw (tests check this)."""
    rng = np.random.default_rng(seed)
    rows = chunk_rows or _rows_per_chunk(segments, multiple=32)
    if rows % 32:
        raise ValueError("chunk_rows must be a multiple of 32")
    for start in range(0, trials, rows):
        yield rng.integers(2, size=(min(rows, trials - start), segments), dtype=bool)


def paired_randomization_p(
    stats_a: np.ndarray, stats_b: np.ndarray, masks: Union[np.ndarray, Iterable[np.ndarray]], score: ScoreFunction, observed_delta: float
) -> float:
    """Two-sided approximate randomisation p-value (Riezler & Maxwell 2005;
    sacrebleu --paired-ar): swap each segment's outputs at random. ``masks``
    is the whole mask or an iterable of its row chunks."""
    if observed_delta == 0.0:
        return 1.0
    if isinstance(masks, np.ndarray):
        masks = [masks]
    a, b = stats_a.astype(np.float64), stats_b.astype(np.float64)
    total_a, total_b, difference = a.sum(0), b.sum(0), a - b
    differences = []
    for mask in masks:
        # pseudo_a = swapped @ a + kept @ b = total_b + swapped @ (a - b): exact
        # for integer counts, and one product instead of four.
        moved = mask.astype(np.float64) @ difference
        pseudo_a, pseudo_b = total_b + moved, total_a - moved
        differences.append(np.abs(np.array([score(row) for row in pseudo_a]) - np.array([score(row) for row in pseudo_b])))
    return _p_value(np.concatenate(differences), abs(observed_delta))


def _p_value(statistics: np.ndarray, observed: float) -> float:
    """(count of statistics above the observed one + 1) / (n + 1) (MultEval)."""
    return (int(np.sum(statistics > observed)) + 1) / (len(statistics) + 1)


def adjust_p_values(p_values: Sequence[float], method: str) -> List[float]:
    """Family-wise error correction over one metric's comparisons."""
    m = len(p_values)
    if method == "none" or m == 0:
        return list(p_values)
    if method == "bonferroni":
        return [min(1.0, p * m) for p in p_values]
    if method == "holm":
        order = sorted(range(m), key=lambda i: p_values[i])
        adjusted = [0.0] * m
        running = 0.0
        for rank, i in enumerate(order):
            running = max(running, min(1.0, (m - rank) * p_values[i]))
            adjusted[i] = running
        return adjusted
    raise ValueError(f"unknown correction {method!r}; known: {', '.join(CORRECTIONS)}")


def rank_groups(
    scores: Mapping[str, float], significantly_different: Callable[[str, str], bool], higher_is_better: bool
) -> Dict[str, int]:
    """WMT-style clusters: systems in score order; a system joins the current
    group unless it is significantly different from the group's best system,
    in which case it starts the next group. Group 1 is the best."""
    order = sorted(scores, key=lambda name: scores[name], reverse=higher_is_better)
    groups: Dict[str, int] = {}
    group, head = 0, None
    for name in order:
        if head is None or significantly_different(head, name):
            group += 1
            head = name
        groups[name] = group
    return groups
