"""The Python API: score translations from a notebook or a script, without
Hydra and without files if you like.

    import mt_eval
    result = mt_eval.score(source=src_lines, references=[ref_lines],
                           systems={"mine": hyp_lines, "base": "base.en"},
                           metrics=["bleu", "chrf"], overrides=["bleu.tokenize=intl"])
    result.table()            # pandas DataFrame: systems × metrics
    result.save("reports/x")  # the same report set the CLI writes

Every input is a list of strings or a path (any input form the CLI takes:
plain text, .jsonl/.csv/.tsv/.parquet with ``#column``, a saved dataset).
``references`` has sacrebleu's shape: a list of reference streams. Options
use the CLI's keys, as ``overrides`` ("key=value" strings) or keyword
arguments (``bleu={"tokenize": "intl"}``, ``jobs=1``). Errors are mt-eval's
own exceptions (``mt_eval.InputError``, ``mt_eval.ConfigError``).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Sequence, Union

from omegaconf import OmegaConf
from omegaconf.errors import OmegaConfBaseException

from .errors import ConfigError
from .pipeline import config_error, evaluate, known_keys
from .results import RunResult
from .config import RunConfig

Lines = Union[Sequence[str], str, "os.PathLike[str]"]


class Result:
    """A scored run: ``run`` is the RunResult every report is made from."""

    def __init__(self, run: RunResult) -> None:
        self.run = run

    def table(self):
        """A pandas DataFrame, one row per system: for each metric its
        score, interval (``METRIC_low``, ``METRIC_high``) and rank group."""
        import pandas as pd

        rows = []
        for system in self.run.systems:
            row: Dict[str, Any] = {"system": system.name}
            for metric in self.run.metrics:
                score = system.scores.get(metric)
                ok = score is not None and score.status == "ok"
                row[metric] = score.score if ok else None
                row[f"{metric}_low"] = score.ci[0] if ok and score.ci else None
                row[f"{metric}_high"] = score.ci[1] if ok and score.ci else None
                row[f"{metric}_group"] = score.rank_group if ok else None
            rows.append(row)
        return pd.DataFrame(rows).set_index("system")

    def score(self, system: str, metric: str) -> Optional[float]:
        """One corpus score (None where the metric was skipped)."""
        result = self.run.system(system).scores.get(metric)
        return result.score if result is not None and result.status == "ok" else None

    def save(self, directory: Union[str, "os.PathLike[str]"], formats: Sequence[str] = ("json", "md", "html")) -> List[Path]:
        """Write the report set the CLI writes, whole or not at all."""
        from .reports.files import render_files, report_file_names
        from .reports.report_set import ReportSet

        report_set = ReportSet(directory, report_file_names())
        report_set.check_writable()
        html_segments = (self.run.config or {}).get("report", {}).get("html_segments")  # None: the default
        return report_set.commit(render_files(self.run, list(formats), int(html_segments) if html_segments else None))

    def __repr__(self) -> str:
        return f"<mt_eval.Result {self.run.testset.name}: {len(self.run.systems)} systems × {', '.join(self.run.metrics)}>"


def score(
    source: Lines,
    references: Sequence[Lines] = (),
    systems: Union[Mapping[str, Lines], Sequence[Lines]] = (),
    metrics: Optional[Sequence[str]] = None,
    overrides: Sequence[str] = (),
    name: Optional[str] = None,
    **options: Any,
) -> Result:
    """Score ``systems`` against ``references`` for ``source``; see the module doc."""
    memory: Dict[str, List[str]] = {}

    def spec(value: Lines, key: str) -> str:
        if isinstance(value, (str, os.PathLike)):
            return os.fspath(value)
        if isinstance(value, Sequence):
            memory[f"memory:{key}"] = list(value)
            return f"memory:{key}"
        raise ConfigError(f"{key}: expected a list of strings or a path, found {type(value).__name__}.")

    if isinstance(references, (str, os.PathLike)):
        raise ConfigError("references: a list of reference streams, as sacrebleu takes them: references=[ref_lines] or ['ref.en'].")
    if isinstance(systems, Mapping):
        named = {str(key): spec(value, f"systems.{key}") for key, value in systems.items()}
    else:
        named = [spec(value, f"systems[{i}]") for i, value in enumerate(systems)]
    config = OmegaConf.structured(RunConfig)
    values: Dict[str, Any] = {
        "testset": {"name": name, "source": spec(source, "source"),
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
                raise config_error(_UnknownKey(key))
            OmegaConf.update(config, key, _parse(value), merge=False)
    except OmegaConfBaseException as error:
        raise config_error(error) from None
    return Result(evaluate(config, memory=memory))


class _UnknownKey(Exception):
    def __init__(self, key: str) -> None:
        super().__init__(f"Key '{key}' not in struct")
        self.full_key = key


def _parse(value: str) -> Any:
    """A CLI value as Hydra's grammar reads simple ones: numbers, booleans,
    null, lists in brackets; anything else is a string."""
    from hydra.core.override_parser.overrides_parser import OverridesParser

    parsed = OverridesParser.create().parse_override(f"key={value}")
    return parsed.value()
