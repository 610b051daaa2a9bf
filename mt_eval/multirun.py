"""Multirun (``mt-eval -m ...``): every job runs, each writes its own report
folder, and the sweep is summarised.

Each job records its outcome (overrides, exit code, report folder, corpus
scores) in ``<sweep dir>/.mt-eval-jobs/<job>.json``: a file per job, so it
works whichever launcher runs the jobs (in this process, forked processes,
SLURM nodes sharing the disk). Hydra's callbacks (``SweepSummary``,
registered in conf/config.yaml) draw an id for the sweep when it starts,
have every job record it (first as "started", then with its outcome), and
when the sweep ends write ``summary.json`` and ``summary.md`` into the
sweep folder from this sweep's records only (a reused sweep folder holds
earlier ones). A job that started but recorded no outcome was killed
outright and counts as failed. The command exits with the worst job's code
(3 a bug > 2 bad input, environment or killed > 1 regression > 0).
"""

from __future__ import annotations

import copy
import json
import os
import secrets
import signal
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

from hydra.experimental.callback import Callback
from omegaconf import DictConfig, OmegaConf, open_dict, read_write
from omegaconf.errors import OmegaConfBaseException

from .errors import ConfigError, MtEvalError
from .plain import markdown_cell

JOBS_FOLDER = ".mt-eval-jobs"
SEVERITY = {0: 0, 1: 1, 2: 2, 3: 3}
STARTED = "started"
_worst: Optional[int] = None  # set by SweepSummary in the process that ran the sweep
_problem: Optional[str] = None  # why the sweep's outcome is not its jobs' own, when it is not
_local_codes: List[int] = []  # exit codes of the jobs this process ran (the basic launcher runs them here)
_sweep: Optional[str] = None  # this sweep's id, in the sweep's process and in every job of it


def in_multirun() -> bool:
    try:
        from hydra.core.hydra_config import HydraConfig
        from hydra.types import RunMode

        return HydraConfig.initialized() and HydraConfig.get().mode == RunMode.MULTIRUN
    except (ImportError, ValueError):
        return False


def record_job(config: DictConfig, code: int) -> None:
    """Write this job's outcome where the sweep's callback will find it."""
    from hydra.core.hydra_config import HydraConfig

    _local_codes.append(int(code))
    hydra = HydraConfig.get()
    report_dir = _report_dir_of(config)
    _write_record(Path(str(hydra.sweep.dir)), int(hydra.job.num), {
        "overrides": list(hydra.overrides.task),
        "exit_code": int(code),
        "status": {0: "ok", 1: "regression", 2: "bad input", 3: "bug"}.get(int(code), f"exit {code}"),
        "report_dir": str(report_dir) if report_dir else None,
        "scores": _scores(report_dir),
    })


def record_lost_job(sweep_dir: Path, job: int, overrides: List[str], exitcode: Optional[int]) -> int:
    """For a launcher: the job's process ended (``exitcode``, negative for a
    signal) without handing back its outcome. Records it as failed unless
    the job recorded an outcome itself, and returns the job's exit code."""
    recorded = _read_record(sweep_dir / JOBS_FOLDER / f"{job}.json")
    if recorded and recorded.get("sweep") == _sweep and recorded.get("exit_code") is not None:
        return int(recorded["exit_code"])
    code, status = lost_job_outcome(exitcode)
    _write_record(sweep_dir, job, {"overrides": list(overrides), "exit_code": code, "status": status, "report_dir": None, "scores": {}})
    return code


def lost_job_outcome(exitcode: Optional[int]) -> Tuple[int, str]:
    """Exit code and status of a job that ended without an outcome. SIGKILL
    (the out-of-memory killer, or an operator) is the environment's doing:
    2; a crash (another signal, or an exit without an outcome) is 3."""
    if exitcode is None:
        return 2, "killed: ended without recording an outcome (out of memory?)"
    if exitcode < 0:
        name = _signal_name(-exitcode)
        if -exitcode == signal.SIGKILL:
            return 2, f"killed by {name} (out of memory?)"
        return 3, f"crashed ({name})"
    return 3, f"ended with exit code {exitcode} without an outcome"


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


