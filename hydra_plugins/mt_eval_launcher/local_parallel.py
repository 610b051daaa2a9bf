"""mt-eval's launcher for parallel jobs on one machine:
``mt-eval -m hydra/launcher=local_parallel ...`` (conf/hydra/launcher/local_parallel.yaml).

Each job runs in a process of its own, forked from the sweep's process, at
most ``n_jobs`` at a time. A job killed outright (SIGKILL from the
out-of-memory killer, a crash) takes only itself down: it is recorded as
failed (mt_eval.multirun), and the other jobs run to their end, so the
sweep completes with its summary and the worst job's exit code.

Why not hydra-joblib-launcher: its loky executor treats one dead worker as
a broken pool. It kills every other worker, running jobs included, and
joblib raises ``TerminatedWorkerError``, which Hydra passes up before the
sweep's ``on_multirun_end``: no summary, and the siblings' work is lost.

If the sweep's process itself is killed, its jobs get SIGTERM (and end as a
terminated run does), instead of running on unseen.
"""

from __future__ import annotations

import ctypes
import logging
import multiprocessing
import os
import signal
import sys
from collections import deque
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import Any, Deque, Dict, List, Optional, Sequence, Tuple

from hydra.core.utils import JobReturn, JobStatus, configure_log, filter_overrides, run_job, setup_globals
from hydra.plugins.launcher import Launcher
from hydra.types import HydraContext, TaskFunction
from omegaconf import DictConfig, open_dict

log = logging.getLogger(__name__)
_PR_SET_PDEATHSIG = 1


class _Running:
    """A job's process and the pipe its JobReturn comes through. (A plain
    class: Hydra's plug-in scanner runs this module before it is in
    sys.modules, where a dataclass cannot be built.)"""

    def __init__(self, index: int, number: int, overrides: Sequence[str], process: Any, results: Connection) -> None:
        self.index = index  # in this batch
        self.number = number  # the job's number in the sweep
        self.overrides = overrides
        self.process = process  # multiprocessing's forked Process
        self.results = results


