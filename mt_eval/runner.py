"""One run, as a library function: check → evaluate or merge → gate →
render → commit.

``run`` is what the ``mt-eval`` command, the Python API (``mt_eval.score``),
multirun jobs and the tests all call. It never prints and never chooses an
exit code: it returns an ``Outcome`` holding the result, the gate's verdict
and the files written, and raises mt-eval's own errors (``MtEvalError``)
for anything the user can fix.

Order of work: every check that can fail on what the user gave (options,
baseline, report folder, gate file names, the step-summary file) runs
before any scoring; the whole report set, gate files included, is written
at once, whole or not at all.
"""

from __future__ import annotations

import enum
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, List, Mapping, Optional, Sequence, Union

from omegaconf import OmegaConf
from omegaconf.errors import OmegaConfBaseException

from . import segment_table
from .config import as_run_config
from .errors import ConfigError, InputError, describe_os_error
from .gate import GateResult, check_settings as check_gate_settings, compare
from .metrics import create_metrics
from .pipeline import ProgressFactory, evaluate
from .plain import visible
from .report_loader import load_report
from .reports import gate_report
from .reports.files import check_formats, render_files, report_file_names
from .reports.report_set import ReportSet
from .results import RunResult

PathLike = Union[str, "os.PathLike[str]"]
class _Default(enum.Enum):
    """``report_dir`` not given: the config's ``report.dir`` (None writes
    nothing). A sentinel of its own, so that no folder name can mean it."""

    FROM_CONFIG = "the config's report.dir"


FROM_CONFIG = _Default.FROM_CONFIG


@dataclass
class Outcome:
    """What one run produced."""

    result: RunResult
    gate: Optional[GateResult] = None  # None when no gate.baseline was given
    written: List[Path] = field(default_factory=list)  # the report set's files, empty when none was written
    report_dir: Optional[Path] = None

    @property
    def regression(self) -> bool:
        """True when the gate ran and found a regression (or a check it could not make)."""
        return self.gate is not None and self.gate.failed


@dataclass
class _Plan:
    """What a run will write and compare with, checked before any scoring."""

    report_set: Optional[ReportSet]
    baseline: Optional[RunResult]
    summary_name: str
    junit_name: str
    step_summary: Optional[Path]


def run(
    config: Any,
    *,
    report_dir: Union[PathLike, None, _Default] = FROM_CONFIG,
    progress: Optional[ProgressFactory] = None,
    memory: Optional[Mapping[str, Sequence[str]]] = None,
) -> Outcome:
    """Do one run as ``config`` says (a ``RunConfig``, a mapping of its
    keys, or a composed DictConfig) and return its Outcome.

    ``report_dir`` overrides ``report.dir`` (None: write no files);
    ``progress`` shows progress (see ``pipeline.ProgressFactory``);
    ``memory`` holds in-memory segments for inputs named ``memory:KEY``."""
    config = as_run_config(config)
    directory = _configured_report_dir(config) if report_dir is FROM_CONFIG else report_dir
    plan = _check(config, None if directory is None else Path(os.fspath(directory)))
    if config.merge:
        from .merge import merge_runs  # shards of one test set, scored elsewhere

        result = merge_runs(list(config.merge))
    else:
        result = evaluate(config, progress, memory)
    gate = None
    if plan.baseline is not None:
        functions = {metric.name: metric.score_function() for metric in create_metrics(list(result.metrics), config)}
        gate = compare(plan.baseline, result, config.gate, functions, config.stats, str(config.gate.baseline))
    files = render_files(result, list(config.report.formats), int(config.report.html_segments))
    if gate is not None:
        files[plan.summary_name] = gate_report.render_markdown(gate)
        files[plan.junit_name] = gate_report.render_junit(gate)
    written = plan.report_set.commit(files) if plan.report_set is not None else []
    if gate is not None and plan.step_summary is not None:
        _append(plan.step_summary, str(files[plan.summary_name]))
    return Outcome(result, gate, written, plan.report_set.directory if plan.report_set is not None else None)


