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
honoured, through the same ``run`` function. Errors are mt-eval's own
exceptions (``mt_eval.InputError``, ``mt_eval.ConfigError``).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Sequence, Union

from omegaconf import OmegaConf
from omegaconf.errors import OmegaConfBaseException

from .config import RunConfig, config_error, known_keys, unknown_key_message
from .errors import ConfigError, did_you_mean
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
    report sets scored elsewhere instead of scoring."""
    memory: Dict[str, List[str]] = {}

    def spec(value: Lines, key: str) -> str:
        if isinstance(value, (str, os.PathLike)):
            return os.fspath(value)
        if isinstance(value, Sequence):
            memory[f"{MEMORY_PREFIX}{key}"] = list(value)
            return f"{MEMORY_PREFIX}{key}"
        raise ConfigError(f"{key}: expected a list of strings or a path, found {type(value).__name__}.")

    metrics = [metrics] if isinstance(metrics, str) else metrics  # one metric, as the CLI's metrics=bleu
    overrides = [overrides] if isinstance(overrides, str) else overrides
    if isinstance(references, (str, os.PathLike)):
        raise ConfigError("references: a list of reference streams, as sacrebleu takes them: references=[ref_lines] or ['ref.en'].")
    named: Union[Dict[str, str], List[str]]
    if isinstance(systems, Mapping):
        named = {str(key): spec(value, f"systems.{key}") for key, value in systems.items()}
    else:
        named = [spec(value, f"systems[{i}]") for i, value in enumerate(systems)]
    config = OmegaConf.structured(RunConfig)
    values: Dict[str, Any] = {
        "testset": {"name": name, "source": spec(source, "source") if source is not None else None,
                    "references": [spec(r, f"references[{i}]") for i, r in enumerate(references)], "systems": named},
        "report": {"dir": None, "terminal": False},
    }
    if metrics is not None:
        values["metrics"] = list(metrics)
    try:
        config = OmegaConf.merge(config, values, options)
        for override in overrides:
            key, sep, value = str(override).partition("=")
            if not sep:
                raise ConfigError(f"overrides: {override!r} is not KEY=VALUE.")
            if key not in known_keys():
                raise ConfigError(unknown_key_message(key))
            OmegaConf.update(config, key, _parse(value), merge=False)
    except OmegaConfBaseException as error:
        raise config_error(error) from None
    return Result(run(config, memory=memory))


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
