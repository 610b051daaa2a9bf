"""Apply the statistics of ``stats.py`` to a run's metric results.

For every metric: a bootstrap confidence interval on each system's score,
paired tests between systems (all pairs, or each against a baseline) with
corrected p-values, and rank groups. One set of bootstrap indices (and one
randomisation mask) serves every metric and system of the run.
"""

from __future__ import annotations

import itertools
from dataclasses import asdict, dataclass
from typing import Any, Callable, Dict, List, Mapping, Optional, Tuple

import numpy as np

from . import stats as st
from .errors import ConfigError, did_you_mean
from .results import MetricResult

METHODS = ("bootstrap", "ar", "none")


@dataclass
class Comparison:
    metric: str
    a: str
    b: str
    method: str  # "paired-bootstrap" or "paired-ar"
    score_a: float
    score_b: float
    delta: float  # score_b - score_a, in the metric's units
    p_value: float
    p_adjusted: float
    significant: bool
    better: Optional[str]  # the significantly better system, if any

    def to_dict(self) -> Dict[str, Any]:
        return asdict(self)


def check_settings(settings: Any, systems: List[str]) -> None:
    """Refuse bad statistics options before any work is done."""
    if settings.method not in METHODS:
        raise ConfigError(f"stats.method={settings.method!r}. {did_you_mean(str(settings.method), METHODS)}")
    if settings.correction not in st.CORRECTIONS:
        raise ConfigError(f"stats.correction={settings.correction!r}. {did_you_mean(str(settings.correction), st.CORRECTIONS)}")
    if not 0 < float(settings.confidence) < 1:
        raise ConfigError(f"stats.confidence={settings.confidence}: must be between 0 and 1, e.g. 0.95.")
    if not 0 < float(settings.alpha) < 1:
        raise ConfigError(f"stats.alpha={settings.alpha}: must be between 0 and 1, e.g. 0.05.")
    seed = int(settings.seed)
    if not 0 <= seed < 2**63:
        raise ConfigError(f"stats.seed={settings.seed}: must be a whole number from 0 (numpy's generators take no negative seed).")
    if int(settings.min_segments) < 0:
        raise ConfigError(f"stats.min_segments={settings.min_segments}: must be 0 or more.")
    if int(settings.resamples) < 10 or int(settings.trials) < 10:
        raise ConfigError("stats.resamples and stats.trials must be at least 10 (1000 and 10000 are usual).")
    if settings.baseline is not None and settings.baseline not in systems:
        raise ConfigError(f"stats.baseline={settings.baseline!r} is not a system of this run. {did_you_mean(str(settings.baseline), systems)}")


def signature_of(settings: Any) -> str:
    """The statistics part of every score's signature."""
    test = {"bootstrap": f"test:paired-bs-{settings.resamples}", "ar": f"test:paired-ar-{settings.trials}", "none": "test:none"}[settings.method]
    return f"ci:bs-{settings.resamples}-{settings.confidence}|{test}|corr:{settings.correction}|alpha:{settings.alpha}|seed:{settings.seed}"


def analyse(
    results: Mapping[str, Mapping[str, MetricResult]],
    score_functions: Mapping[str, Optional[Callable[[np.ndarray], float]]],
    segments: int,
    settings: Any,
) -> List[Comparison]:
    """Fill in ``ci``, ``bootstrap_mean`` and ``rank_group`` on every scored
    MetricResult (``results[metric][system]``) and return the comparisons."""
    scored_by_metric = {metric: {name: r for name, r in by_system.items() if r.ok} for metric, by_system in results.items()}
    scored_by_metric = {metric: scored for metric, scored in scored_by_metric.items() if scored}
    prepared = {metric: statistics_matrices(scored, score_functions.get(metric), segments) for metric, scored in scored_by_metric.items()}
    # One pass over the resamples, in chunks, serves every metric and system.
    all_resampled = st.bootstrap_scores(
        {(metric, name): (matrix, score) for metric, (matrices, score) in prepared.items() for name, matrix in matrices.items()},
        segments, int(settings.resamples), int(settings.seed),
    )
    comparisons: List[Comparison] = []
    for metric, scored in scored_by_metric.items():
        resampled = {name: all_resampled[(metric, name)] for name in scored}
        _fill_intervals(scored, resampled, settings)
        if settings.method == "none":
            continue
        tested = _test_pairs(metric, scored, resampled, prepared[metric], segments, settings)
        comparisons.extend(tested)
        if settings.baseline is None:  # rank groups need every pair tested
            _fill_rank_groups(scored, tested)
    return comparisons