def _write_record(sweep_dir: Path, job: int, entry: Dict[str, Any]) -> None:
    folder = sweep_dir / JOBS_FOLDER
    record = {"job": job, "sweep": _sweep, **entry}
    try:
        folder.mkdir(parents=True, exist_ok=True)
        temporary = folder / f".{job}.json.{os.getpid()}.tmp"
        temporary.write_text(json.dumps(record, ensure_ascii=False, allow_nan=False), encoding="utf-8")
        os.replace(temporary, folder / f"{job}.json")
    except OSError:
        pass  # the summary will show the job as unrecorded; its own exit code stands


def _read_record(path: Path) -> Optional[Dict[str, Any]]:
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return record if isinstance(record, dict) else None


def job_report_dir(config: DictConfig) -> Path:
    """report.dir, resolved; under multirun, one subfolder per job unless
    the resolved folder already differs from job to job. Decided on the
    resolved path, so it holds however report.dir is written (a plain or
    relative path, ~, ``${hydra:...}``, ``${oc.env:...}``): two jobs of a
    sweep never share a report folder."""
    directory = _resolved_report_dir(config)
    if in_multirun():
        from hydra.core.hydra_config import HydraConfig

        number = int(HydraConfig.get().job.num)
        others = {_resolved_report_dir(config, as_job=number + step) for step in (1, 2)}
        if len(others | {directory}) < 3:  # the same folder for another job: not the job's own
            directory = directory / str(number)
    return directory


def _resolved_report_dir(config: DictConfig, as_job: Optional[int] = None) -> Path:
    """report.dir as an absolute path; with ``as_job``, as job number
    ``as_job`` of this sweep would resolve it (its number, id, subfolder
    and output folder in place of this job's)."""
    from hydra.core.hydra_config import HydraConfig

    instance = HydraConfig.instance()
    saved = instance.cfg
    try:
        if as_job is not None and saved is not None:
            instance.cfg = _as_other_job(saved, as_job)
        value = (copy.deepcopy(config) if as_job is not None else config).report.dir
    except (OmegaConfBaseException, ValueError) as error:
        raw = OmegaConf.to_container(config.report, resolve=False).get("dir")  # type: ignore[union-attr]
        raise ConfigError(f"report.dir={raw!r} cannot be resolved: {str(error).splitlines()[0]}. Name a folder: report.dir=PATH.") from None
    finally:
        instance.cfg = saved
    if value is None:
        raise ConfigError("report.dir is not set. Name the report folder: report.dir=PATH.")
    return Path(os.path.abspath(os.path.expanduser(str(value))))


def _as_other_job(hydra_config: Any, number: int) -> Any:
    other = copy.deepcopy(hydra_config)
    with read_write(other.hydra), open_dict(other.hydra):
        job = other.hydra.job
        job.num = number
        job.id = f"{job.id}~as-job-{number}"  # every launcher gives each job its own id
        subdir = OmegaConf.select(other, "hydra.sweep.subdir")
        sweep_dir = str(OmegaConf.select(other, "hydra.sweep.dir"))
        other.hydra.runtime.output_dir = os.path.abspath(os.path.join(sweep_dir, str(subdir)) if subdir is not None else sweep_dir)
    return other


def _report_dir_of(config: DictConfig) -> Optional[Path]:
    try:
        return job_report_dir(config)
    except (MtEvalError, ValueError, OmegaConfBaseException):  # no report folder could be named: nothing to summarise
        return None


def _scores(report_dir: Optional[Path]) -> Dict[str, Dict[str, Optional[float]]]:
    """system → metric → corpus score, read from the job's report.json."""
    if report_dir is None or not (report_dir / "report.json").is_file():
        return {}
    try:
        report = json.loads((report_dir / "report.json").read_text(encoding="utf-8"))
        return {system["name"]: {metric: score.get("score") for metric, score in system["scores"].items()} for system in report["systems"]}
    except (OSError, ValueError, KeyError, TypeError):
        return {}


