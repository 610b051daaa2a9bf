"""The regression gate: compare a run with a stored baseline run.

Pure comparison (no printing, no files): ``compare`` takes two RunResults
and the gate settings and returns a verdict per system and metric. A run
that cannot be compared with its baseline (another test set, other metric
settings) raises ``IncomparableError`` (exit 2); a regression is a verdict
(exit 1), not an error.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Callable, Dict, List, Mapping, Optional

import numpy as np

from . import stats as st
from .analysis import statistics_matrices
from .errors import InputError
from .results import MetricResult, RunResult

PASS, REGRESSION, BELOW_MIN, MISSING, NOTICE = "pass", "regression", "below-min", "missing", "notice"
FAILING = (REGRESSION, BELOW_MIN, MISSING)
TOLERANCE = 1e-9  # float noise is not a drop


class IncomparableError(InputError):
    """The baseline and the run do not measure the same thing."""


@dataclass
class Verdict:
    system: str
    metric: str
    verdict: str
    baseline: Optional[float] = None
    current: Optional[float] = None
    delta: Optional[float] = None  # current - baseline
    drop: Optional[float] = None  # how much worse, in the metric's direction (negative: better)
    ci: Optional[List[float]] = None  # the current score's interval
    p_value: Optional[float] = None  # non-inferiority test, when required
    reason: str = ""

    @property
    def failed(self) -> bool:
        return self.verdict in FAILING


@dataclass
class GateResult:
    baseline_path: str
    verdicts: List[Verdict] = field(default_factory=list)
    notices: List[str] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        return any(v.failed for v in self.verdicts)

    def to_dict(self) -> Dict[str, Any]:
        return {"baseline": self.baseline_path, "failed": self.failed, "verdicts": [asdict(v) for v in self.verdicts], "notices": self.notices}


def check_comparable(baseline: RunResult, current: RunResult) -> None:
    """Refuse a comparison that would not mean anything, saying why."""
    if baseline.testset.checksum != current.testset.checksum:
        raise IncomparableError(
            f"the baseline was scored on another test set: checksum {baseline.testset.checksum} "
            f"({baseline.testset.name}) vs {current.testset.checksum} ({current.testset.name}). Re-create the baseline on this test set."
        )
    if baseline.testset.segments != current.testset.segments:
        raise IncomparableError(f"segment counts differ: baseline {baseline.testset.segments}, this run {current.testset.segments}.")
    for metric in current.metrics:
        ours = _first_signature(current, metric)
        theirs = _first_signature(baseline, metric)
        if ours is None or theirs is None:
            continue
        differing = _signature_differences(theirs, ours)
        if differing:
            raise IncomparableError(
                f"{metric}: the baseline was scored with other settings ({'; '.join(differing)}). "
                "Use the baseline's settings, or re-create the baseline with these."
            )


def compare(
    baseline: RunResult,
    current: RunResult,
    settings: Any,
    score_functions: Mapping[str, Optional[Callable[[np.ndarray], float]]],
    stats_settings: Any,
    baseline_path: str = "",
) -> GateResult:
    check_comparable(baseline, current)
    result = GateResult(baseline_path)
    for metric in current.metrics:
        theirs, ours = _first_signature(baseline, metric), _first_signature(current, metric)
        if theirs and ours:
            versions = [_fields(sig).get("version") for sig in (theirs, ours)]
            if versions[0] != versions[1]:
                result.notices.append(f"{metric}: the baseline was scored with version {versions[0]}, this run with {versions[1]}")
    base_systems = {s.name: s for s in baseline.systems}
    for name in sorted(set(base_systems) - {s.name for s in current.systems}):
        result.notices.append(f"system {name!r} is in the baseline but not in this run: not gated")
    weights = None
    for system in current.systems:
        base = base_systems.get(system.name)
        if base is None:
            result.notices.append(f"system {system.name!r} is not in the baseline: not gated")
            continue
        for metric in current.metrics:
            max_drop = _threshold(settings.max_drop, metric)
            floor = _threshold(settings.min, metric)
            named = max_drop is not None or floor is not None
            ours, theirs = system.scores.get(metric), base.scores.get(metric)
            if ours is None or ours.status != "ok":
                reason = ours.reason if ours else "not run"
                verdict = MISSING if named else NOTICE
                result.verdicts.append(Verdict(system.name, metric, verdict, reason=f"skipped in this run: {reason}"))
                continue
            margin = max_drop if max_drop is not None else float(settings.default_max_drop)
            verdict = Verdict(system.name, metric, PASS, current=ours.score, ci=ours.ci)
            if floor is not None and not _meets_floor(ours, floor):
                verdict.verdict = BELOW_MIN
                verdict.reason = f"{ours.score:.4f} is {'below' if ours.higher_is_better else 'above'} the required {floor}"
            if theirs is None or theirs.status != "ok":
                verdict.reason = verdict.reason or "no baseline score"
                result.verdicts.append(verdict)
                continue
            verdict.baseline = theirs.score
            verdict.delta = ours.score - theirs.score
            verdict.drop = -verdict.delta if ours.higher_is_better else verdict.delta
            if verdict.drop > margin + TOLERANCE:
                regression = True
                if settings.require_significance:
                    if weights is None:
                        indices = st.bootstrap_indices(current.testset.segments, int(stats_settings.resamples), int(stats_settings.seed))
                        weights = st.resample_weights(indices, current.testset.segments)
                    verdict.p_value = _non_inferiority(theirs, ours, weights, score_functions.get(metric), margin, current.testset.segments)
                    regression = verdict.p_value < float(settings.alpha)
                if regression and verdict.verdict == PASS:
                    verdict.verdict = REGRESSION
                    verdict.reason = f"dropped {verdict.drop:.4f} (allowed {margin})" + (
                        f", significant (p = {verdict.p_value:.4f})" if verdict.p_value is not None else "")
                elif not regression:
                    verdict.reason = f"dropped {verdict.drop:.4f} (allowed {margin}), not significant (p = {verdict.p_value:.4f})"
            result.verdicts.append(verdict)
    return result


def _non_inferiority(base: MetricResult, ours: MetricResult, weights: np.ndarray, score, margin: float, segments: int) -> float:
    """Resample both runs' statistics exactly as the run's own intervals are resampled."""
    matrices, score = statistics_matrices({"baseline": base, "current": ours}, score, segments)
    resampled = {name: st.resampled_scores(matrix, weights.astype(matrix.dtype), score) for name, matrix in matrices.items()}
    return st.non_inferiority_p(resampled["baseline"], resampled["current"], margin, ours.higher_is_better)


def _threshold(thresholds: Any, metric: str) -> Optional[float]:
    value = thresholds.get(metric) if hasattr(thresholds, "get") else getattr(thresholds, metric, None)
    return None if value is None else float(value)


def _meets_floor(score: MetricResult, floor: float) -> bool:
    return score.score >= floor - TOLERANCE if score.higher_is_better else score.score <= floor + TOLERANCE


def _first_signature(run: RunResult, metric: str) -> Optional[str]:
    for system in run.systems:
        score = system.scores.get(metric)
        if score is not None and score.status == "ok":
            parts = score.signature_parts
            return "|".join(parts[key] for key in ("metric", "normalization") if key in parts)
    return None


def _signature_differences(baseline: str, current: str) -> List[str]:
    """``key: baseline → current`` for each signature field that differs;
    the version of the metric's library is not a difference."""
    theirs, ours = _fields(baseline), _fields(current)
    return [
        f"{key}: baseline {theirs.get(key, '—')}, this run {ours.get(key, '—')}"
        for key in sorted(set(theirs) | set(ours))
        if key != "version" and theirs.get(key) != ours.get(key)
    ]


def _fields(signature: str) -> Dict[str, str]:
    return dict(part.split(":", 1) for part in signature.split("|") if ":" in part)
