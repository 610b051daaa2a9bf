"""Shared fixtures: the bundled test set's paths, a CLI runner, sacrebleu's CLI."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import List

import pytest

ROOT = Path(__file__).resolve().parents[1]
BUNDLED = ROOT / "references" / "al-mayadeen-2021-07-25"
SOURCE = BUNDLED / "source.ar"
REFERENCE = BUNDLED / "reference.en"
DRAFT = BUNDLED / "systems" / "draft.en"
PRESSTV = BUNDLED / "systems" / "presstv.en"


@pytest.fixture(autouse=True)
def no_model_hub(monkeypatch):
    """No hub is reachable where the tests run: say so, so that the default
    COMET model is reported as skipped at once instead of after a timeout.
    (tests/test_comet.py checks the unreachable-but-not-offline path.)"""
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")


@dataclass
class CliResult:
    code: int
    out: str
    err: str

    def report(self, directory: Path) -> dict:
        return json.loads((directory / "report.json").read_text(encoding="utf-8"))


@pytest.fixture
def run_cli(capsys, tmp_path):
    """Run ``mt-eval`` in this process (as the console script does) and
    return its exit code and output. Reports go to tmp_path/report unless
    the arguments name a report.dir."""
    from mt_eval import cli

    def run(*args: str) -> CliResult:
        argv = list(args)
        if not any(a.startswith("report.dir=") for a in argv) and "-m" not in argv:
            argv.append(f"report.dir={tmp_path / 'report'}")
        old_argv = sys.argv
        sys.argv = ["mt-eval", *argv]
        code = 0
        try:
            cli.main()
        except SystemExit as exit_:
            code = exit_.code if isinstance(exit_.code, int) else 1
        finally:
            sys.argv = old_argv
        captured = capsys.readouterr()
        return CliResult(code, captured.out, captured.err)

    return run


def systems_override(**systems: Path) -> str:
    return "testset.systems={" + ",".join(f"{name}:'{path}'" for name, path in systems.items()) + "}"


def inputs_overrides(source: Path, references: List[Path], **systems: Path) -> List[str]:
    return [
        f"testset.source='{source}'",
        "testset.references=[" + ",".join(f"'{r}'" for r in references) + "]",
        systems_override(**systems),
    ]


def sacrebleu_cli(*args: str) -> str:
    """Run sacrebleu's own command-line tool and return what it prints."""
    completed = subprocess.run(
        [sys.executable, "-m", "sacrebleu", *args], capture_output=True, text=True, check=True
    )
    return completed.stdout


def sacrebleu_paired(reference: Path, systems: List[Path], test_type: str, n_samples: int, metrics=("bleu", "chrf", "ter")) -> dict:
    """p-values of sacrebleu's own paired test (``PairedTest``), built exactly
    as its CLI builds it for ``-m ... --paired-bs/--paired-ar``: the first
    system is the baseline. (The CLI's JSON output itself fails on NumPy 2,
    where sacrebleu returns float32 values json cannot write.)
    Returns {file stem: {metric: p_value}}."""
    from sacrebleu.metrics import METRICS
    from sacrebleu.significance import PairedTest

    refs = [reference.read_text(encoding="utf-8").splitlines()]
    named = [(path.stem, path.read_text(encoding="utf-8").splitlines()) for path in systems]
    built = {name: METRICS[name.upper()](references=refs) for name in metrics}
    _, scores = PairedTest(named, built, references=None, test_type=test_type, n_samples=n_samples)()
    columns = [key for key in scores if key != "System"]  # sacrebleu names them BLEU, chrF2, TER, in our order
    return {stem: {name: scores[column][i].p_value for name, column in zip(metrics, columns)}
            for i, stem in enumerate(scores["System"]) if i > 0}


def write_lines(path: Path, lines: List[str], newline: str = "\n", bom: bool = False) -> Path:
    data = newline.join(lines) + newline
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + data.encode("utf-8"))
    return path
