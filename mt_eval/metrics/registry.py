"""Metric names → metric classes, found through the ``mt_eval.metrics``
entry-point group, with "did you mean" for a wrong name.

The built-in metrics register in that group like any plug-in (see
pyproject.toml); a separate package adds a metric by declaring

    [project.entry-points."mt_eval.metrics"]
    my_metric = "my_package.module:MyMetric"

Running from a checkout that was never installed, the group is empty and
the built-ins are taken from ``BUILTIN`` instead.
"""

from __future__ import annotations

import os
import contextlib
import json
import math
import sys
from dataclasses import fields, is_dataclass
from functools import lru_cache
from importlib import import_module, metadata
from typing import Any, Dict, List, Optional, Sequence, Tuple, Type

from ..errors import ConfigError, did_you_mean, whole_number
from ..plain import label_problem
from .base import Metric

GROUP = "mt_eval.metrics"
# The built-in metrics' entry points, for a checkout that was never installed.
BUILTIN = {
    "bleu": "mt_eval.metrics.lexical:Bleu",
    "chrf": "mt_eval.metrics.lexical:Chrf",
    "ter": "mt_eval.metrics.lexical:Ter",
    "comet": "mt_eval.metrics.comet:Comet",
}


def registered_metrics() -> Dict[str, Type[Metric[Any]]]:
    """Every metric class that loaded, by name: built-ins first, in their order."""
    return _discover()[0]


def unavailable_metrics() -> Dict[str, str]:
    """Registered plug-ins that failed to load: name → why. A run that does
    not ask for one goes on (the CLI warns); asking for one is a ConfigError."""
    return _discover()[1]


@lru_cache(maxsize=1)
def _discover() -> Tuple[Dict[str, Type[Metric[Any]]], Dict[str, str]]:
    targets = dict(BUILTIN)
    failures: Dict[str, str] = {}
    for entry in metadata.entry_points(group=GROUP):
        if entry.name in BUILTIN and entry.value != BUILTIN[entry.name]:
            failures[f"{entry.name} ({entry.value})"] = f"metric plug-in {entry.value} registers the name {entry.name!r}, which is mt-eval's own metric; choose another name"
            continue
        if entry.name in targets and targets[entry.name] != entry.value:
            # Two packages claim one name: which wins would depend on sys.path order.
            failures[entry.name] = (f"two metric plug-ins register the name {entry.name!r}: {targets.pop(entry.name)} and {entry.value}; "
                                    "uninstall one of them")
            continue
        if entry.name not in failures:
            targets[entry.name] = entry.value
    metrics: Dict[str, Type[Metric[Any]]] = {}
    for name, target in targets.items():
        try:
            metrics[name] = _load(name, target)
        except ConfigError as error:
            if name in BUILTIN:
                raise
            failures[name] = str(error)
    return metrics, failures


# Names a metric's would collide with: top-level config keys, and the
# columns of segments.parquet and of Result.table() besides the metrics'.
RESERVED_NAMES = frozenset({"testset", "metrics", "stats", "jobs", "report", "gate", "merge", "hydra", "defaults",
                            "system", "segment", "line", "source", "references", "output"})
RESERVED_SUFFIXES = ("_low", "_high", "_group")  # Result.table() columns of each metric


def _load(name: str, target: str) -> Type[Metric[Any]]:
    module_name, _, attribute = target.partition(":")
    try:
        # A plug-in's chatter at import goes to stderr: stdout is the run's.
        with contextlib.redirect_stdout(sys.stderr):
            cls = getattr(import_module(module_name), attribute)
    except KeyboardInterrupt:
        raise
    except BaseException as error:  # SystemExit too: a plug-in never ends the run, let alone with 0
        raise ConfigError(
            f"metric plug-in {name!r} ({target}, entry-point group {GROUP}) failed to load: "
            f"{type(error).__name__}: {error}. Fix or uninstall the package that provides it."
        ) from None
    if not (isinstance(cls, type) and issubclass(cls, Metric)):
        raise ConfigError(f"metric plug-in {name!r} ({target}) is not a subclass of mt_eval.metrics.Metric.")
    if getattr(cls, "name", None) != name:
        raise ConfigError(f"metric plug-in {target} is registered as {name!r} but its class says name = {getattr(cls, 'name', None)!r}.")
    problem = _declaration_problem(name, cls)
    if problem:
        raise ConfigError(f"metric plug-in {target}: {problem}.")
    return cls


