"""One run, end to end: config → test set → metrics → RunResult.

``evaluate`` is a plain function (no Hydra, no printing): the CLI, the tests
and library users all call it with a composed config.
"""

from __future__ import annotations

import datetime as _dt
import difflib
from dataclasses import asdict
from dataclasses import is_dataclass
from typing import Any, Callable, ContextManager, Dict, List, Mapping, Optional, Sequence, Union

from omegaconf import DictConfig, OmegaConf
from omegaconf.errors import OmegaConfBaseException

from . import __version__
from .analysis import analyse, check_settings
from .config import RunConfig
from .errors import ConfigError, did_you_mean
from .metrics import create_metrics
from .results import RunResult, SystemResult, TestSetInfo
from .testset import TestSet, load_testset

# A context manager factory the caller may supply to show progress:
# progress_factory(description, total) yields a callback taking a count.
ProgressFactory = Callable[[str, int], ContextManager[Callable[[int], None]]]


def evaluate(
    config: Union[RunConfig, DictConfig, Mapping[str, Any]],
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
    for metric in metrics:
        metric.precheck(testset)
    systems = {
        name: SystemResult(name=name, origin=_origin(testset, name), flags=asdict(testset.flags[name]), outputs=testset.systems[name])
        for name in testset.systems
    }
    for metric in metrics:
        total = testset.size * len(testset.systems)
        if progress_factory is None:
            results = metric.score_systems(testset)
        else:
            with progress_factory(f"{metric.name}", total) as advance:
                results = metric.score_systems(testset, advance)
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
        systems=list(systems.values()),
        config=plain_config(config),
        tool={"name": "mt-eval", "version": __version__},
        created=_dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        statistics=_statistics_summary(config.stats, testset.size),
        comparisons=[comparison.to_dict() for comparison in comparisons],
    )


def as_run_config(config: Union[RunConfig, DictConfig, Mapping[str, Any]]) -> DictConfig:
    """A validated DictConfig of the RunConfig schema from any of the forms
    ``evaluate`` takes; an unknown key or a value of the wrong type is a
    ConfigError naming it (with the closest real key)."""
    if isinstance(config, DictConfig):
        return config
    schema = OmegaConf.structured(RunConfig)
    if is_dataclass(config):
        return OmegaConf.structured(config)
    try:
        return OmegaConf.merge(schema, OmegaConf.create(dict(config)))
    except OmegaConfBaseException as error:
        raise config_error(error) from None


def config_error(error: Exception) -> ConfigError:
    """OmegaConf's validation errors, said as mt-eval says them."""
    key = getattr(error, "full_key", None) or ""
    message = str(error).splitlines()[0]
    if "not in struct" in message.lower() or "Key '" in message and "not in" in message:
        return ConfigError(unknown_key_message(key))
    return ConfigError(f"{key or 'config'}: {message}")


def unknown_key_message(key: str) -> str:
    """"unknown key 'bleu.tokenise'. Did you mean 'bleu.tokenize'?", with
    the keys of the same section listed."""
    keys = known_keys()
    close = difflib.get_close_matches(key, keys, n=1, cutoff=0.6)
    section = key.split(".")[0]
    siblings = [k for k in keys if k.startswith(section + ".") and k.count(".") == key.count(".")]
    listed = f" Keys under {section}: {', '.join(siblings)}." if siblings else f" Top-level keys: {', '.join(k for k in keys if '.' not in k)}."
    return f"unknown key {key!r}." + (f" Did you mean {close[0]!r}?" if close else "") + listed


def known_keys() -> List[str]:
    """Every dotted key of the RunConfig schema."""
    keys: List[str] = []

    def walk(node: Any, prefix: str) -> None:
        for name in node:
            value = node._get_node(name)
            dotted = f"{prefix}{name}"
            keys.append(dotted)
            if isinstance(value, DictConfig) and value._metadata.object_type is not None and value._metadata.object_type is not dict:
                walk(value, dotted + ".")

    walk(OmegaConf.structured(RunConfig), "")
    return keys


def _statistics_summary(settings: Any, segments: int) -> Dict[str, Any]:
    summary: Dict[str, Any] = OmegaConf.to_container(settings, resolve=True)  # type: ignore[assignment]
    summary["weak"] = segments < int(settings.min_segments)
    if summary["weak"]:
        summary["note"] = (
            f"only {segments} segments (fewer than stats.min_segments={settings.min_segments}): "
            "intervals are wide and significance tests have little power; treat them as indications, not evidence."
        )
    return summary


def plain_config(config: DictConfig) -> Dict[str, Any]:
    """The resolved config as plain data, for the report."""
    try:
        return OmegaConf.to_container(config, resolve=True)  # type: ignore[return-value]
    except Exception:  # an interpolation that needs Hydra's runtime (e.g. outside a Hydra app)
        return OmegaConf.to_container(config, resolve=False)  # type: ignore[return-value]


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
        texts={"source": testset.source, "references": testset.references},
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
