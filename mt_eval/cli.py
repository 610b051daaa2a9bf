"""The ``mt-eval`` command: compose the config with Hydra, call
``pipeline.evaluate``, write the report set, show it, map errors to exit codes.

Exit codes: 0 the run completed; 1 the regression gate found a regression;
2 bad input, configuration or environment (one message on stderr, no
traceback; Hydra's own override and composition errors too, where Hydra
itself would use 1); 3 a bug in mt-eval (the traceback is printed for the
bug report); 130 and 143 interrupted by SIGINT and SIGTERM.

Order of work: every check that can fail on what the user gave (options,
baseline, report folder, summary file) runs before any scoring; the whole
report set, gate files included, is written at once; the terminal view is
printed last, so a closed stdout (``mt-eval | head``) never costs the reports.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Dict, Iterator, List, Optional, Union

import hydra
from omegaconf import DictConfig, OmegaConf
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.text import Text

from . import multirun, segment_table
from .config import register_configs
from .errors import ConfigError, InputError, MtEvalError
from .gate import GateResult, check_settings as check_gate_settings, compare
from .metrics import create_metrics
from .pipeline import evaluate
from .plain import visible
from .reports import gate_report
from .reports.files import check_formats, render_files, report_file_names
from .reports.report_set import ReportSet
from .reports.terminal import render
from .results import RunResult, describe_os_error

EXIT_OK = 0
EXIT_REGRESSION = 1
EXIT_BAD_INPUT = 2
EXIT_INTERNAL_ERROR = 3
EXIT_SIGINT = 130
EXIT_SIGTERM = 143

register_configs()
_task_started = False


class Terminated(BaseException):
    """SIGTERM, raised where the process is, so that clean-up runs."""


@dataclass
class _Plan:
    """What a run will write, checked before any scoring."""

    report_set: ReportSet
    baseline: Optional[RunResult]
    summary_name: str
    junit_name: str
    step_summary: Optional[Path]


def run(config: DictConfig, console: Optional[Console] = None) -> int:
    """Evaluate, write the report set, print the rich view; return the exit code."""
    console = console or make_console()
    try:
        plan = _plan(config)
        if config.merge:
            from .merge import merge_runs

            result = merge_runs(list(config.merge))  # shards of one test set, scored elsewhere
        else:
            result = evaluate(config, _progress_factory(console))
        gate: Optional[GateResult] = None
        if plan.baseline is not None:
            functions = {metric.name: metric.score_function() for metric in create_metrics(list(config.metrics), config)}
            gate = compare(plan.baseline, result, config.gate, functions, config.stats, str(config.gate.baseline))
        files: Dict[str, Union[str, bytes]] = render_files(result, list(config.report.formats), int(config.report.html_segments))
        if gate is not None:
            files[plan.summary_name] = gate_report.render_markdown(gate)
            files[plan.junit_name] = gate_report.render_junit(gate)
        written = plan.report_set.commit(files)
        if config.report.terminal:
            render(result, console)
        if gate is not None:
            gate_report.render_terminal(gate, console)
        console.print(Text(f"reports: {', '.join(str(path) for path in written)}"), soft_wrap=True)
        if gate is not None and plan.step_summary is not None:
            _append(plan.step_summary, files[plan.summary_name])
        return EXIT_REGRESSION if gate is not None and gate.failed else EXIT_OK
    except MtEvalError as error:
        _say(str(error))
        return EXIT_BAD_INPUT


def make_console() -> Console:
    """stdout as rich sees it. In a CI log (not a terminal) rich would assume
    80 columns; use $COLUMNS when set, else a width that fits the tables."""
    stream = SafeStream(sys.stdout)
    if stream.isatty():
        return Console(file=stream)
    try:
        width = int(os.environ.get("COLUMNS", "")) or 120
    except ValueError:
        width = 120
    return Console(file=stream, width=max(40, width))


def _plan(config: DictConfig) -> _Plan:
    """Every check on what the user gave that does not need the scores."""
    check_formats(list(config.report.formats))
    if int(config.report.html_segments) < 1:
        raise ConfigError(f"report.html_segments={config.report.html_segments}: must be 1 or more (segments embedded in report.html).")
    check_gate_settings(config.gate)
    summary_name = _gate_file_name("gate.summary", config.gate.summary)
    junit_name = _gate_file_name("gate.junit", config.gate.junit)
    if summary_name == junit_name:
        raise ConfigError(f"gate.summary and gate.junit are both {summary_name!r}; give them different names.")
    report_dir = _report_dir(config)
    report_set = ReportSet(report_dir, [*report_file_names(), summary_name, junit_name])
    baseline = None
    if config.gate.baseline:
        baseline_path = Path(os.path.abspath(os.path.expanduser(str(config.gate.baseline))))
        written = {os.path.realpath(report_set.directory / name) for name in report_set.names}
        # A schema-2 baseline keeps its texts and statistics in segments.parquet beside it.
        for path in (baseline_path, baseline_path.parent / segment_table.FILE_NAME):
            if os.path.realpath(path) in written:
                raise ConfigError(
                    f"gate.baseline: {path} is a file this run would replace in report.dir ({report_set.directory}). "
                    "Keep the baseline's report set in its own folder (a subfolder works), or write this run to another report.dir."
                )
        baseline = RunResult.load(baseline_path)  # a bad baseline fails before any scoring
    report_set.check_writable()
    step_summary = None
    if baseline is not None and os.environ.get("GITHUB_STEP_SUMMARY"):
        step_summary = Path(os.environ["GITHUB_STEP_SUMMARY"])
        _check_appendable(step_summary)
    return _Plan(report_set, baseline, summary_name, junit_name, step_summary)


def _gate_file_name(key: str, value: object) -> str:
    name = str(value) if value is not None else ""
    reserved = report_file_names()
    if not name or name in (".", "..") or "/" in name or "\\" in name or name != name.strip() or visible(name) != name:
        raise ConfigError(f"{key}={name!r}: must be a plain file name, written inside report.dir (e.g. gate.md).")
    if name in reserved:
        raise ConfigError(f"{key}={name!r} would replace a report file; choose another name (reserved: {', '.join(reserved)}).")
    return name


def _report_dir(config: DictConfig) -> Path:
    """report.dir; under multirun, a fixed report.dir gets one subfolder per
    job, so jobs never write over each other."""
    if config.report.dir is None:
        raise ConfigError("report.dir is not set. Name the report folder: report.dir=PATH.")
    directory = Path(str(config.report.dir))
    try:
        from hydra.core.hydra_config import HydraConfig
        from hydra.types import RunMode

        if HydraConfig.initialized() and HydraConfig.get().mode == RunMode.MULTIRUN:
            raw = str(OmegaConf.to_container(config.report, resolve=False)["dir"])
            if "hydra:" not in raw:
                directory = directory / str(HydraConfig.get().job.num)
    except (ImportError, ValueError):
        pass
    return directory


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


def _say(message: str) -> None:
    """One line on stderr, plain text (a path holding "[bold]" or an ESC
    prints as it is, inert)."""
    try:
        Console(stderr=True).print(Text.assemble(("mt-eval: ", "bold red"), visible(message)), highlight=False, soft_wrap=True)
    except (BrokenPipeError, OSError):
        pass


class SafeStream:
    """stdout that survives its reader going away: once a write fails with
    a broken pipe, output goes to /dev/null and the run carries on, so
    ``mt-eval | head`` still writes its reports and keeps its exit code."""

    def __init__(self, stream) -> None:
        self._stream = stream
        self._closed = False

    def write(self, text: str) -> int:
        if self._closed:
            return len(text)
        try:
            return self._stream.write(text)
        except (BrokenPipeError, ValueError):
            self._detach()
            return len(text)

    def flush(self) -> None:
        if self._closed:
            return
        try:
            self._stream.flush()
        except (BrokenPipeError, ValueError):
            self._detach()

    def _detach(self) -> None:
        self._closed = True
        try:  # let the interpreter's own flush at exit find a sink, not a broken pipe
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, self._stream.fileno())
            os.close(devnull)
        except (OSError, ValueError, AttributeError):
            pass

    def isatty(self) -> bool:
        try:
            return self._stream.isatty()
        except (ValueError, AttributeError):
            return False

    def fileno(self) -> int:
        return self._stream.fileno()

    @property
    def encoding(self) -> str:
        return getattr(self._stream, "encoding", "utf-8")


def _progress_factory(console: Console) -> Callable:
    @contextlib.contextmanager
    def progress(description: str, total: int) -> Iterator[Callable[[int], None]]:
        # Only on a terminal: in a CI log a progress bar is control-code soup.
        with Progress(
            TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
            console=console, transient=True, disable=not console.is_terminal,
        ) as bar:
            task = bar.add_task(description, total=total)
            yield lambda count: bar.advance(task, count)

    return progress


@hydra.main(version_base="1.3", config_path="pkg://mt_eval.conf", config_name="config")
def _hydra_entry(config: DictConfig) -> int:
    global _task_started
    _task_started = True
    try:
        code = run(config)
    except MemoryError:
        _say("out of memory. Score a smaller test set or fewer systems at once, or raise the machine's memory.")
        code = EXIT_BAD_INPUT
    except Exception:  # a bug, not a user error: keep the traceback for the report
        traceback.print_exc()
        code = EXIT_INTERNAL_ERROR
    if multirun.in_multirun():
        # One job's failure must not stop its siblings: record it; the
        # sweep's callback summarises every job and main() exits with the worst.
        multirun.record_job(config, code)
        return code
    if code != EXIT_OK:
        sys.exit(code)
    return code


def _on_sigterm(signum: int, frame: object) -> None:
    raise Terminated()


def versions() -> str:
    """mt-eval's version, and those of the tools whose numbers it reports."""
    from importlib import metadata

    from . import __version__

    parts = [f"mt-eval {__version__}"]
    for package in ("sacrebleu", "unbabel-comet", "hydra-core"):
        try:
            parts.append(f"{package} {metadata.version(package)}")
        except metadata.PackageNotFoundError:
            parts.append(f"{package} not installed" if package == "unbabel-comet" else f"{package} ?")
    return "\n".join(parts)


