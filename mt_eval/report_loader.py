"""Read a report set back for the gate, merge and library users.

``RunResult.load`` reads report.json and the segments.parquet beside it and
verifies the set's seal; this module adds what only the metric layer knows:

- every corpus score is recomputed from what the set stores, as the metric
  computes it: from the summed sufficient statistics with the registered
  metric's ``score_function()``, or, for a metric without one, as the mean
  of the segment scores; a report whose scores disagree is refused, naming
  the file, system and metric (a score edited after the run, or statistics
  of another run);
- a metric that needs statistics to be resampled must have them;
- the test set's checksum (what the gate and merge compare) is the one of
  the texts the set stores;
- a report written before report.json recorded each metric's facts (schema
  < 2.1) or its identity (schema < 2.2) gets them from the registered
  metric, so labels, digits, tie tolerances and what the gate compares are
  the metric's own and not guesses.

(Intervals are not required to contain their scores: a percentile bootstrap
interval need not contain the point estimate, and the gate and merge
resample again from the statistics rather than read stored intervals.)
"""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path
from typing import Any, Callable, Dict, Optional, Type, Union

import numpy as np

from .errors import InputError, MtEvalError
from .metrics.base import Metric
from . import signatures
from .metrics.registry import registered_metrics
from .results import MetricResult, RunResult
from .testset import TestSet


def load_report(path: Union[str, "Path"]) -> RunResult:
    """A report set, from its report.json (or the folder holding it),
    verified: its seal, and every score against its statistics."""
    result = RunResult.load(Path(path).expanduser(), verify=verify_report)
    for metric in result.metrics:
        registered = registered_metrics().get(metric)
        if registered is None:
            continue  # a plug-in that is not installed here: the scores' own facts serve
        if metric not in result.metric_info:
            result.metric_info[metric] = _metric(registered, result).info()
        _settle_identity(result, metric, registered)
    return result


def _settle_identity(result: RunResult, metric: str, registered: Type[Metric[Any]]) -> None:
    """The identity the gate and merge compare must be the one of the
    options the scores were computed (and are recomputed) with: an older
    report gets it from them, and a recorded one must agree with them."""
    signature = _metric_signature(result, metric)
    if signature is None:
        return  # nothing scored: nothing is compared
    recorded = result.metric_info[metric].identity
    options = result.config.get(metric)
    derived = _recorded_identity(registered, options, signature)
    sealed = bool(result.run_id)  # schema 2.2 on records identities
    if not derived:
        if sealed and recorded:
            return  # options this version cannot read: the recorded identity stands
        raise InputError(f"{result.origin}: config.{metric} (the options {metric} was scored with) is missing or cannot be read "
                         f"by this version, so what its scores measure cannot be told. Re-create the report set with mt-eval.")
    if not sealed and not recorded:
        result.metric_info[metric] = dataclasses.replace(result.metric_info[metric], identity=derived)
    elif recorded != derived:
        differing = signatures.identity_differences(metric, recorded, derived, ("metric_info", "config"))
        raise InputError(f"{result.origin}: metric_info.{metric}.identity does not match the options report.json records "
                         f"({'; '.join(differing)}). One was edited; re-create the report set with mt-eval.")


def _recorded_identity(registered: Type[Metric[Any]], options: Any, signature: Optional[str]) -> Dict[str, Any]:
    """The identity of an older report's scores; empty (compared by
    signature, as then) where its options cannot be read by this version."""
    if signature is None or options is None:
        return {}  # nothing scored, or no options recorded: compared by signature
    try:
        return registered.recorded_identity(options, signature)
    except (MtEvalError, TypeError, ValueError):
        return {}


def _metric_signature(result: RunResult, metric: str) -> Optional[str]:
    for system in result.systems:
        score = system.scores.get(metric)
        if score is not None and score.ok:
            return score.signature_parts.get("metric", score.signature or "")
    return None


def verify_report(result: RunResult) -> None:
    """Refuse a report whose numbers are not those of the data it stores."""
    check_checksum(result)
    check_scores(result)


