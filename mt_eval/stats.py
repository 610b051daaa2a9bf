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
same shapes), so p-values and intervals agree with its CLI.

One deliberate difference: when the observed difference is exactly zero
(a system against itself, or two systems with equal scores), the p-value is
1. sacrebleu counts ``resampled > observed`` and so reports 1/(n+1) there,
calling a system significantly different from itself.
"""

from __future__ import annotations

import math
from typing import Callable, Dict, List, Mapping, Sequence, Tuple

import numpy as np

ScoreFunction = Callable[[np.ndarray], float]  # summed statistics → corpus score

CORRECTIONS = ("none", "bonferroni", "holm")


def bootstrap_indices(segments: int, resamples: int, seed: int) -> np.ndarray:
    """Segment indices of every bootstrap resample, shape (resamples, segments)."""
    rng = np.random.default_rng(seed)
    return rng.choice(segments, size=(resamples, segments), replace=True)


def resample_weights(indices: np.ndarray, segments: int) -> np.ndarray:
    """How often each segment occurs in each resample, shape (resamples, segments)."""
    weights = np.zeros((indices.shape[0], segments), dtype=np.float64)
    rows = np.repeat(np.arange(indices.shape[0]), indices.shape[1])
    np.add.at(weights, (rows, indices.ravel()), 1.0)
    return weights


def resampled_scores(stats: np.ndarray, weights: np.ndarray, score: ScoreFunction) -> np.ndarray:
    """The corpus score of every resample: one matrix product, then the
    metric's own function on each summed row."""
    summed = weights @ stats
    return np.array([score(row) for row in summed], dtype=np.float64)


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
    """Which segments swap systems in each trial, shape (trials, segments)."""
    rng = np.random.default_rng(seed)
    return rng.integers(2, size=(trials, segments), dtype=bool)


def paired_randomization_p(
    stats_a: np.ndarray, stats_b: np.ndarray, mask: np.ndarray, score: ScoreFunction, observed_delta: float
) -> float:
    """Two-sided approximate randomisation p-value (Riezler & Maxwell 2005;
    sacrebleu --paired-ar): swap each segment's outputs at random."""
    if observed_delta == 0.0:
        return 1.0
    swapped = mask.astype(np.float64)
    kept = 1.0 - swapped
    pseudo_a = swapped @ stats_a + kept @ stats_b
    pseudo_b = kept @ stats_a + swapped @ stats_b
    differences = np.abs(np.array([score(row) for row in pseudo_a]) - np.array([score(row) for row in pseudo_b]))
    return _p_value(differences, abs(observed_delta))


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
