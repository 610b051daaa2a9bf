"""Scoring: config → test set → metrics → statistics → RunResult.

``evaluate`` is a plain function (no Hydra, no printing, no files); ``run``
calls it for a run that scores (rather than merges), and library users may
call it directly with a composed config.
"""

from __future__ import annotations

import datetime as _dt
import math
from dataclasses import asdict
from typing import Any, Callable, ContextManager, Dict, Mapping, Optional, Sequence

from omegaconf import OmegaConf

from .analysis import analyse, check_settings
from .budget import check_run
from .significance_floor import unreachable_note
from .config import as_run_config, plain_config
from .errors import MtEvalError
from .metrics import Metric, create_metrics
from .results import MetricResult, RunResult, SystemResult, TestSetInfo, TestSetTexts
from .testset import TestSet, load_testset
from .version import __version__

# A context manager factory the caller may supply to show progress:
# progress_factory(description, total) yields a callback taking a count.
ProgressFactory = Callable[[str, int], ContextManager[Callable[[int], None]]]


def evaluate(
    config: Any,  # a RunConfig (made by make_dataclass, so no type here), a DictConfig or a Mapping
    progress_factory: Optional[ProgressFactory] = None,
    memory: Optional[Mapping[str, Sequence[str]]] = None,
) -> RunResult:
    """Score every system of the configured test set with every configured metric.

    ``config`` is a ``RunConfig`` (the typed schema of config.py), a plain
    mapping of the same keys, or a composed DictConfig; no Hydra is needed.
    ``memory`` holds in-memory segments for inputs named ``memory:KEY``."""
    config = as_run_config(config)
    metrics = create_metrics(list(config.metrics), config)  # bad metric options fail before any file is read
    testset = load_testset(config.testset, require_references=any(metric.needs_references for metric in metrics), memory=memory)
    check_settings(config.stats, list(testset.systems))
    # Before any scoring: refused with the estimate if its statistics cannot fit in memory.
    check_run(config.stats, list(config.report.formats), len(testset.systems), len(metrics), testset.size)
    for metric in metrics:
        metric.precheck(testset)
    systems = {
        name: SystemResult(name=name, origin=_origin(testset, name), flags=asdict(testset.flags[name]), outputs=testset.systems[name])
        for name in testset.systems
    }
    for metric in metrics:
        results = _score(metric, testset, progress_factory)
        for name, result in results.items():
            systems[name].scores[metric.name] = result
    comparisons = analyse(
        {metric.name: {name: systems[name].scores[metric.name] for name in systems} for metric in metrics},
        {metric.name: metric.score_function() for metric in metrics},
        testset.size,
        config.stats,
    )
    return RunResult(
        testset=_testset_info(testset),
        metrics=[metric.name for metric in metrics],
        metric_info={metric.name: metric.info() for metric in metrics},
        systems=list(systems.values()),
        config=plain_config(config),
        tool={"name": "mt-eval", "version": __version__},
        created=_dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        statistics=_statistics_summary(config.stats, testset.size, len(testset.systems)),
        comparisons=[comparison.to_dict() for comparison in comparisons],
    )


def _score(metric: Metric[Any], testset: TestSet, progress_factory: Optional[ProgressFactory]) -> Dict[str, MetricResult]:
    """One metric's results for every system, checked: a plug-in's failure
    or malformed output is its own, said as such (exit 2), never a NaN in a
    report or a crash blamed on mt-eval."""
    builtin = type(metric).__module__.startswith("mt_eval.")
    try:
        if progress_factory is None:
            results = metric.score_systems(testset)
        else:
            with progress_factory(metric.display_label(), testset.size * len(testset.systems)) as advance:
                results = metric.score_systems(testset, advance)
    except MtEvalError:
        raise
    except Exception as error:
        if builtin:
            raise  # a bug in mt-eval: the CLI prints the traceback
        raise MtEvalError(f"metric plug-in {metric.name!r} ({type(metric).__module__}) failed while scoring: {type(error).__name__}: {error}") from None
    problem = _results_problem(metric.name, results, testset)
    if problem:
        if builtin:
            raise RuntimeError(problem)
        raise MtEvalError(f"metric plug-in {metric.name!r} ({type(metric).__module__}): {problem}")
    return results


def _results_problem(metric: str, results: Mapping[str, MetricResult], testset: TestSet) -> Optional[str]:
    """What is wrong with a metric's results: a system missing, a score or
    a segment score that is not a finite number, the wrong segment count."""
    missing = [name for name in testset.systems if name not in results]
    if missing:
        return f"no result for system(s) {', '.join(missing)}"
    for name, result in results.items():
        if not result.ok:
            continue
        if not _finite(result.score):
            return f"the score of {name} is {result.score!r}, not a finite number"
        segments = result.segments or []
        if len(segments) != testset.size:
            return f"{len(segments)} segment scores for {name}'s {testset.size} segments"
        bad = next((i for i, value in enumerate(segments) if not _finite(value)), None)
        if bad is not None:
            return f"segment {testset.line_numbers[bad]} of {name} scores {segments[bad]!r}, not a finite number"
    return None


def _finite(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _statistics_summary(settings: Any, segments: int, systems: int) -> Dict[str, Any]:
    summary: Dict[str, Any] = OmegaConf.to_container(settings, resolve=True)  # type: ignore[assignment]
    unreachable = unreachable_note(settings, systems)
    if unreachable:
        summary["unreachable"] = unreachable
    summary["weak"] = segments < int(settings.min_segments)
    if summary["weak"]:
        summary["note"] = (
            f"only {segments} segments (fewer than stats.min_segments={settings.min_segments}): "
            "intervals are wide and significance tests have little power; treat them as indications, not evidence."
        )
    return summary


def _origin(testset: TestSet, name: str) -> str:
    for record in testset.inputs:
        if record.role == f"testset.systems.{name}":
            return record.origin
    return ""


def _testset_info(testset: TestSet) -> TestSetInfo:
    records = {record.role: record for record in testset.inputs}
    return TestSetInfo(
        name=testset.name,
        segments=testset.size,
        checksum=testset.checksum,
        source=records["testset.source"].origin,
        references=[record.origin for role, record in records.items() if role.startswith("testset.references")],
        normalization=testset.normalization,
        excluded_lines=testset.excluded_lines,
        line_numbers=testset.line_numbers,
        texts=TestSetTexts(source=testset.source, references=testset.references),
        inputs=[
            {
                "role": record.role,
                "origin": record.origin,
                "bom": record.had_bom,
                "crlf": record.had_crlf,
                "format_characters_removed": record.counts.format_characters_removed,
                "format_characters": record.counts.by_character,
                "segments_renormalized": record.counts.segments_renormalized,
            }
            for record in testset.inputs
        ],
    )
