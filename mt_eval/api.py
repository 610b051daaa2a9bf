"""The Python API: score translations from a notebook or a script, without
Hydra and without files if you like.

    import mt_eval
    result = mt_eval.score(source=src_lines, references=[ref_lines],
                           systems={"mine": hyp_lines, "base": "base.en"},
                           metrics=["bleu", "chrf"], overrides=["bleu.tokenize=intl"])
    result.table()            # pandas DataFrame: systems × metrics
    result.save("reports/x")  # the same report set the CLI writes

    # The regression gate, as the CLI runs it:
    checked = mt_eval.score(..., gate={"baseline": "reports/main/report.json", "max_drop": {"bleu": 0.5}})
    checked.gate.passed       # False on a regression; checked.gate.failures say why

Every input is a list of strings or a path (any input form the CLI takes:
plain text, .jsonl/.csv/.tsv/.parquet with ``#column``, a saved dataset).
``references`` has sacrebleu's shape: a list of reference streams. Options
use the CLI's keys, as ``overrides`` ("key=value" strings) or keyword
arguments (``bleu={"tokenize": "intl"}``, ``jobs=1``, ``gate={...}``,
``report={"dir": ...}``, ``merge=[...]``): every key the CLI takes is
honoured, through the same ``run`` function, and what cannot be honoured
(``report={"terminal": True}``, a key given both as an argument and an
option) is refused. Every argument's type is checked. Errors are
mt-eval's own exceptions (``mt_eval.InputError``, ``mt_eval.ConfigError``).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Sequence, Union

from omegaconf import DictConfig, OmegaConf, open_dict
from omegaconf.errors import OmegaConfBaseException

from .config import RunConfig, config_error, known_keys, unknown_key_message
from .errors import ConfigError, InputError, did_you_mean
from .gate import GateResult
from .inputs import MEMORY_PREFIX
from .results import RunResult
from .runner import Outcome, run, save_report_set

Lines = Union[Sequence[str], str, "os.PathLike[str]"]


class Result:
    """A scored run: ``run`` is the RunResult every report is made from;
    ``gate`` the regression gate's verdict when a baseline was given."""

    def __init__(self, outcome: Outcome) -> None:
        self.outcome = outcome

    @property
    def run(self) -> RunResult:
        """The RunResult every report is made from."""
        return self.outcome.result

    @property
    def gate(self) -> Optional[GateResult]:
        """The gate's verdict (``passed``, ``failures``, each check's
        ``reason``), or None when no ``gate={"baseline": ...}`` was given."""
        return self.outcome.gate

    @property
    def written(self) -> List[Path]:
        """The report files this call wrote (with ``report={"dir": ...}``)."""
        return list(self.outcome.written)

    def table(self) -> Any:
        """A pandas DataFrame, one row per system: for each metric its
        score, interval (``METRIC_low``, ``METRIC_high``) and rank group."""
        import pandas as pd

        rows = []
        for system in self.run.systems:
            row: Dict[str, Any] = {"system": system.name}
            for metric in self.run.metrics:
                found = system.scores.get(metric)
                score = found if found is not None and found.ok else None  # None: skipped or not run
                row[metric] = score.score if score is not None else None
                row[f"{metric}_low"] = score.ci[0] if score is not None and score.ci else None
                row[f"{metric}_high"] = score.ci[1] if score is not None and score.ci else None
                row[f"{metric}_group"] = score.rank_group if score is not None else None
            rows.append(row)
        return pd.DataFrame(rows).set_index("system")

    def score(self, system: str, metric: str) -> Optional[float]:
        """One corpus score (None where the metric was skipped)."""
        names = [s.name for s in self.run.systems]
        if system not in names:
            raise ConfigError(f"score: no system {system!r} in this run. {did_you_mean(str(system), names)}")
        if metric not in self.run.metrics:
            raise ConfigError(f"score: no metric {metric!r} in this run. {did_you_mean(str(metric), self.run.metrics)}")
        result = self.run.system(system).scores.get(metric)
        return result.score if result is not None and result.ok else None

    def save(self, directory: Union[str, "os.PathLike[str]"], formats: Sequence[str] = ("json", "md", "html")) -> List[Path]:
        """Write the report set the CLI writes, whole or not at all."""
        if not isinstance(directory, (str, os.PathLike)) or isinstance(directory, bytes):
            raise ConfigError(f"save: the folder must be a path (str or os.PathLike), found {type(directory).__name__}.")
        if isinstance(formats, str):
            formats = [formats]
        html_segments = (self.run.config or {}).get("report", {}).get("html_segments")  # None: the default
        return save_report_set(self.run, directory, formats, int(html_segments) if html_segments else None)

    def __repr__(self) -> str:
        return f"<mt_eval.Result {self.run.testset.name}: {len(self.run.systems)} systems × {', '.join(self.run.metrics)}>"