class LocalParallelLauncher(Launcher):
    """Hydra launcher: every job in a forked process, ``n_jobs`` at a time
    (0 or less: one per core)."""

    def __init__(self, n_jobs: int = 2) -> None:
        self.n_jobs = int(n_jobs) if int(n_jobs) > 0 else (os.cpu_count() or 1)
        self.config: Optional[DictConfig] = None
        self.task_function: Optional[TaskFunction] = None
        self.hydra_context: Optional[HydraContext] = None

    def setup(self, *, hydra_context: HydraContext, task_function: TaskFunction, config: DictConfig) -> None:
        self.config = config
        self.task_function = task_function
        self.hydra_context = hydra_context

    def launch(self, job_overrides: Sequence[Sequence[str]], initial_job_idx: int) -> Sequence[JobReturn]:
        assert self.config is not None and self.hydra_context is not None and self.task_function is not None
        setup_globals()
        configure_log(self.config.hydra.hydra_logging, self.config.hydra.verbose)
        sweep_dir = Path(str(self.config.hydra.sweep.dir))
        sweep_dir.mkdir(parents=True, exist_ok=True)
        log.info(f"Launching {len(job_overrides)} jobs, {self.n_jobs} at a time, sweep output dir : {sweep_dir}")
        context = multiprocessing.get_context("fork")  # the task function and Hydra's state pass as they are
        waiting: Deque[Tuple[int, Sequence[str]]] = deque(enumerate(job_overrides))
        running: Dict[int, _Running] = {}
        returns: Dict[int, JobReturn] = {}
        try:
            while waiting or running:
                while waiting and len(running) < self.n_jobs:
                    index, overrides = waiting.popleft()
                    running[index] = self._start(context, index, initial_job_idx + index, overrides)
                # A job is done when its process ends or its JobReturn arrives (a
                # large one would not fit the pipe's buffer before the process ends).
                handles: Dict[Any, _Running] = {}
                for job in running.values():
                    handles[job.process.sentinel] = handles[job.results] = job
                for job in {handles[ready].index: handles[ready] for ready in wait(list(handles))}.values():
                    returns[job.index] = self._finish(job, sweep_dir)
                    del running[job.index]
        finally:
            for job in running.values():  # interrupted: end the jobs still running
                job.process.terminate()
            for job in running.values():
                job.process.join()
        configure_log(self.config.hydra.hydra_logging, self.config.hydra.verbose)
        return [returns[index] for index in range(len(job_overrides))]

    def _start(self, context: Any, index: int, number: int, overrides: Sequence[str]) -> _Running:
        assert self.config is not None and self.hydra_context is not None
        log.info(f"\t#{number} : {' '.join(filter_overrides(overrides))}")
        sweep_config = self.hydra_context.config_loader.load_sweep_config(self.config, list(overrides))
        with open_dict(sweep_config):
            sweep_config.hydra.job.id = number
            sweep_config.hydra.job.num = number
        results, sender = context.Pipe(duplex=False)
        process = context.Process(target=_job, args=(sender, sweep_config, self.hydra_context, self.task_function, os.getpid()),
                                  name=f"mt-eval job {number}")
        process.start()
        sender.close()  # the job holds the only sending end: its death closes the pipe
        return _Running(index, number, overrides, process, results)

    def _finish(self, job: _Running, sweep_dir: Path) -> JobReturn:
        """The job's JobReturn; for a job that ended without handing one
        back, a completed return carrying its exit code (Hydra's sweeper
        would end the whole sweep on a failed one)."""
        returned: Optional[JobReturn] = None
        try:
            if job.results.poll():
                returned = job.results.recv()
        except (EOFError, OSError):
            pass
        job.results.close()
        job.process.join()
        if isinstance(returned, JobReturn):
            return returned
        from mt_eval.multirun import record_lost_job  # mt-eval is the app that runs this launcher

        code = record_lost_job(sweep_dir, job.number, list(job.overrides), job.process.exitcode)
        log.error(f"\t#{job.number} ended without an outcome (exit code {job.process.exitcode}): counted as exit {code}")
        lost = JobReturn(overrides=list(job.overrides), working_dir=os.getcwd(), status=JobStatus.COMPLETED)
        lost.return_value = code
        return lost


def _job(sender: Connection, config: DictConfig, hydra_context: HydraContext, task_function: TaskFunction, parent: int) -> None:
    """In the forked process: run the job, hand its JobReturn back."""
    _die_with_parent(parent, signal.SIGTERM)
    try:
        returned = run_job(hydra_context=hydra_context, task_function=task_function, config=config,
                           job_dir_key="hydra.sweep.dir", job_subdir_key="hydra.sweep.subdir")
    except KeyboardInterrupt:
        _leave(130)  # the sweep was interrupted: its own process says so
    except BaseException as error:  # SIGTERM (raised by mt-eval's handler), SystemExit: this job ends here
        _leave(143 if type(error).__name__ == "Terminated" else 3)
    try:
        sender.send(returned)
    except Exception:  # a return value that cannot be pickled: the outcome the job recorded stands
        sender.send(JobReturn(overrides=returned.overrides, working_dir=returned.working_dir, status=JobStatus.COMPLETED,
                              _return_value=returned._return_value if isinstance(returned._return_value, int) else 3))
    sender.close()


def _leave(code: int) -> None:
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def _die_with_parent(parent: int, signum: int) -> None:
    """Ask the kernel to send ``signum`` when the sweep's process dies
    (Linux); if it is already gone, leave now."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, int(signum), 0, 0, 0)
    except (OSError, AttributeError):
        pass
    if os.getppid() != parent:
        _leave(143)


__all__: List[str] = ["LocalParallelLauncher"]
