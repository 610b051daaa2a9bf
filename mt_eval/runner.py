"""One run, as a library function: check → evaluate or merge → gate →
render → commit.

``run`` is what the ``mt-eval`` command, the Python API (``mt_eval.score``),
multirun jobs and the tests all call. It never prints and never chooses an
exit code: it returns an ``Outcome`` holding the result, the gate's verdict
and the files written, and raises mt-eval's own errors (``MtEvalError``)
for anything the user can fix.

Order of work: every check that can fail on what the user gave (options,
baseline, report folder and what it holds, inputs the run would write
into, gate file names, the step-summary file) runs before any scoring; the
whole report set, gate files included, is written at once, whole or not
at all.
"""

from __future__ import annotations

import enum
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, List, Mapping, Optional, Sequence, Union

from omegaconf import OmegaConf
from omegaconf.errors import OmegaConfBaseException

from . import segment_table
from .config import as_run_config
from .errors import ConfigError, InputError, describe_os_error
from .inputs import HUB_PREFIX, MEMORY_PREFIX
from .gate import GateResult, check_settings as check_gate_settings, compare
from .metrics import create_metrics
from .pipeline import ProgressFactory, evaluate
from .plain import visible
from .report_loader import load_report
from .reports import gate_report
from .reports.files import RENDERERS, check_formats, render_files, report_file_names
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
        from .merge import check_options_honoured, merge_runs  # shards of one test set, scored elsewhere

        result = merge_runs(list(config.merge))
        check_options_honoured(config, result)
    else:
        result = evaluate(config, progress, memory)
    gate = None
    if plan.baseline is not None:
        # The metrics as the result was scored (a merge's shards' options, not this config's defaults).
        scored_with = OmegaConf.create(result.config) if config.merge else config
        functions = {metric.name: metric.score_function() for metric in create_metrics(list(result.metrics), scored_with)}
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
    checked = _checked_formats(formats)
    report_set = ReportSet(os.fspath(directory), report_file_names())
    report_set.check_writable(format_file_names(checked))
    return report_set.commit(render_files(result, checked, html_segments))


def _check(config: Any, report_dir: Optional[Path]) -> _Plan:
    """Every check on what the user gave that does not need the scores."""
    formats = _checked_formats(config.report.formats)
    if int(config.report.html_segments) < 1:
        raise ConfigError(f"report.html_segments={config.report.html_segments}: must be 1 or more (segments embedded in report.html).")
    check_gate_settings(config.gate, config.stats)
    _check_gate_has_baseline(config.gate)
    summary_name = _gate_file_name("gate.summary", config.gate.summary)
    junit_name = _gate_file_name("gate.junit", config.gate.junit)
    if summary_name == junit_name:
        raise ConfigError(f"gate.summary and gate.junit are both {summary_name!r}; give them different names.")
    gate_files = {summary_name: "gate.summary", junit_name: "gate.junit"} if config.gate.baseline else {}
    report_set = None
    if report_dir is not None:
        report_set = ReportSet(report_dir, report_file_names(), gate_files, recognise=_written_by_the_gate)
    baseline = _baseline(config)
    if report_set is not None:
        check_inputs_outside(run_inputs(config), report_set)
        report_set.check_writable([*format_file_names(formats), *gate_files])
    step_summary = None
    if baseline is not None and os.environ.get("GITHUB_STEP_SUMMARY"):
        step_summary = Path(os.environ["GITHUB_STEP_SUMMARY"])
        _check_appendable(step_summary)
    return _Plan(report_set, baseline, summary_name, junit_name, step_summary)


def _check_gate_has_baseline(settings: Any) -> None:
    """A threshold with nothing to check it against would pass unchecked:
    every gate setting that asks for a check needs gate.baseline."""
    if settings.baseline:
        return
    asked = [f"gate.{group}.{metric}" for group, values in (("max_drop", settings.max_drop), ("min", settings.min))
             for metric, value in dict(values).items() if value is not None]
    if float(settings.default_max_drop) != 0.0:
        asked.append("gate.default_max_drop")
    if settings.require_significance:
        asked.append("gate.require_significance")
    if asked:
        raise ConfigError(f"{', '.join(asked)} {'is' if len(asked) == 1 else 'are'} set but gate.baseline is not, so nothing would "
                          "be checked. Name the baseline report set: gate.baseline=PATH (its folder or its report.json).")


def _checked_formats(formats: Sequence[str]) -> List[str]:
    """Known formats, at least one: a set of no files would empty report.dir."""
    checked = check_formats(list(formats))
    if not checked:
        raise ConfigError(f"report.formats=[]: name at least one format ({', '.join(RENDERERS)}), e.g. report.formats=[json]; "
                          "a run with no files would leave an empty report.dir.")
    return checked