def _check_override_keys(arguments: List[str]) -> None:
    """A misspelt key gets mt-eval's "did you mean", before Hydra's advice to
    add it with '+' (which would only fail later)."""
    from .pipeline import known_keys, unknown_key_message

    keys = set(known_keys())
    skip_next = False
    for argument in arguments:
        if skip_next:
            skip_next = False
            continue
        if argument in ("--cfg", "-c", "--package", "-p", "--config-name", "-cn", "--config-path", "-cp", "--config-dir", "-cd", "--info", "-i"):
            skip_next = argument not in ("--info", "-i")
            continue
        if argument.startswith("-") or "=" not in argument:
            continue
        key = argument.split("=", 1)[0]
        if key.startswith(("+", "~", "hydra", "testset.systems.")) or "/" in key or key in keys:
            continue
        raise ConfigError(unknown_key_message(key))


def main() -> None:
    """Console-script entry point."""
    global _task_started
    _task_started = False
    arguments = sys.argv[1:]
    if "--version" in arguments or "-V" in arguments:
        print(versions())
        raise SystemExit(EXIT_OK)
    try:
        _check_override_keys(arguments)
    except ConfigError as error:
        _say(str(error))
        raise SystemExit(EXIT_BAD_INPUT) from None
    previous = signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        _hydra_entry()
        worst = multirun.worst_exit_code()
        if worst:
            raise SystemExit(worst)
    except SystemExit as exit_:
        code = exit_.code
        if code == 1 and not _task_started:
            code = EXIT_BAD_INPUT  # Hydra refused an override or could not compose the config
        raise SystemExit(code) from None
    except BrokenPipeError:  # `mt-eval --help | head`: the reader left; nothing went wrong
        SafeStream(sys.stdout)._detach()
        raise SystemExit(EXIT_OK) from None
    except KeyboardInterrupt:
        _say("interrupted (SIGINT). The report folder holds a whole set: this run's if it was written, otherwise the earlier one.")
        raise SystemExit(EXIT_SIGINT) from None
    except Terminated:
        _say("terminated (SIGTERM). The report folder holds a whole set: this run's if it was written, otherwise the earlier one.")
        raise SystemExit(EXIT_SIGTERM) from None
    finally:
        signal.signal(signal.SIGTERM, previous)


__all__: List[str] = ["main", "run"]