def score(
    source: Optional[Lines] = None,
    references: Sequence[Lines] = (),
    systems: Union[Mapping[str, Lines], Sequence[Lines]] = (),
    metrics: Optional[Sequence[str]] = None,
    overrides: Sequence[str] = (),
    name: Optional[str] = None,
    **options: Any,
) -> Result:
    """Score ``systems`` against ``references`` for ``source``; see the module
    doc. ``source`` may be left out only with ``merge=[...]``, which merges
    report sets scored elsewhere instead of scoring. Every argument's type
    is checked (a ConfigError or InputError names it), and every option is
    honoured or refused."""
    inputs = _Inputs()
    testset: Dict[str, Any] = {
        "name": _optional_text("name", name),
        "source": inputs.lines(source, "source") if source is not None else None,
        "references": inputs.references(references),
        "systems": inputs.systems(systems),
    }
    given = {"testset.source": source is not None, "testset.references": bool(testset["references"]),
             "testset.systems": bool(testset["systems"]), "testset.name": name is not None, "metrics": metrics is not None}
    values: Dict[str, Any] = {"testset": testset, "report": {"dir": None, "terminal": False}}
    if metrics is not None:
        values["metrics"] = _names("metrics", metrics)
    overrides = _names("overrides", overrides)
    _check_options(options, given)
    try:
        config = OmegaConf.merge(OmegaConf.structured(RunConfig), values)
        for key, value in options.items():  # one at a time, so that an error names its option
            try:
                config = OmegaConf.merge(config, {key: value})
            except OmegaConfBaseException as error:
                if getattr(error, "full_key", None):
                    raise
                group = OmegaConf.select(config, key)
                if isinstance(group, DictConfig):
                    example = next(iter(group.keys()), "key")
                    raise ConfigError(f"{key}={value!r}: {key} is a group of keys; give a mapping of them, "
                                      f"e.g. {key}={{{str(example)!r}: ...}} (keys: {', '.join(str(k) for k in group.keys())}).") from None
                raise ConfigError(f"{key}={value!r}: {str(error).splitlines()[0]}") from None
        for override in overrides:
            _apply(config, override, given)
    except OmegaConfBaseException as error:
        raise config_error(error) from None
    if config.report.terminal:
        raise ConfigError("report.terminal: the Python API never prints. Show result.table(), or run the mt-eval command for the terminal view.")
    return Result(run(config, memory=inputs.memory))


# Where an argument of score() and a config key say the same thing: set once.
_ARGUMENT_OF = {"testset.source": "source", "testset.references": "references", "testset.systems": "systems",
                "testset.name": "name", "metrics": "metrics"}


def _check_options(options: Mapping[str, Any], given: Mapping[str, bool]) -> None:
    top = [key for key in known_keys() if "." not in key]
    for key, value in options.items():
        if key not in top:
            raise ConfigError(f"{unknown_key_message(key)} (score() takes the arguments source, references, systems, metrics, "
                              "overrides and name, and the config's top-level keys as keyword options.)")
        if key == "testset" and isinstance(value, Mapping):
            for inner in value:
                _check_once(f"testset.{inner}", "the option testset=", given)


def _check_once(key: str, where: str, given: Mapping[str, bool]) -> None:
    if given.get(key):
        raise ConfigError(f"{key} is given twice: by the argument {_ARGUMENT_OF[key]}= and by {where}. Give it once.")


def _apply(config: Any, override: str, given: Mapping[str, bool]) -> None:
    """One "key=value" string, as the CLI would apply it to the schema."""
    key, sep, value = override.partition("=")
    key = key.strip()
    if key.startswith("~"):
        raise ConfigError(f"overrides: {override!r} would remove {key[1:]}; mt-eval's keys cannot be removed. Give it a value instead.")
    if not sep:
        raise ConfigError(f"overrides: {override!r} is not KEY=VALUE.")
    key = key.lstrip("+")  # '+' or '++' adds nothing here either: only the schema's keys exist
    free = key.startswith("testset.systems.")  # a free mapping of system names, as on the command line
    if key not in known_keys() and not free:
        raise ConfigError(unknown_key_message(key))
    _check_once("testset.systems" if free else key, f"the override {override!r}", given)
    if free:
        with open_dict(config):
            OmegaConf.update(config, key, _parse(value), merge=False)
    else:
        OmegaConf.update(config, key, _parse(value), merge=False)


