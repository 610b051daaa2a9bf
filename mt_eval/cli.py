"""The ``mt-eval`` command: compose the config with Hydra, call
``pipeline.evaluate``, show and write the reports, map errors to exit codes.

Exit codes: 0 the run completed; 2 bad input, configuration or environment
(one message on stderr, no traceback). Hydra's own override and composition
errors also exit 2 (Hydra itself would use 1). 3 is a bug in mt-eval: the
traceback is printed for the bug report. 1 is kept for the regression gate.
"""

from __future__ import annotations

import contextlib
import os
import sys
import traceback
from pathlib import Path
from typing import Callable, Iterator

import hydra
from omegaconf import DictConfig
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.text import Text

from .config import register_configs
from .errors import MtEvalError
from .gate import compare
from .metrics import create_metrics
from .pipeline import evaluate
from .reports import gate_report
from .reports.files import atomic_write_text, check_formats, write_reports
from .reports.terminal import render
from .results import RunResult

EXIT_OK = 0
EXIT_REGRESSION = 1
EXIT_BAD_INPUT = 2
EXIT_INTERNAL_ERROR = 3

register_configs()
_task_started = False


def run(config: DictConfig, console: Console | None = None) -> int:
    """Evaluate, print the rich view and write the report files; return the exit code."""
    console = console or Console()
    errors = Console(stderr=True)
    try:
        check_formats(list(config.report.formats))
        report_dir = Path(str(config.report.dir))
        # A bad baseline fails before any scoring is done.
        baseline = RunResult.load(config.gate.baseline) if config.gate.baseline else None
        result = evaluate(config, _progress_factory(console))
        if config.report.terminal:
            render(result, console)
        written = write_reports(result, report_dir, list(config.report.formats))
        console.print(f"reports: {', '.join(str(path) for path in written)}", highlight=False, soft_wrap=True)
        if baseline is not None:
            return _gate(config, baseline, result, report_dir, console)
    except MtEvalError as error:
        # The message is plain text: a path holding "[bold]" must print as it is.
        errors.print(Text.assemble(("mt-eval: ", "bold red"), str(error)), highlight=False, soft_wrap=True)
        return EXIT_BAD_INPUT
    return EXIT_OK


def _gate(config: DictConfig, baseline: RunResult, result: RunResult, report_dir: Path, console: Console) -> int:
    """Compare with the baseline; write the verdicts; 1 on a regression."""
    functions = {metric.name: metric.score_function() for metric in create_metrics(list(config.metrics), config)}
    verdicts = compare(baseline, result, config.gate, functions, config.stats, str(config.gate.baseline))
    gate_report.render_terminal(verdicts, console)
    markdown = gate_report.render_markdown(verdicts)
    atomic_write_text(report_dir / str(config.gate.summary), markdown)
    atomic_write_text(report_dir / str(config.gate.junit), gate_report.render_junit(verdicts))
    step_summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if step_summary:  # GitHub Actions shows this file on the run's page
        with open(step_summary, "a", encoding="utf-8") as stream:
            stream.write(markdown)
    return EXIT_REGRESSION if verdicts.failed else EXIT_OK


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
def _hydra_entry(config: DictConfig) -> None:
    global _task_started
    _task_started = True
    try:
        code = run(config)
    except Exception:  # a bug, not a user error: keep the traceback for the report
        traceback.print_exc()
        code = EXIT_INTERNAL_ERROR
    if code != EXIT_OK:
        sys.exit(code)


def main() -> None:
    """Console-script entry point."""
    global _task_started
    _task_started = False
    try:
        _hydra_entry()
    except SystemExit as exit_:
        code = exit_.code
        if code == 1 and not _task_started:
            code = EXIT_BAD_INPUT  # Hydra refused an override or could not compose the config
        raise SystemExit(code) from None