class SweepSummary(Callback):
    """Hydra callback: an id for the sweep, a "started" record per job, and
    at the end summary.json and summary.md for this sweep's jobs, and the
    worst exit code. The instance travels with the jobs (Hydra hands its
    callbacks to every launcher), so each job knows its sweep's id."""

    def __init__(self) -> None:
        self.sweep_id: Optional[str] = None

    def on_multirun_start(self, config: DictConfig, **kwargs: Any) -> None:
        global _sweep
        self.sweep_id = _sweep = secrets.token_hex(8)

    def on_job_start(self, config: DictConfig, **kwargs: Any) -> None:
        global _sweep
        if self.sweep_id is None:  # a single run
            return
        _sweep = self.sweep_id
        hydra = config.hydra
        _write_record(Path(str(hydra.sweep.dir)), int(hydra.job.num), {
            "overrides": list(hydra.overrides.task), "exit_code": None, "status": STARTED, "report_dir": None, "scores": {}})

    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        global _worst, _problem
        sweep = Path(str(config.hydra.sweep.dir))
        jobs = [job for job in read_jobs(sweep) if job.get("sweep") == self.sweep_id]
        for job in jobs:
            if job.get("exit_code") is None:  # started, and never got to record how it ended
                job["exit_code"], job["status"] = lost_job_outcome(None)
        _worst = _worst_of([job["exit_code"] for job in jobs])
        if not jobs:  # nothing ran, or nothing could say how it ended: never a pass
            _worst = max(2, _worst_of(_local_codes), key=lambda code: SEVERITY.get(code, 3))
            _problem = (f"no job of this sweep recorded its outcome in {sweep / JOBS_FOLDER}"
                        + (" (the sweep launched none: are its sweep values empty?)" if not _local_codes else
                           " (the folder could not be written)") + "; nothing was checked, so the sweep fails.")
        summary = {"sweep_dir": str(sweep), "jobs": jobs, "exit_code": _worst, **({"problem": _problem} if _problem else {})}
        try:
            _write(sweep / "summary.json", json.dumps(summary, ensure_ascii=False, indent=2, allow_nan=False) + "\n")
            _write(sweep / "summary.md", render_markdown(jobs))
        except OSError:
            pass


def read_jobs(sweep: Path) -> List[Dict[str, Any]]:
    """Every job record in the sweep folder (of any sweep that used it), by job number."""
    paths = sorted((sweep / JOBS_FOLDER).glob("*.json"), key=lambda p: int(p.stem) if p.stem.isdigit() else -1)
    return [record for record in map(_read_record, paths) if record is not None]


def render_markdown(jobs: List[Dict[str, Any]]) -> str:
    metrics = sorted({metric for job in jobs for scores in job["scores"].values() for metric in scores})
    lines = ["### mt-eval sweep", "", "| job | overrides | status | system | " + " | ".join(metrics) + " |",
             "|---:|---|---|---|" + "---:|" * len(metrics)]
    for job in jobs:
        systems = job["scores"] or {"—": {}}
        for name, scores in systems.items():
            cells = [f"{scores[m]:.2f}" if isinstance(scores.get(m), (int, float)) else "—" for m in metrics]
            lines.append(f"| {job['job']} | {markdown_cell(' '.join(job['overrides']))} | {job['status']} | {markdown_cell(name)} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def _write(path: Path, text: str) -> None:
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, path)


def reset() -> None:
    """Forget an earlier sweep's outcome (a process may run several: the tests, a notebook)."""
    global _worst, _problem
    _worst, _problem = None, None
    _local_codes.clear()


def _worst_of(codes: List[int]) -> int:
    return max(codes, key=lambda code: SEVERITY.get(code, 3), default=0)


def sweep_outcome() -> Tuple[int, Optional[str]]:
    """After a sweep: the exit code (the worst job's, as its summary found
    them) and, when the outcome is not simply that, why. A sweep whose
    summary did not run (its callback removed) falls back to the jobs this
    process ran, and fails when there were none to know of."""
    if _worst is not None:
        return _worst, _problem
    if _local_codes:
        return _worst_of(_local_codes), None
    return 2, "the sweep's summary did not run (hydra.callbacks.sweep_summary removed?), so no job's outcome is known; the sweep fails."
