"""The ``mt-eval`` command: the thin edge around ``run.run``.

Check the command line as Hydra will run it (``preflight``: every job's
composed config against the schema, and the folders Hydra writes, before
Hydra writes anything), compose the config with Hydra, call the run, show
the outcome, and map it to an exit code: 0 the run completed; 1 the regression gate found a
regression; 2 bad input, configuration or environment (one message on
stderr, no traceback; Hydra's own override and composition errors too,
where Hydra itself would use 1); 3 a bug in mt-eval (the traceback is
printed for the bug report); 130 and 143 interrupted by SIGINT and SIGTERM.

The terminal view is printed after the report set is written, so a closed
stdout (``mt-eval | head``) never costs the reports.
"""

from __future__ import annotations

import signal
import sys
import traceback
from typing import List, Optional

import hydra
from hydra.core.plugins import Plugins
from hydra_plugins.mt_eval_launcher.local_parallel import LocalParallelLauncher
from omegaconf import DictConfig
from rich.console import Console
from rich.text import Text

from . import multirun
from .config import check_config, register_configs
from .console import SafeStream, make_console, progress_factory, say
from .errors import ConfigError, MtEvalError, describe_os_error
from .metrics import unavailable_metrics
from .preflight import check_command_line
from .reports import gate_report
from .reports.terminal import render
from .runner import Outcome, run
from .version import versions

EXIT_OK = 0
EXIT_REGRESSION = 1
EXIT_BAD_INPUT = 2
EXIT_INTERNAL_ERROR = 3
EXIT_SIGINT = 130
EXIT_SIGTERM = 143

register_configs()
# Hydra finds plug-ins by scanning the hydra_plugins namespace, and that scan
# misses the launcher in an editable install (pip install -e): register it.
Plugins.instance().register(LocalParallelLauncher)
_task_started = False


class Terminated(BaseException):
    """SIGTERM, raised where the process is, so that clean-up runs."""


def execute(config: DictConfig, console: Optional[Console] = None) -> int:
    """Run, show the outcome, return the exit code."""
    console = console or make_console()
    try:
        check_config(config)  # before anything reads it (report.dir for the job's folder)
        outcome = run(config, report_dir=multirun.job_report_dir(config), progress=progress_factory(console))
    except MtEvalError as error:
        say(str(error))
        return EXIT_BAD_INPUT
    except OSError as error:  # a path the system refuses even to look at (a name over 255 bytes, a link loop)
        say(f"{error.filename or 'a file'}: {describe_os_error(error)}. Check the paths given.")
        return EXIT_BAD_INPUT
    show(outcome, console, terminal=bool(config.report.terminal))
    return EXIT_REGRESSION if outcome.regression else EXIT_OK


def show(outcome: Outcome, console: Console, terminal: bool = True) -> None:
    """The rich view of a run: its table (when asked for), the gate, the files."""
    if terminal:
        render(outcome.result, console)
    if outcome.gate is not None:
        gate_report.render_terminal(outcome.gate, console)
    console.print(Text(f"reports: {', '.join(str(path) for path in outcome.written)}"), soft_wrap=True)


@hydra.main(version_base="1.3", config_path="pkg://mt_eval.conf", config_name="config")
def _hydra_entry(config: DictConfig) -> int:
    global _task_started
    _task_started = True
    try:
        code = execute(config)
    except MemoryError:
        say("out of memory. Score a smaller test set or fewer systems at once, or raise the machine's memory.")
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


def main() -> None:
    """Console-script entry point."""
    global _task_started
    _task_started = False
    multirun.reset()
    arguments = sys.argv[1:]
    if "--version" in arguments or "-V" in arguments:
        print(versions())
        raise SystemExit(EXIT_OK)
    for problem in unavailable_metrics().values():
        say(f"warning: {problem}")
    try:
        # Composed and checked as Hydra will run it, before Hydra writes its files.
        check_command_line(arguments, _hydra_entry)
    except ConfigError as error:
        say(str(error))
        raise SystemExit(EXIT_BAD_INPUT) from None
    except OSError as error:  # a folder Hydra would write cannot even be looked at (a name too long, a link loop)
        say(f"{error.filename or 'the command line'}: {describe_os_error(error)}.")
        raise SystemExit(EXIT_BAD_INPUT) from None
    except Exception as error:  # Hydra answers some overrides of its own keys (~hydra/job_logging) with its internals' errors
        say(f"the command line cannot be composed into a config ({type(error).__name__}: {str(error).splitlines()[0] if str(error) else 'no detail'}). "
            "Check the overrides of Hydra's own keys (hydra.*, hydra/...).")
        raise SystemExit(EXIT_BAD_INPUT) from None
    previous = signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        _hydra_entry()
        if "-m" in arguments or "--multirun" in arguments or any(a.replace(" ", "") == "hydra.mode=MULTIRUN" for a in arguments):
            worst, sweep_problem = multirun.sweep_outcome()
            if sweep_problem:
                say(sweep_problem)
            if worst:
                raise SystemExit(worst)
    except SystemExit as exit_:
        code = exit_.code
        if code == 1 and not _task_started:
            code = EXIT_BAD_INPUT  # Hydra refused an override or could not compose the config
        raise SystemExit(code) from None
    except BrokenPipeError:  # `mt-eval --help | head`: the reader left; nothing went wrong
        SafeStream(sys.stdout).detach()
        raise SystemExit(EXIT_OK) from None
    except KeyboardInterrupt:
        say("interrupted (SIGINT). The report folder holds a whole set: this run's if it was written, otherwise the earlier one.")
        raise SystemExit(EXIT_SIGINT) from None
    except Terminated:
        say("terminated (SIGTERM). The report folder holds a whole set: this run's if it was written, otherwise the earlier one.")
        raise SystemExit(EXIT_SIGTERM) from None
    finally:
        signal.signal(signal.SIGTERM, previous)


__all__: List[str] = ["main", "execute", "show"]
