"""A metric from another package, installed for real (pip, into a folder of
its own) and found through the ``mt_eval.metrics`` entry-point group: it
gets its config keys, its label in every report, the gate and merge,
without a line of mt-eval changed. (The plug-in under the gate:
tests/test_gate.py; merged: tests/test_merge.py.)"""

from __future__ import annotations

import json

import pytest

from conftest import REFERENCE, plugin_inputs, run_with_plugin


def test_a_plugin_metric_runs_end_to_end_in_the_terminal_report_json_and_html(plugin_path, copy_of_reference, tmp_path):
    done = run_with_plugin(plugin_path, *plugin_inputs(copy_of_reference), "metrics=[bleu,exact_match]", "report.dir=out", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "EM ↑" in done.stdout
    report = json.loads((tmp_path / "out" / "report.json").read_text(encoding="utf-8"))
    assert report["metric_info"]["exact_match"]["label"] == "EM"
    assert report["metric_info"]["exact_match"]["higher_is_better"] is True
    scores = {s["name"]: s["scores"]["exact_match"] for s in report["systems"]}
    total = len(REFERENCE.read_text(encoding="utf-8").splitlines())
    assert scores["copy"]["score"] == pytest.approx(100.0 * (total - 1) / total)  # the upper-cased line is no match
    assert scores["draft"]["score"] == 0.0
    assert scores["copy"]["signature"].startswith("metric:exact_match|nrefs:1|lowercase:False|strip:True|version:1.0.0|")
    assert "jobs_hint" not in scores["copy"]["signature"]  # declared score-neutral
    assert "ci" in scores["copy"] and scores["copy"]["ci"][0] <= scores["copy"]["score"] <= scores["copy"]["ci"][1]
    html = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert '"label":"EM"' in html and "Wins, EM" in html
    markdown = (tmp_path / "out" / "report.md").read_text(encoding="utf-8")
    assert "EM ↑" in markdown


def test_a_plugin_metric_takes_its_options_as_config_keys(plugin_path, copy_of_reference, tmp_path):
    done = run_with_plugin(plugin_path, *plugin_inputs(copy_of_reference), "metrics=[exact_match]", "exact_match.lowercase=true", "report.dir=out", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    report = json.loads((tmp_path / "out" / "report.json").read_text(encoding="utf-8"))
    assert {s["name"]: s["scores"]["exact_match"]["score"] for s in report["systems"]}["copy"] == 100.0
    misspelt = run_with_plugin(plugin_path, *plugin_inputs(copy_of_reference), "metrics=[exact_match]", "exact_match.lowercse=true", cwd=tmp_path)
    assert misspelt.returncode == 2 and "exact_match.lowercase" in misspelt.stderr


def test_a_broken_plugin_is_a_warning_until_asked_for_and_then_exit_2_naming_it(tmp_path):
    site = tmp_path / "site"
    (site / "broken_metric-0.1.dist-info").mkdir(parents=True)
    (site / "broken_metric-0.1.dist-info" / "METADATA").write_text("Metadata-Version: 2.1\nName: broken-metric\nVersion: 0.1\n")
    (site / "broken_metric-0.1.dist-info" / "entry_points.txt").write_text("[mt_eval.metrics]\nbroken = broken_metric:Broken\n")
    (site / "broken_metric.py").write_text("raise ImportError('a dependency is missing')\n")
    unasked = run_with_plugin(site, "metrics=[bleu]", "report.dir=out", cwd=tmp_path)
    assert unasked.returncode == 0, unasked.stderr
    assert "warning" in unasked.stderr and "broken" in unasked.stderr and "a dependency is missing" in unasked.stderr
    asked = run_with_plugin(site, "metrics=[bleu,broken]", "report.dir=out2", cwd=tmp_path)
    assert asked.returncode == 2
    assert "broken" in asked.stderr and "a dependency is missing" in asked.stderr and "Traceback" not in asked.stderr


def _dist(site: Path, package: str, entry_points: str, module: str, code: str) -> None:
    """An installed distribution, as pip lays one out: its dist-info and its module."""
    info = site / f"{package}-0.1.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {package}\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text(f"[mt_eval.metrics]\n{entry_points}\n")
    (site / f"{module}.py").write_text(code)


METRIC_CODE = (
    "from dataclasses import dataclass\nfrom mt_eval.metrics import Metric\n"
    "@dataclass\nclass O:\n    a: int = 1\n"
    "class M(Metric):\n    name = 'dup'\n    label = 'Dup'\n    options_class = O\n    higher_is_better = {higher}\n"
    "    def segment_scores(self, s, r, h):\n        return [0.0] * len(h)\n"
)


def test_two_packages_registering_one_name_are_refused_naming_both_whatever_the_path_order(tmp_path):
    site = tmp_path / "site"
    _dist(site, "dup_a", "dup = dup_a:M", "dup_a", METRIC_CODE.format(higher=True))
    _dist(site, "dup_b", "dup = dup_b:M", "dup_b", METRIC_CODE.format(higher=False))
    unasked = run_with_plugin(site, "metrics=[bleu]", "report.dir=out", cwd=tmp_path)
    assert unasked.returncode == 0 and "dup_a:M" in unasked.stderr and "dup_b:M" in unasked.stderr
    asked = run_with_plugin(site, "metrics=[dup]", "report.dir=out2", cwd=tmp_path)
    assert asked.returncode == 2 and "two metric plug-ins" in asked.stderr


def test_a_plugin_that_exits_at_import_cannot_end_a_run_early(tmp_path):
    site = tmp_path / "site"
    _dist(site, "quits", "quits = quits:M", "quits", "import sys\nsys.exit(0)\n")
    done = run_with_plugin(site, "metrics=[bleu]", "report.dir=out", cwd=tmp_path)
    assert done.returncode == 0 and "SystemExit" in done.stderr  # a warning, and the run went on
    assert (tmp_path / "out" / "report.json").exists()
