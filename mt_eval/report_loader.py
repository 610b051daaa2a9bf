"""Read a report set back for the gate, merge and library users.

``RunResult.load`` reads report.json and the segments.parquet beside it;
this module adds what only the metric layer knows: a report written before
report.json recorded each metric's facts (schema < 2.1) gets the
registered metric's own facts, so labels, digits and tie tolerances are the
metric's and not guesses.
"""

from __future__ import annotations

from pathlib import Path
from typing import Union

from .errors import MtEvalError
from .metrics.registry import registered_metrics
from .results import RunResult


def load_report(path: Union[str, "Path"]) -> RunResult:
    """A report set, from its report.json (or the folder holding it)."""
    location = Path(path).expanduser()
    if location.is_dir():
        location = location / "report.json"
    result = RunResult.load(location)
    for metric in result.metrics:
        if metric in result.metric_info:
            continue
        registered = registered_metrics().get(metric)
        if registered is None:
            continue  # a plug-in that is not installed here: the scores' own facts serve
        try:
            result.metric_info[metric] = registered(result.config.get(metric)).info()
        except MtEvalError:  # options this version no longer takes: the class's facts still hold
            result.metric_info[metric] = registered().info()
    return result
