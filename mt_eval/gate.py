"""The regression gate: compare a run with a stored baseline run.

Pure comparison (no printing, no files): ``compare`` takes two RunResults
and the gate settings and returns a verdict per system and metric.

The contract: every (baseline system × metric the baseline scored) is
either compared or fails with a reason, and every threshold the gate names
is either checked or fails. Nothing counts as a pass unless a number was
compared with another:

- a system of the baseline missing from the run: ``missing`` (fail);
- a metric the baseline scored but the run skipped or did not compute:
  ``missing`` (fail);
- a threshold on a metric the run does not compute, or skipped: ``missing``;
- a metric skipped in the baseline: never a pass (``missing`` when a
  max_drop is named for it, else a ``notice``; a floor is still checked);
- a system new in the run: a notice;
- nothing compared at all: ``IncomparableError`` (exit 2), naming both
  sides' systems.

A run that cannot be compared with its baseline (another test set, other
metric settings) also raises ``IncomparableError``; a regression is a
verdict (exit 1), not an error.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any, Callable, Dict, List, Mapping, Optional, cast

import numpy as np

from . import significance_floor, signatures
from . import stats as st
from .analysis import statistics_matrices
from .errors import ConfigError, InputError
from .metrics.registry import registered_metrics
from .results import MetricResult, RunResult

PASS, REGRESSION, BELOW_MIN, MISSING, NOTICE = "pass", "regression", "below-min", "missing", "notice"
FAILING = (REGRESSION, BELOW_MIN, MISSING)
COMPARED = (PASS, REGRESSION, BELOW_MIN)
# Float noise is not a drop: a millionth of the metric's scale (1e-4 BLEU,
# 1e-6 COMET), far below any digit shown, and above what a score-neutral
# option (COMET's batch size) moves a score by.
NOISE_SHARE = 1e-6
TOLERANCE = 1e-9  # the least noise allowed, for a metric of scale 0


class IncomparableError(InputError):
    """The baseline and the run do not measure the same thing, or nothing
    could be compared."""


@dataclass
class Verdict:
    system: str
    metric: str
    verdict: str
    baseline: Optional[float] = None
    current: Optional[float] = None
    delta: Optional[float] = None  # current - baseline
    drop: Optional[float] = None  # how much worse, in the metric's direction (negative: better)
    delta_ci: Optional[List[float]] = None  # paired bootstrap interval of delta
    p_value: Optional[float] = None  # non-inferiority test, when required
    higher_is_better: bool = True
    allowed: Optional[float] = None  # the margin that applied
    reason: str = ""
    label: str = ""  # the metric as people write it (from the report's metric_info)

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

    @property
    def passed(self) -> bool:
        """True when every check passed (no regression, nothing missing)."""
        return not self.failed

    @property
    def failures(self) -> List[Verdict]:
        """The checks that failed, each with its reason."""
        return [v for v in self.verdicts if v.failed]

    @property
    def compared(self) -> int:
        return sum(1 for v in self.verdicts if v.verdict in COMPARED)

    def to_dict(self) -> Dict[str, Any]:
        return {"baseline": self.baseline_path, "failed": self.failed, "verdicts": [asdict(v) for v in self.verdicts], "notices": self.notices}


def check_settings(settings: Any, stats_settings: Any) -> None:
    """Refuse, at config time, thresholds that are not finite numbers in
    range, and significance levels the resampling cannot reach."""
    for group, lowest in (("max_drop", 0.0), ("min", None)):
        for metric, value in _thresholds(settings, group).items():
            _check_number(f"gate.{group}.{metric}", value, lowest)
    _check_number("gate.default_max_drop", settings.default_max_drop, 0.0)
    alpha = settings.alpha
    _check_number("gate.alpha", alpha, None)
    if not 0 < float(alpha) < 1:
        raise ConfigError(f"gate.alpha={alpha}: must be between 0 and 1 (exclusive), e.g. 0.05.")
    resamples = significance_floor.check_stats_settings(stats_settings)
    if bool(settings.require_significance):
        # The gate's test is a paired bootstrap on stats.resamples, whatever stats.method says.
        significance_floor.check_reachable("gate.alpha", float(alpha), "stats.resamples", resamples, "the gate's paired bootstrap")


def _check_number(key: str, value: Any, lowest: Optional[float]) -> None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{key}={value!r}: must be a number.") from None
    if not math.isfinite(number):
        raise ConfigError(f"{key}={value}: must be a finite number (not NaN or infinity).")
    if lowest is not None and number < lowest:
        raise ConfigError(f"{key}={value}: must be {lowest} or more (a margin in the metric's units; for TER, the allowed rise).")


def _thresholds(settings: Any, group: str) -> Dict[str, Any]:
    """metric → the value set under ``gate.<group>`` (one field per
    registered metric in the schema; unset fields are None)."""
    node = settings.get(group) if hasattr(settings, "get") else getattr(settings, group, None)
    if node is None:
        return {}
    items = node.items() if hasattr(node, "items") else asdict(node).items()
    return {str(metric): value for metric, value in items if value is not None}


def named_thresholds(settings: Any) -> Dict[str, Dict[str, float]]:
    """metric → {"max_drop": x, "min": y} for every threshold set explicitly."""
    named: Dict[str, Dict[str, float]] = {}
    for group in ("max_drop", "min"):
        for metric, value in _thresholds(settings, group).items():
            named.setdefault(metric, {})[group] = float(value)
    return named


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
        differing = signatures.differences(baseline, current, metric)
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
        change = signatures.version_change(baseline, current, metric)
        if change:
            result.notices.append(change)
    base_systems = {s.name: s for s in baseline.systems}
    run_systems = {s.name: s for s in current.systems}
    if not set(base_systems) & set(run_systems):
        raise IncomparableError(
            "nothing to compare: no system of this run is in the baseline "
            f"(baseline: {', '.join(sorted(base_systems)) or 'none'}; this run: {', '.join(sorted(run_systems)) or 'none'}). "
            "Name the systems as the baseline does, or re-create the baseline."
        )
    for name in sorted(set(run_systems) - set(base_systems)):
        result.notices.append(f"system {name!r} is new (not in the baseline): not gated")
    judge = _Judge(settings, named_thresholds(settings), _DeltaResampler(current.testset.segments, stats_settings, score_functions), current, baseline)
    metrics = list(dict.fromkeys([*baseline.metrics, *current.metrics, *judge.thresholds]))
    for name, base in base_systems.items():
        system = run_systems.get(name)
        for metric in metrics:
            verdict = judge.verdict(name, metric, base.scores.get(metric), system.scores.get(metric) if system else None, system is not None)
            if verdict is not None:
                result.verdicts.append(verdict)
    if result.compared == 0 and not result.failed:
        raise IncomparableError(
            "nothing to compare: the baseline and this run share no scored metric for any system "
            f"(baseline metrics: {', '.join(baseline.metrics) or 'none'}; this run: {', '.join(current.metrics) or 'none'}). "
            + "; ".join(f"{v.system} {v.metric}: {v.reason}" for v in result.verdicts)
        )
    return result


class _Judge:
    """One verdict per (baseline system, metric), under the gate's settings."""

    def __init__(self, settings: Any, thresholds: Dict[str, Dict[str, float]], resampler: "_DeltaResampler",
                 current: RunResult, baseline: RunResult) -> None:
        self.settings = settings
        self.thresholds = thresholds
        self.resampler = resampler
        self.current = current
        self.baseline = baseline

    def _label(self, metric: str) -> str:
        for run in (self.current, self.baseline):
            if metric in run.metrics:
                return run.info(metric).label
        registered = registered_metrics().get(metric)  # a threshold on a metric neither run computed
        return registered.label if registered is not None else metric

    def verdict(self, system: str, metric: str, theirs: Optional[MetricResult], ours: Optional[MetricResult], in_run: bool) -> Optional[Verdict]:
        named = self.thresholds.get(metric, {})
        baseline_scored = theirs is not None and theirs.ok
        known = ours or theirs
        verdict = Verdict(system, metric, PASS, higher_is_better=known.higher_is_better if known is not None else True, label=self._label(metric))
        if not baseline_scored and not (ours is not None and ours.ok) and not named:
            if theirs is None and ours is None:
                return None  # neither side ever asked for it
            if ours is None:
                return self._set(verdict, NOTICE, "skipped in the baseline and not computed in this run: not compared")
            return self._set(verdict, NOTICE, "skipped in both the baseline and this run: not compared")
        if not in_run or ours is None or not ours.ok:
            return self._missing(verdict, metric, theirs, ours, in_run, named)
        verdict.current = ours.score
        self._check_floor(verdict, ours, named.get("min"))
        if theirs is None or not theirs.ok:
            return self._no_baseline_score(verdict, metric, theirs, named)
        self._check_drop(verdict, metric, theirs, ours, named.get("max_drop", float(self.settings.default_max_drop)))
        return verdict

    @staticmethod
    def _set(verdict: Verdict, outcome: str, reason: str) -> Verdict:
        verdict.verdict, verdict.reason = outcome, reason
        return verdict

    def _missing(self, verdict: Verdict, metric: str, theirs: Optional[MetricResult], ours: Optional[MetricResult],
                 in_run: bool, named: Dict[str, float]) -> Verdict:
        verdict.baseline = theirs.score if theirs is not None and theirs.ok else None
        if not in_run:
            return self._set(verdict, MISSING, "the system is in the baseline but not in this run")
        why = ("not computed in this run (metrics does not list it)" if metric not in self.current.metrics
               else f"skipped in this run: {((ours.reason if ours else None) or 'not run').rstrip('.')}")
        return self._set(verdict, MISSING, why + ("; the gate sets a threshold for it" if named else "; the baseline has a score"))

    @staticmethod
    def _check_floor(verdict: Verdict, ours: MetricResult, floor: Optional[float]) -> None:
        if floor is not None and ours.score is not None and not _meets_floor(ours.score, floor, verdict.higher_is_better):
            _Judge._set(verdict, BELOW_MIN, f"{_show(ours.score)} is {'below' if verdict.higher_is_better else 'above'} the required {floor}")

    def _no_baseline_score(self, verdict: Verdict, metric: str, theirs: Optional[MetricResult], named: Dict[str, float]) -> Verdict:
        why = f"the baseline has no {metric} score ({theirs.reason if theirs else 'not computed'})"
        if "max_drop" in named:
            return self._set(verdict, MISSING, f"{why}, so gate.max_drop.{metric} cannot be checked")
        if verdict.verdict == PASS:
            floor = named.get("min")
            if floor is not None:
                verdict.reason = f"{why}: only the floor {floor} was checked, and met"
            else:
                self._set(verdict, NOTICE, f"{why}: not compared")
        return verdict

    def _check_drop(self, verdict: Verdict, metric: str, theirs: MetricResult, ours: MetricResult, margin: float) -> None:
        assert theirs.score is not None and ours.score is not None  # scored results always carry a score
        verdict.allowed = margin
        verdict.baseline = theirs.score
        verdict.delta = ours.score - theirs.score
        verdict.drop = -verdict.delta if verdict.higher_is_better else verdict.delta
        verdict.delta_ci = self.resampler.delta_interval(metric, theirs, ours)
        if verdict.drop <= margin + noise(self.current.info(metric).scale):
            return
        regression = True
        if self.settings.require_significance:
            verdict.p_value = self.resampler.non_inferiority_p(metric, theirs, ours, margin)
            regression = verdict.p_value < float(self.settings.alpha)
        word = "dropped" if verdict.higher_is_better else "rose"
        drop_text = f"{word} {_show_difference(verdict.drop, margin)} (allowed {margin})"
        if regression and verdict.verdict == PASS:
            self._set(verdict, REGRESSION, drop_text + (f", significant (p = {verdict.p_value:.4f})" if verdict.p_value is not None else ""))
        elif not regression:
            verdict.reason = drop_text + f", not significant (p = {verdict.p_value:.4f})"


