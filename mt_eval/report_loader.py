"""Read a report set back for the gate, merge and library users.

``RunResult.load`` reads report.json and the segments.parquet beside it;
this module adds what only the metric layer knows: a report written before
report.json recorded each metric's facts (schema < 2.1) or its identity
(schema < 2.2) gets them from the registered metric, so labels, digits,
tie tolerances and what the gate compares are the metric's own and not
guesses.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any, Dict, Optional, Type, Union

from .errors import MtEvalError
from .metrics.base import Metric
from .metrics.registry import registered_metrics
from .results import RunResult


def load_report(path: Union[str, "Path"]) -> RunResult:
    """A report set, from its report.json (or the folder holding it)."""
    location = Path(path).expanduser()
    if location.is_dir():
        location = location / "report.json"
    result = RunResult.load(location)
    for metric in result.metrics:
        registered = registered_metrics().get(metric)
        if registered is None:
            continue  # a plug-in that is not installed here: the scores' own facts serve
        options = result.config.get(metric)
        if metric not in result.metric_info:
            try:
                result.metric_info[metric] = registered(options).info()
            except MtEvalError:  # options this version no longer takes: the class's facts still hold
                result.metric_info[metric] = registered().info()
        if not result.metric_info[metric].identity:
            identity = _recorded_identity(registered, options, _metric_signature(result, metric))
            result.metric_info[metric] = dataclasses.replace(result.metric_info[metric], identity=identity)
    return result


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