def _configured_report_dir(config: Any) -> Optional[str]:
    """``report.dir``; its default names Hydra's run folder, which exists
    only under the mt-eval command."""
    try:
        return config.report.dir
    except OmegaConfBaseException:
        raise ConfigError(
            f"report.dir={OmegaConf.to_container(config.report, resolve=False).get('dir')!r} cannot be resolved here "  # type: ignore[union-attr]
            "(Hydra's run folder exists only under the mt-eval command). Name a folder (report.dir=PATH), "
            "or pass report_dir=None to write no files."
        ) from None


def save_report_set(result: RunResult, directory: PathLike, formats: Sequence[str] = ("json", "md", "html"),
                    html_segments: Optional[int] = None) -> List[Path]:
    """Write ``result``'s report set into ``directory``, whole or not at all
    (``Result.save``: the files ``run`` writes, without a gate)."""
    report_set = ReportSet(os.fspath(directory), report_file_names())
    report_set.check_writable()
    return report_set.commit(render_files(result, check_formats(list(formats)), html_segments))


def _check(config: Any, report_dir: Optional[Path]) -> _Plan:
    """Every check on what the user gave that does not need the scores."""
    check_formats(list(config.report.formats))
    if int(config.report.html_segments) < 1:
        raise ConfigError(f"report.html_segments={config.report.html_segments}: must be 1 or more (segments embedded in report.html).")
    check_gate_settings(config.gate, config.stats)
    summary_name = _gate_file_name("gate.summary", config.gate.summary)
    junit_name = _gate_file_name("gate.junit", config.gate.junit)
    if summary_name == junit_name:
        raise ConfigError(f"gate.summary and gate.junit are both {summary_name!r}; give them different names.")
    report_set = ReportSet(report_dir, [*report_file_names(), summary_name, junit_name]) if report_dir is not None else None
    baseline = _baseline(config, report_set)
    if report_set is not None:
        report_set.check_writable()
    step_summary = None
    if baseline is not None and os.environ.get("GITHUB_STEP_SUMMARY"):
        step_summary = Path(os.environ["GITHUB_STEP_SUMMARY"])
        _check_appendable(step_summary)
    return _Plan(report_set, baseline, summary_name, junit_name, step_summary)


def _baseline(config: Any, report_set: Optional[ReportSet]) -> Optional[RunResult]:
    """The gate's baseline, read before any scoring; never a file this run writes."""
    if not config.gate.baseline:
        return None
    baseline_path = Path(os.path.abspath(os.path.expanduser(str(config.gate.baseline))))
    if baseline_path.is_dir():  # a report set's folder names its report.json
        baseline_path = baseline_path / "report.json"
    if report_set is not None:
        written = {os.path.realpath(report_set.directory / name) for name in report_set.names}
        # A schema-2 baseline keeps its texts and statistics in segments.parquet beside it.
        for path in (baseline_path, baseline_path.parent / segment_table.FILE_NAME):
            if os.path.realpath(path) in written:
                raise ConfigError(
                    f"gate.baseline: {path} is a file this run would replace in report.dir ({report_set.directory}). "
                    "Keep the baseline's report set in its own folder (a subfolder works), or write this run to another report.dir."
                )
    return load_report(baseline_path)


def _gate_file_name(key: str, value: object) -> str:
    name = str(value) if value is not None else ""
    reserved = report_file_names()
    if not name or name in (".", "..") or "/" in name or "\\" in name or name != name.strip() or visible(name) != name:
        raise ConfigError(f"{key}={name!r}: must be a plain file name, written inside report.dir (e.g. gate.md).")
    if name in reserved:
        raise ConfigError(f"{key}={name!r} would replace a report file; choose another name (reserved: {', '.join(reserved)}).")
    return name


def _check_appendable(path: Path) -> None:
    try:
        with open(path, "a", encoding="utf-8"):
            pass
    except OSError as error:
        raise InputError(f"GITHUB_STEP_SUMMARY: cannot write {path}: {describe_os_error(error)}.") from None


def _append(path: Path, text: str) -> None:
    """GitHub Actions shows this file on the run's page."""
    try:
        with open(path, "a", encoding="utf-8") as stream:
            stream.write(text)
    except OSError as error:
        raise InputError(f"GITHUB_STEP_SUMMARY: cannot write {path}: {describe_os_error(error)} (the reports are written).") from None


__all__: List[str] = ["Outcome", "run", "save_report_set", "FROM_CONFIG"]
