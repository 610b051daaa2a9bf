"""Multirun (``mt-eval -m ...``): every job runs, and the sweep is summarised.

Each job records its outcome (overrides, exit code, report folder, corpus
scores) in ``<sweep dir>/.mt-eval-jobs/<job>.json``: a file per job, so it
works whichever launcher runs the jobs (in this process, joblib workers,
SLURM nodes sharing the disk). Hydra's ``on_multirun_end`` callback
(``SweepSummary``, registered in conf/config.yaml) then writes
``summary.json`` and ``summary.md`` into the sweep folder, and the command
exits with the worst job's code (3 a bug > 2 bad input > 1 regression > 0).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Dict, List, Optional, cast

from hydra.experimental.callback import Callback
from omegaconf import DictConfig, OmegaConf
from omegaconf.errors import OmegaConfBaseException

from .errors import ConfigError, MtEvalError
from .plain import markdown_cell

JOBS_FOLDER = ".mt-eval-jobs"
SEVERITY = {0: 0, 1: 1, 2: 2, 3: 3}
_worst: Optional[int] = None  # set by SweepSummary in the process that ran the sweep


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

    hydra = HydraConfig.get()
    folder = Path(hydra.sweep.dir) / JOBS_FOLDER
    report_dir = _report_dir_of(config)
    entry: Dict[str, Any] = {
        "job": int(hydra.job.num),
        "overrides": list(hydra.overrides.task),
        "exit_code": int(code),
        "status": {0: "ok", 1: "regression", 2: "bad input", 3: "bug"}.get(int(code), f"exit {code}"),
        "report_dir": str(report_dir) if report_dir else None,
        "scores": _scores(report_dir),
    }
    try:
        folder.mkdir(parents=True, exist_ok=True)
        temporary = folder / f".{hydra.job.num}.json.tmp"
        temporary.write_text(json.dumps(entry, ensure_ascii=False, allow_nan=False), encoding="utf-8")
        os.replace(temporary, folder / f"{hydra.job.num}.json")
    except OSError:
        pass  # the summary will show the job as unrecorded; its own exit code stands


def job_report_dir(config: DictConfig) -> Path:
    """report.dir; under multirun, a fixed report.dir gets one subfolder per
    job, so jobs never write over each other."""
    if config.report.dir is None:
        raise ConfigError("report.dir is not set. Name the report folder: report.dir=PATH.")
    directory = Path(str(config.report.dir))
    if in_multirun():
        from hydra.core.hydra_config import HydraConfig

        raw = str(cast(Dict[str, Any], OmegaConf.to_container(config.report, resolve=False))["dir"])  # a DictConfig gives a dict
        if "hydra:" not in raw:
            directory = directory / str(HydraConfig.get().job.num)
    return directory


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
    """Hydra callback: summary.json and summary.md for the sweep, and the worst exit code."""

    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        global _worst
        sweep = Path(str(config.hydra.sweep.dir))
        jobs = read_jobs(sweep)
        _worst = max((job["exit_code"] for job in jobs), key=lambda code: SEVERITY.get(code, 3), default=0)
        summary = {"sweep_dir": str(sweep), "jobs": jobs, "exit_code": _worst}
        try:
            _write(sweep / "summary.json", json.dumps(summary, ensure_ascii=False, indent=2, allow_nan=False) + "\n")
            _write(sweep / "summary.md", render_markdown(jobs))
        except OSError:
            pass


def read_jobs(sweep: Path) -> List[Dict[str, Any]]:
    jobs = []
    for path in sorted((sweep / JOBS_FOLDER).glob("*.json"), key=lambda p: int(p.stem) if p.stem.isdigit() else -1):
        try:
            jobs.append(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError):
            continue
    return jobs


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


def worst_exit_code() -> int:
    """The worst job's exit code after a sweep (0 when none ran here)."""
    return int(_worst or 0)