class _DeltaResampler:
    """Paired bootstrap of baseline and current scores on the same resamples
    (the run's own seed and resample count): the interval of the difference,
    and the one-sided non-inferiority test."""

    def __init__(self, segments: int, stats_settings: Any, score_functions: Mapping[str, Any]) -> None:
        self.segments = segments
        self.resamples = int(stats_settings.resamples)
        self.seed = int(stats_settings.seed)
        self.confidence = float(stats_settings.confidence)
        self.score_functions = score_functions
        self._memo: Dict[tuple, Dict[str, np.ndarray]] = {}

    def _resampled(self, metric: str, base: MetricResult, ours: MetricResult) -> Optional[Dict[str, np.ndarray]]:
        key = (metric, id(base), id(ours))
        if key not in self._memo:
            try:
                matrices, score = statistics_matrices({"baseline": base, "current": ours}, self.score_functions.get(metric), self.segments)
            except (TypeError, ValueError):
                return None  # no per-segment data to resample (checked when the baseline was read)
            self._memo[key] = cast(Dict[str, np.ndarray], st.bootstrap_scores(  # keyed as given: "baseline", "current"
                {name: (matrix, score) for name, matrix in matrices.items()}, self.segments, self.resamples, self.seed))
        return self._memo[key]

    def delta_interval(self, metric: str, base: MetricResult, ours: MetricResult) -> Optional[List[float]]:
        resampled = self._resampled(metric, base, ours)
        if resampled is None:
            return None
        low, high = st.percentile_interval(resampled["current"] - resampled["baseline"], self.confidence)
        return [low, high]

    def non_inferiority_p(self, metric: str, base: MetricResult, ours: MetricResult, margin: float) -> float:
        resampled = self._resampled(metric, base, ours)
        if resampled is None:
            return 0.0  # nothing to resample: the drop stands as measured
        return st.non_inferiority_p(resampled["baseline"], resampled["current"], margin, ours.higher_is_better)


def digits_for(value: float, reference: float = 0.0, minimum: int = 2, maximum: int = 12) -> int:
    """Enough decimals that ``value`` does not print as ``reference`` (a drop
    of 0.004 against a margin of 0 must not read "0.00")."""
    digits = minimum
    while digits < maximum and round(value, digits) == round(reference, digits) and value != reference:
        digits += 1
    return digits


def _show(value: float) -> str:
    return f"{value:.4f}"


def _show_difference(value: float, margin: float) -> str:
    return f"{value:.{max(4, digits_for(value, margin))}f}"


def noise(scale: float) -> float:
    """Score differences of a metric of this scale that are float noise."""
    return max(TOLERANCE, NOISE_SHARE * float(scale))


def _meets_floor(score: float, floor: float, higher_is_better: bool, scale: float = 0.0) -> bool:
    return score >= floor - noise(scale) if higher_is_better else score <= floor + noise(scale)
