"""The ``mt-eval`` command: compose the config with Hydra, call
``pipeline.evaluate``, show and write the reports, map errors to exit codes.

Exit codes: 0 the run completed; 2 bad input, configuration or environment
(one message on stderr, no traceback). Hydra's own override and composition
errors also exit 2 (Hydra itself would use 1). 3 is a bug in mt-eval: the
traceback is printed for the bug report. 1 is kept for the regression gate.
"""

from __future__ import annotations

import contextlib
import sys
import traceback
from pathlib import Path
from typing import Callable, Iterator

import hydra
from omegaconf import DictConfig
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from .config import register_configs
from .errors import MtEvalError
from .pipeline import evaluate
from .reports.files import check_formats, write_reports
from .reports.terminal import render

EXIT_OK = 0
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
        result = evaluate(config, _progress_factory(console))
        if config.report.terminal:
            render(result, console)
        written = write_reports(result, report_dir, list(config.report.formats))
    except MtEvalError as error:
        errors.print(f"[bold red]mt-eval:[/] {error}", highlight=False, markup=True, soft_wrap=True)
        return EXIT_BAD_INPUT
    console.print(f"reports: {', '.join(str(path) for path in written)}", highlight=False, soft_wrap=True)
    return EXIT_OK


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