def _declaration_problem(name: str, cls: Type[Metric[Any]]) -> Optional[str]:
    """What is wrong with what a metric class declares, checked when it
    loads, so that mt-eval never writes a report it would refuse to read."""
    # The name is a config key (NAME.option=...), a report key, a column and a gate threshold's field.
    if not (name.isidentifier() and name.isascii() and name == name.lower()) or name in RESERVED_NAMES or name.endswith(RESERVED_SUFFIXES):
        return (f"the name {name!r} must be a lower-case Python identifier, not one of mt-eval's own keys or columns "
                f"({', '.join(sorted(RESERVED_NAMES))}) and not ending in {', '.join(RESERVED_SUFFIXES)}")
    label = label_problem(getattr(cls, "label", None))
    if label:
        return f"label {label}"
    for flag in ("higher_is_better", "needs_references"):
        if not isinstance(getattr(cls, flag, None), bool):
            return f"{flag} must be True or False, found {getattr(cls, flag, None)!r}"
    digits = getattr(cls, "digits", None)
    if not isinstance(digits, int) or isinstance(digits, bool) or not 0 <= digits <= 12:
        return f"digits must be a whole number from 0 to 12, found {digits!r}"
    scale = getattr(cls, "scale", None)
    if not isinstance(scale, (int, float)) or isinstance(scale, bool) or not math.isfinite(scale) or scale < 0:
        return f"scale must be a finite number of 0 or more, found {scale!r}"
    return _options_problem(name, getattr(cls, "options_class", None)) or _neutral_problem(cls)


def _neutral_problem(cls: Type[Metric[Any]]) -> Optional[str]:
    """``score_neutral`` names options: a misspelt one would leave the real
    option compared (safe) and the declaration silently wrong."""
    neutral = getattr(cls, "score_neutral", None)
    if not isinstance(neutral, (frozenset, set)) or not all(isinstance(item, str) for item in neutral):
        return f"score_neutral must be a frozenset of option names, found {neutral!r}"
    unknown = sorted(set(neutral) - {f.name for f in fields(cls.options_class)})
    if unknown:
        return f"score_neutral names {', '.join(unknown)}, which {'is' if len(unknown) == 1 else 'are'} not among its options ({', '.join(f.name for f in fields(cls.options_class))})"
    return None


def _options_problem(name: str, options: Any) -> Optional[str]:
    """The options dataclass must give a config section (every field with a
    default OmegaConf can hold) whose defaults report.json can record."""
    if not (isinstance(options, type) and is_dataclass(options)):
        return f"options_class must be a dataclass (its fields are the {name}.* keys)"
    try:
        from omegaconf import OmegaConf

        options()  # the config's default section is an instance with every default
        json.dumps(OmegaConf.to_container(OmegaConf.structured(options), resolve=True, throw_on_missing=True), allow_nan=False)
    except Exception as error:  # whatever OmegaConf or json refuse, said with the plug-in's name
        return f"options_class {options.__name__} cannot be a config section with recordable defaults ({type(error).__name__}: {str(error).splitlines()[0]})"
    return None


def metric_class(name: str) -> Type[Metric[Any]]:
    metrics = registered_metrics()
    key = str(name).strip().lower()
    if key in unavailable_metrics():
        raise ConfigError(unavailable_metrics()[key])
    if key not in metrics:
        raise ConfigError(f"metrics: unknown metric {name!r}. {did_you_mean(key, metrics)}")
    return metrics[key]


def resolve_jobs(jobs: Any) -> int:
    """``jobs`` from the config: 0 means one per CPU core available to us."""
    count = whole_number("jobs", jobs, 0, " (processes; 0 = one per CPU core)")
    if count == 0:
        return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return count


def known_metrics() -> List[str]:
    return sorted(registered_metrics())


def create_metrics(names: Sequence[str], config: Any) -> List[Metric[Any]]:
    """Build the named metrics with their options from ``config.<name>``,
    refusing unknown or repeated names before any work starts."""
    if not names:
        raise ConfigError(f"metrics is empty. Choose at least one: metrics=[bleu,chrf]. Known: {', '.join(known_metrics())}.")
    metrics: List[Metric[Any]] = []
    seen = set()
    for raw in names:
        cls = metric_class(str(raw))
        if cls.name in seen:
            raise ConfigError(f"metrics: {cls.name!r} is listed twice.")
        seen.add(cls.name)
        options = config.get(cls.name) if hasattr(config, "get") else getattr(config, cls.name, None)
        metrics.append(cls(options, jobs=resolve_jobs(config.get("jobs", 1) if hasattr(config, "get") else getattr(config, "jobs", 1))))
    return metrics
