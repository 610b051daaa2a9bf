"""COMET is an extra: without it, a run reports COMET as skipped with the
exact command that installs it, and comet.required=true stops the run."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys

import pytest

from conftest import ROOT

INSTALL = 'pip install "mt-eval[comet]"'


@pytest.fixture
def without_comet(monkeypatch):
    from mt_eval.metrics import comet_model

    monkeypatch.setattr(comet_model, "missing_packages", lambda: ["unbabel-comet", "torch"])


def test_comet_without_the_extra_is_skipped_with_the_install_command(run_cli, tmp_path, without_comet):
    result = run_cli("metrics=[bleu,comet]", "report.terminal=false")
    assert result.code == 0, result.err
    report = json.loads((tmp_path / "report" / "report.json").read_text(encoding="utf-8"))
    for system in report["systems"]:
        assert system["scores"]["bleu"]["status"] == "ok"
        assert system["scores"]["comet"]["status"] == "skipped"
        assert INSTALL in system["scores"]["comet"]["reason"]


def test_comet_required_without_the_extra_exits_2(run_cli, without_comet):
    result = run_cli("metrics=[bleu,comet]", "comet.required=true")
    assert result.code == 2 and INSTALL in result.err and "Traceback" not in result.err


@pytest.mark.skipif(importlib.util.find_spec("comet") is not None, reason="the comet extra is installed here; this checks the core install")
def test_the_core_install_really_lacks_comet_and_still_runs(tmp_path):
    """In the core install itself (CI's first phase): no torch, no comet,
    NumPy of any version, and the default job still completes."""
    assert importlib.util.find_spec("torch") is None
    completed = subprocess.run([sys.executable, "-m", "mt_eval", "report.terminal=false", f"report.dir={tmp_path / 'run'}"],
                               cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert completed.returncode == 0, completed.stderr
    report = json.loads((tmp_path / "run" / "report.json").read_text(encoding="utf-8"))
    assert INSTALL in report["systems"][0]["scores"]["comet"]["reason"]
    assert str(ROOT) in report["testset"]["source"] or "testsets" in report["testset"]["source"]