def _fill_intervals(scored: Mapping[str, MetricResult], resampled: Mapping[str, np.ndarray], settings: Any) -> None:
    signature = signature_of(settings)
    for name, result in scored.items():
        low, high = st.percentile_interval(resampled[name], float(settings.confidence))
        result.ci = [low, high]
        result.bootstrap_mean = st.resample_mean(resampled[name])
        result.signature = f"{result.signature}|{signature}"
        result.signature_parts["statistics"] = signature


def _test_pairs(metric: str, scored: Mapping[str, MetricResult], resampled: Mapping[str, np.ndarray],
                prepared: Tuple[Dict[str, np.ndarray], Callable[[np.ndarray], float]], segments: int, settings: Any) -> List[Comparison]:
    """The paired test of every pair (or each system against the baseline),
    with corrected p-values."""
    matrices, score = prepared
    pairs = _pairs(list(scored), settings.baseline)
    raw = []
    for a, b in pairs:
        delta = _score(scored[b]) - _score(scored[a])
        if settings.method == "bootstrap":
            raw.append(st.paired_bootstrap_p(resampled[a], resampled[b], delta))
        else:
            masks = st.randomization_mask_chunks(segments, int(settings.trials), int(settings.seed))
            raw.append(st.paired_randomization_p(matrices[a], matrices[b], masks, score, delta))
    adjusted = st.adjust_p_values(raw, str(settings.correction))
    higher = next(iter(scored.values())).higher_is_better
    method = "paired-bootstrap" if settings.method == "bootstrap" else "paired-ar"
    comparisons = []
    for (a, b), p, p_adj in zip(pairs, raw, adjusted):
        delta = _score(scored[b]) - _score(scored[a])
        significant = p_adj < float(settings.alpha)
        better = (b if (delta > 0) == higher else a) if significant else None
        comparisons.append(Comparison(metric, a, b, method, _score(scored[a]), _score(scored[b]), delta, p, p_adj, significant, better))
    return comparisons


def _fill_rank_groups(scored: Mapping[str, MetricResult], comparisons: List[Comparison]) -> None:
    different = {frozenset((c.a, c.b)) for c in comparisons if c.significant}
    higher = next(iter(scored.values())).higher_is_better
    groups = st.rank_groups({n: _score(r) for n, r in scored.items()}, lambda x, y: frozenset((x, y)) in different, higher)
    for name, group in groups.items():
        scored[name].rank_group = group


def _score(result: MetricResult) -> float:
    if result.score is None:
        raise ValueError(f"{result.metric}: a scored result without a score")
    return result.score


def statistics_matrices(
    scored: Mapping[str, MetricResult], score_function: Optional[Callable[[np.ndarray], float]], segments: int,
) -> Tuple[Dict[str, np.ndarray], Callable[[np.ndarray], float]]:
    """Per-system statistics matrices and the corpus-score function.

    Lexical metrics: sacrebleu's sufficient statistics in float64, the type
    the corpus score itself is computed in. (sacrebleu's own resampling
    uses float32, and its chrF then computes in float32: a resample equal
    to the test set, as every resample of a 1-segment set is, scored ~1e-7
    away from the corpus score, which fell outside its own interval.)
    Metrics without sufficient statistics (COMET): segment scores in
    float64, corpus score = mean."""
    first = next(iter(scored.values()))
    if first.stats is not None and score_function is not None:
        return {name: np.asarray(r.stats, dtype=np.float64) for name, r in scored.items()}, score_function
    matrices = {name: np.asarray(r.segments, dtype=np.float64)[:, None] for name, r in scored.items()}
    return matrices, lambda summed: float(summed[0]) / segments


def _pairs(systems: List[str], baseline: Optional[str]) -> List[Tuple[str, str]]:
    if baseline is not None:
        return [(baseline, name) for name in systems if name != baseline]
    return list(itertools.combinations(systems, 2))
