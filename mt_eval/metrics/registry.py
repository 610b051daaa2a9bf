"""Metric names → metric classes, with "did you mean" for a wrong name."""

from __future__ import annotations

import os
from typing import Any, Dict, List, Sequence, Type

from omegaconf import OmegaConf

from ..errors import ConfigError, did_you_mean, whole_number
from .base import Metric
from .comet import Comet
from .lexical import Bleu, Chrf, Ter

METRICS: Dict[str, Type[Metric]] = {cls.name: cls for cls in (Bleu, Chrf, Ter, Comet)}


def resolve_jobs(jobs: Any) -> int:
    """``jobs`` from the config: 0 means one per CPU core available to us."""
    jobs = whole_number("jobs", jobs, 0, " (processes; 0 = one per CPU core)")
    if jobs == 0:
        return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return jobs


def known_metrics() -> List[str]:
    return sorted(METRICS)


def create_metrics(names: Sequence[str], config: Any) -> List[Metric]:
    """Build the named metrics with their options from ``config.<name>``,
    refusing unknown or repeated names before any work starts."""
    if not names:
        raise ConfigError(f"metrics is empty. Choose at least one: metrics=[bleu,chrf]. Known: {', '.join(known_metrics())}.")
    metrics: List[Metric] = []
    seen = set()
    for raw in names:
        name = str(raw).strip().lower()
        if name not in METRICS:
            raise ConfigError(f"metrics: unknown metric {raw!r}. {did_you_mean(name, METRICS)}")
        if name in seen:
            raise ConfigError(f"metrics: {name!r} is listed twice.")
        seen.add(name)
        options = config.get(name) if hasattr(config, "get") else None
        options = OmegaConf.to_container(options, resolve=True) if options is not None else {}
        metrics.append(METRICS[name](options, jobs=resolve_jobs(config.get("jobs", 1))))
    return metrics