def format_file_names(formats: Sequence[str]) -> List[str]:
    """The files ``formats`` write."""
    return list(dict.fromkeys(name for fmt in formats for name, _ in RENDERERS[fmt]))


def _baseline(config: Any) -> Optional[RunResult]:
    """The gate's baseline, read before any scoring (``check_inputs_outside``
    has made sure it is no file this run writes)."""
    if not config.gate.baseline:
        return None
    return load_report(Path(os.path.abspath(os.path.expanduser(str(config.gate.baseline)))))


def _written_by_the_gate(first: bytes) -> bool:
    """A gate file an earlier run wrote (``gate_report``'s Markdown summary or
    JUnit XML), told by its first line: a set written without report.json
    has no other record of its gate files."""
    text = first.decode("utf-8", "replace")
    return text.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="mt-eval gate"') or \
        re.match(r"### \S+ mt-eval gate: ", text) is not None


@dataclass(frozen=True)
class RunInput:
    """A path a run reads: ``key`` names it in the config."""

    key: str  # testset.source, testset.systems.mine, gate.baseline, merge[0], ...
    path: Path  # absolute, every symbolic link followed
    report_set: bool = False  # a report set (its folder or its report.json): a baseline or a shard


def run_inputs(config: Any) -> List[RunInput]:
    """Every local path the run will read: the test set's files (not hub
    datasets or in-memory segments), the gate's baseline and merge's shards."""
    found: List[RunInput] = []

    def add(key: str, spec: object, report_set: bool = False) -> None:
        text = str(spec) if isinstance(spec, (str, os.PathLike)) else ""
        if not report_set:
            if text.startswith((HUB_PREFIX, MEMORY_PREFIX)):
                return
            text = text.partition("#")[0]  # path#column
        if text:
            found.append(RunInput(key, Path(os.path.realpath(os.path.expanduser(text))), report_set))

    add("testset.source", _value(config, "testset.source"))
    for i, reference in enumerate(_listed(_value(config, "testset.references"))):
        add(f"testset.references[{i}]", reference)
    systems = _value(config, "testset.systems")
    if isinstance(systems, Mapping):
        for name, spec in systems.items():
            add(f"testset.systems.{name}", spec)
    for i, spec in enumerate(_listed(systems)):
        add(f"testset.systems[{i}]", spec)
    add("gate.baseline", _value(config, "gate.baseline"), report_set=True)
    for i, shard in enumerate(_listed(_value(config, "merge"))):
        add(f"merge[{i}]", shard, report_set=True)
    return found


def _listed(value: Any) -> List[Any]:
    """A list value's items; nothing for any other type (its loader refuses it)."""
    return list(value) if isinstance(value, (list, tuple)) else []


def _value(config: Any, key: str) -> Any:
    """A config value as plain data, or None where it is unset or cannot be
    resolved (the loader that reads it says why)."""
    try:
        value = OmegaConf.select(config, key, throw_on_missing=True)
        return OmegaConf.to_container(value, resolve=True) if OmegaConf.is_config(value) else value
    except OmegaConfBaseException:
        return None


def check_inputs_outside(inputs: Sequence[RunInput], report_set: ReportSet) -> None:
    """A run never writes into its own inputs: no input is a file the swap
    of report.dir replaces or leaves behind (a report set's data file
    beside its report.json included), and report.dir is neither the folder
    of a report set it reads (a baseline, a shard) nor inside it. An input
    kept in a subfolder of report.dir, or beside the reports under a name of
    its own, is carried over untouched (the same inode)."""
    target = report_set.target
    replaced = report_set.replaced()
    for item in inputs:
        folder = None
        files = [item.path]
        if item.report_set:
            report_json = item.path / "report.json" if item.path.is_dir() else item.path
            # The set's folder, where the set is named by it or by its report.json
            # (a loose baseline.json shares its folder with anything).
            folder = report_json.parent if report_json.name == "report.json" else None
            files = [report_json, report_json.parent / segment_table.FILE_NAME]
        for path in files:
            if path in replaced:
                raise ConfigError(
                    f"{item.key}: {path} is a file this run would replace in report.dir ({report_set.directory}); a run never writes "
                    "into its own inputs. Keep it in a folder of its own (a subfolder of report.dir works), or write this run to another report.dir."
                )
        if folder is not None and (folder == target or folder in target.parents):
            where = "is" if folder == target else "lies inside"
            raise ConfigError(f"report.dir: {report_set.directory} {where} {folder}, the folder of {item.key} (an input of this run); "
                              "a run never writes into its own inputs. Choose another report.dir.")


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