def _optional_text(argument: str, value: Any) -> Optional[str]:
    if value is not None and not isinstance(value, str):
        raise ConfigError(f"{argument}: expected a string or None, found {type(value).__name__} {value!r}.")
    return value


def _names(argument: str, value: Any) -> List[str]:
    """``metrics`` or ``overrides``: one string or a list of strings."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, (bytes, bytearray, Mapping)) or not isinstance(value, Sequence):
        raise ConfigError(f"{argument}: expected a string or a list of strings, found {type(value).__name__}.")
    for index, item in enumerate(value):
        if not isinstance(item, str):
            raise ConfigError(f"{argument}[{index}]: expected a string, found {type(item).__name__} {item!r}.")
    return list(value)


class _Inputs:
    """Inputs given as paths or as lists of segments (kept in memory, named
    ``memory:KEY`` in the config), each checked for its shape."""

    def __init__(self) -> None:
        self.memory: Dict[str, List[str]] = {}

    def lines(self, value: Any, argument: str, key: str = "") -> str:
        if isinstance(value, str):
            return value
        if isinstance(value, os.PathLike):
            path = os.fspath(value)
            if isinstance(path, str):
                return path
        if isinstance(value, (bytes, bytearray, memoryview)) or isinstance(value, os.PathLike):
            raise ConfigError(f"{argument}: bytes, not text. Decode them first (data.decode('utf-8').splitlines()), or give a path as a string.")
        if isinstance(value, Mapping) or not isinstance(value, Sequence):
            raise ConfigError(f"{argument}: expected a list of strings (one segment each) or a path, found {type(value).__name__}.")
        for index, segment in enumerate(value):
            if not isinstance(segment, str):
                raise InputError(f"{argument}[{index}]: expected a string (one segment), found {type(segment).__name__} {segment!r}.")
        key = f"{MEMORY_PREFIX}{key or argument}"
        self.memory[key] = list(value)
        return key

    def references(self, value: Any) -> List[str]:
        if isinstance(value, (str, os.PathLike, bytes, bytearray, Mapping)) or not isinstance(value, Sequence):
            raise ConfigError("references: a list of reference streams, as sacrebleu takes them: references=[ref_lines] or ['ref.en']"
                              f"; found {type(value).__name__}.")
        return [self.lines(stream, f"references[{index}]") for index, stream in enumerate(value)]

    def systems(self, value: Any) -> Union[Dict[str, str], List[str]]:
        if isinstance(value, Mapping):
            named: Dict[str, str] = {}
            keys: Dict[str, Any] = {}
            for key, lines in value.items():
                if isinstance(key, bool) or not isinstance(key, (str, int)):
                    raise ConfigError(f"systems: a system's name must be a string, found {type(key).__name__} {key!r}.")
                text = str(key)
                if text in keys:  # names are compared as the reports write them: as text
                    raise ConfigError(f"systems: {keys[text]!r} and {key!r} are one name once written as text ({text!r}). Give every system its own name.")
                keys[text] = key
                named[text] = self.lines(lines, f"systems[{text!r}]", f"systems.{text}")
            return named
        if isinstance(value, (str, os.PathLike, bytes, bytearray)) or not isinstance(value, Sequence):
            raise ConfigError(f"systems: a mapping {{name: segments or path}}, or a list of paths named by file stem; found {type(value).__name__}"
                              + (". For one file: systems=[path]." if isinstance(value, (str, os.PathLike)) else "."))
        paths = []
        for index, item in enumerate(value):
            if not isinstance(item, (str, os.PathLike)) or isinstance(os.fspath(item), bytes):
                what = "a list of segments has no name" if isinstance(item, Sequence) and not isinstance(item, (bytes, bytearray)) else f"found {type(item).__name__}"
                raise ConfigError(f"systems[{index}]: {what}. A list of systems holds paths (named by file stem); "
                                  "give segments with a name: systems={'mine': segments}.")
            paths.append(os.fspath(item))
        return paths


def _parse(value: str) -> Any:
    """A CLI value as Hydra's grammar reads simple ones: numbers, booleans,
    null, lists in brackets; anything else is a string."""
    from hydra.core.override_parser.overrides_parser import OverridesParser

    from hydra.errors import HydraException

    try:
        parsed = OverridesParser.create().parse_override(f"key={value}")
    except HydraException as error:
        raise ConfigError(f"overrides: {value!r} is not a value mt-eval can read ({str(error).splitlines()[0]}).") from None
    return parsed.value()
