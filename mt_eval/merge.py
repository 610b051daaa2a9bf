"""Merge report sets of the same test set, scored in separate jobs (shards of
a cluster sweep), into one run: every system together, with intervals,
pairwise tests and rank groups recomputed across all of them.

With the same statistics settings and seed, the merged statistics are those
of one joint run: the bootstrap draws depend only on the seed and the number
of segments, and every system's sufficient statistics are in its shard's
segments.parquet. Shards that do not measure the same thing (another test
set, other metric settings, other statistics settings) are refused, naming
the difference.
"""

from __future__ import annotations

import copy
from typing import Any, Dict, List, Sequence

from omegaconf import OmegaConf

from . import signatures
from .analysis import analyse
from .budget import check_run
from .significance_floor import unreachable_note
from .config import RunConfig, plain_config
from .metrics import create_metrics, registered_metrics
from .errors import InputError
from .report_loader import load_report
from .results import RunResult

STATISTICS_KEYS = ("method", "resamples", "trials", "seed", "confidence", "alpha", "baseline", "correction", "min_segments")


def merge_runs(specs: Sequence[str]) -> RunResult:
    """One RunResult holding every shard's systems, statistics recomputed."""
    if len(specs) < 2:
        raise InputError("merge: name at least two report sets to merge: merge=[shardA/report.json,shardB/report.json].")
    shards = [load_report(str(spec)) for spec in specs]
    first = shards[0]
    names: Dict[str, str] = {}
    for spec, shard in zip(specs, shards):
        _check_same(first, shard, str(specs[0]), str(spec))
        for system in shard.systems:
            if system.name in names:
                raise InputError(f"merge: system {system.name!r} is in both {names[system.name]} and {spec}. Each system must come from one shard.")
            names[system.name] = str(spec)
    merged = copy.deepcopy(first)
    merged.systems = [copy.deepcopy(system) for shard in shards for system in shard.systems]
    for system in merged.systems:
        for result in system.scores.values():
            if result.ok:
                # The statistics part is recomputed below, across all systems.
                result.signature = "|".join(result.signature_parts[key] for key in signatures.COMPARABLE_PARTS if key in result.signature_parts)
                result.ci = result.bootstrap_mean = result.rank_group = None
    settings = OmegaConf.create({key: first.statistics[key] for key in STATISTICS_KEYS if key in first.statistics})
    if settings.get("baseline") is not None and settings.baseline not in names:
        raise InputError(f"merge: stats.baseline={settings.baseline!r} is in no shard.")
    # Every system together is the joint run's size: checked before its pairs are built.
    check_run(settings, (), len(merged.systems), len(merged.metrics), merged.testset.segments)
    merged.statistics = {key: value for key, value in first.statistics.items() if key != "unreachable"}
    unreachable = unreachable_note(settings, len(merged.systems))  # for every system together, not one shard's
    if unreachable:
        merged.statistics["unreachable"] = unreachable
    metrics = create_metrics(merged.metrics, OmegaConf.create(first.config)) if first.config else []
    functions = {metric.name: metric.score_function() for metric in metrics}
    by_metric = {metric: {system.name: system.scores[metric] for system in merged.systems if metric in system.scores} for metric in merged.metrics}
    merged.comparisons = [c.to_dict() for c in analyse(by_metric, functions, merged.testset.segments, settings)]
    merged.config = dict(first.config)
    merged.config["merge"] = [str(spec) for spec in specs]
    return merged


def check_options_honoured(config: Any, merged: RunResult) -> None:
    """A merge takes the metrics, their options and the statistics settings
    from its shards; a value given with it that is not the schema's default
    and not the shards' own would be silently ignored, so it is refused."""
    defaults: Dict[str, Any] = OmegaConf.to_container(OmegaConf.structured(RunConfig))  # type: ignore[assignment]
    given = plain_config(config)
    recorded = merged.config
    if given.get("metrics") != defaults["metrics"] and given.get("metrics") != recorded.get("metrics"):
        _refuse_option("metrics", given.get("metrics"), recorded.get("metrics"))
    for section in ["stats", *registered_metrics()]:
        for key, value in (given.get(section) or {}).items():
            theirs = (recorded.get(section) or {}).get(key)
            if value != (defaults.get(section) or {}).get(key) and value != theirs:
                _refuse_option(f"{section}.{key}", value, theirs)


def _refuse_option(key: str, value: Any, theirs: Any) -> None:
    raise InputError(f"merge: {key}={value} cannot be honoured: a merge takes the metrics, their options and the statistics "
                     f"settings from its shards ({key}={theirs} there). Remove {key}, or re-score the shards with it.")


def _check_same(first: RunResult, shard: RunResult, first_name: str, name: str) -> None:
    if shard.testset.checksum != first.testset.checksum:
        raise InputError(f"merge: {name} was scored on another test set than {first_name} "
                         f"(checksum {shard.testset.checksum} vs {first.testset.checksum}).")
    if shard.testset.segments != first.testset.segments:
        raise InputError(f"merge: {name} has {shard.testset.segments} segments, {first_name} {first.testset.segments}.")
    if shard.metrics != first.metrics:
        raise InputError(f"merge: {name} scored {', '.join(shard.metrics)}; {first_name} scored {', '.join(first.metrics)}. Score every shard with the same metrics.")
    theirs = {key: first.statistics.get(key) for key in STATISTICS_KEYS}
    ours = {key: shard.statistics.get(key) for key in STATISTICS_KEYS}
    differing = [f"stats.{key}: {theirs[key]} vs {ours[key]}" for key in STATISTICS_KEYS if theirs[key] != ours[key]]
    if differing:
        raise InputError(f"merge: {name} used other statistics settings than {first_name} ({'; '.join(differing)}). "
                         "Merge shards scored with the same stats.* settings (re-score the shards that differ).")
    for metric in first.metrics:
        differing = signatures.differences(first, shard, metric, (first_name, name))
        if not differing and metric in first.metric_info and metric in shard.metric_info:
            # Facts besides the identity (label, digits, tie tolerance): the merged report can record only one.
            theirs, ours = first.info(metric).to_dict(), shard.info(metric).to_dict()
            differing = [f"{key}: {theirs[key]} vs {ours.get(key)}" for key in theirs if theirs[key] != ours.get(key)]
        if differing:
            raise InputError(f"merge: {metric} was scored with other settings in {name} than in {first_name} ({'; '.join(differing)}). "
                             "Merge shards scored with the same settings (re-score the shards that differ).")


__all__: List[Any] = ["merge_runs"]