def check_checksum(result: RunResult) -> None:
    """The checksum names the test set; it must be the stored texts' own."""
    texts = result.testset.texts
    stored = TestSet(name=result.testset.name, source=texts.source, references=texts.references, systems={}, line_numbers=[])
    if not texts.loaded or any(not isinstance(text, str) for text in texts.source):
        raise InputError(f"{result.data_origin}: holds no source texts, so the test set's checksum cannot be checked. "
                         "Re-create the report set with mt-eval.")
    if stored.checksum != result.testset.checksum:
        raise InputError(f"{result.origin}: testset.checksum {result.testset.checksum} is not the checksum of the texts in "
                         f"{result.data_origin} ({stored.checksum}). The checksum was edited, or the files are from different runs.")


def check_scores(result: RunResult) -> None:
    """Refuse a report whose corpus scores are not those of its own
    statistics (or segment scores), or that lacks statistics its metric
    needs; every message names the file, the system and the metric."""
    for metric in result.metrics:
        function = _score_function(result, metric)
        for index, system in enumerate(result.systems):
            score = system.scores.get(metric)
            if score is None or not score.ok:
                continue
            where = f"systems[{index}].scores.{metric}"
            recomputed = _recompute(result, metric, function, score, where, system.name)
            assert score.score is not None  # report_check requires a finite score for a scored metric
            if not _agree(score.score, recomputed):
                raise InputError(
                    f"{result.origin}: {where}.score: system {system.name!r}, {metric}: report.json says {score.score!r}, but its "
                    f"{'statistics' if score.stats is not None else 'segment scores'} in {result.data_origin} give {float(recomputed)!r}. The score was edited "
                    "after the run, or the files are from different runs; re-create the report set with mt-eval.")


def _recompute(result: RunResult, metric: str, function: Optional[Callable[[np.ndarray], float]], score: MetricResult,
               where: str, system: str) -> Any:
    if function is not None:
        if score.stats is None:
            raise InputError(f"{result.data_origin}: the column {metric}.stats (the statistics {metric} is recomputed and "
                             f"resampled from) is missing for system {system!r}. Re-create the report set with mt-eval.")
        try:
            return function(np.asarray(score.stats, dtype=np.float64).sum(axis=0))
        except Exception as error:  # the metric's own code, on statistics of a shape it does not take
            raise InputError(f"{result.data_origin}: {metric}.stats of system {system!r} cannot give a {metric} score "
                             f"({type(error).__name__}: {error}). Re-create the report set with mt-eval.") from None
    if score.segments is None or not len(score.segments):
        raise InputError(f"{result.origin}: {where}.segments: missing; {metric}'s score is the mean of its segment scores.")
    return float(np.mean(np.asarray(score.segments, dtype=np.float64)))


def _score_function(result: RunResult, metric: str) -> Optional[Callable[[np.ndarray], float]]:
    """The registered metric's corpus-score function for the report's
    options; None means the mean of segment scores."""
    registered = registered_metrics().get(metric)
    if registered is None:
        if any(system.scores.get(metric) is not None and system.scores[metric].stats is not None for system in result.systems):
            raise InputError(f"{result.origin}: {metric}: the report holds statistics of a metric not installed here, so its "
                             f"scores cannot be checked; install the package that provides {metric}.")
        return None  # a plug-in's segment-scored metric: its corpus score is the mean (metrics.base)
    return _metric(registered, result).score_function()


def _metric(registered: Type[Metric[Any]], result: RunResult) -> Metric[Any]:
    """The metric with the options the report was scored with."""
    try:
        return registered(result.config.get(registered.name))
    except MtEvalError:  # options this version no longer takes: the class's facts and defaults still hold
        return registered()


def _agree(stored: float, recomputed: Any) -> bool:
    """Equal up to float noise of the type the function computed in."""
    value = float(recomputed)
    if not math.isfinite(value):
        return False
    kind = np.asarray(recomputed).dtype
    eps = float(np.finfo(kind).eps) if np.issubdtype(kind, np.floating) else float(np.finfo(np.float64).eps)
    return abs(stored - value) <= 64 * eps * max(1.0, abs(stored), abs(value))
