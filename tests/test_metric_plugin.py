"""A metric from another package, installed for real (pip, into a folder of
its own) and found through the ``mt_eval.metrics`` entry-point group: it
gets its config keys, its label in every report, the gate and merge,
without a line of mt-eval changed."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import DRAFT, PRESSTV, REFERENCE, SOURCE

PLUGIN = Path(__file__).parent / "fixtures" / "exact_match_plugin"


@pytest.fixture(scope="module")
def plugin_path(tmp_path_factory) -> Path:
    target = tmp_path_factory.mktemp("plugin-site")
    # With setuptools at hand, build without fetching anything; otherwise pip fetches the build backend.
    isolation = ["--no-build-isolation"] if importlib.util.find_spec("setuptools") else []
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", *isolation, "--target", str(target), str(PLUGIN)],
                   check=True, capture_output=True, text=True)
    assert list(target.glob("mt_eval_exact_match-*.dist-info/entry_points.txt"))
    return target


def mt_eval(plugin: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess:
    environment = {**os.environ, "PYTHONPATH": os.pathsep.join([str(plugin), os.environ.get("PYTHONPATH", "")]),
                   "HF_HUB_OFFLINE": "1", "COLUMNS": "160"}
    return subprocess.run([sys.executable, "-m", "mt_eval", *args], cwd=cwd, env=environment, capture_output=True, text=True, timeout=300)


def inputs(copy_of_reference: Path) -> list:
    return [f"testset.source={SOURCE}", f"testset.references=[{REFERENCE}]",
            f"testset.systems={{draft:{DRAFT},copy:{copy_of_reference}}}"]


@pytest.fixture
def copy_of_reference(tmp_path) -> Path:
    lines = REFERENCE.read_text(encoding="utf-8").splitlines()
    lines[0] = lines[0].upper()  # one segment differs only in case
    path = tmp_path / "copy.en"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_a_plugin_metric_runs_end_to_end_in_the_terminal_report_json_and_html(plugin_path, copy_of_reference, tmp_path):
    done = mt_eval(plugin_path, *inputs(copy_of_reference), "metrics=[bleu,exact_match]", "report.dir=out", cwd=tmp_path)
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
    done = mt_eval(plugin_path, *inputs(copy_of_reference), "metrics=[exact_match]", "exact_match.lowercase=true", "report.dir=out", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    report = json.loads((tmp_path / "out" / "report.json").read_text(encoding="utf-8"))
    assert {s["name"]: s["scores"]["exact_match"]["score"] for s in report["systems"]}["copy"] == 100.0
    misspelt = mt_eval(plugin_path, *inputs(copy_of_reference), "metrics=[exact_match]", "exact_match.lowercse=true", cwd=tmp_path)
    assert misspelt.returncode == 2 and "exact_match.lowercase" in misspelt.stderr


def test_the_gate_and_merge_handle_a_plugin_metric(plugin_path, copy_of_reference, tmp_path):
    base = mt_eval(plugin_path, *inputs(copy_of_reference), "metrics=[exact_match]", "report.dir=base", cwd=tmp_path)
    assert base.returncode == 0, base.stderr
    # The same system now scores worse on EM: the gate names the metric by its label and fails.
    worse = mt_eval(plugin_path, f"testset.source={SOURCE}", f"testset.references=[{REFERENCE}]",
                    f"testset.systems={{draft:{DRAFT},copy:{PRESSTV}}}", "metrics=[exact_match]", "report.dir=run",
                    "gate.baseline=base/report.json", "gate.max_drop.exact_match=1", cwd=tmp_path)
    assert worse.returncode == 1, worse.stderr
    assert "EM" in (tmp_path / "run" / "gate.md").read_text(encoding="utf-8")
    same = mt_eval(plugin_path, *inputs(copy_of_reference), "metrics=[exact_match]", "report.dir=again", "gate.baseline=base/report.json", cwd=tmp_path)
    assert same.returncode == 0, same.stderr
    # Settings that change the score are refused as a baseline...
    other = mt_eval(plugin_path, *inputs(copy_of_reference), "metrics=[exact_match]", "exact_match.lowercase=true", "report.dir=other",
                    "gate.baseline=base/report.json", cwd=tmp_path)
    assert other.returncode == 2 and "lowercase" in other.stderr
    # ...and one system per shard merges into the joint run.
    for name, path in (("draft", DRAFT), ("copy", copy_of_reference)):
        shard = mt_eval(plugin_path, f"testset.source={SOURCE}", f"testset.references=[{REFERENCE}]", f"testset.systems={{{name}:{path}}}",
                        "metrics=[exact_match]", f"report.dir=shard-{name}", cwd=tmp_path)
        assert shard.returncode == 0, shard.stderr
    merged = mt_eval(plugin_path, "merge=[shard-draft,shard-copy]", "report.dir=merged", cwd=tmp_path)
    assert merged.returncode == 0, merged.stderr
    joint = json.loads((tmp_path / "base" / "report.json").read_text(encoding="utf-8"))
    combined = json.loads((tmp_path / "merged" / "report.json").read_text(encoding="utf-8"))
    assert combined["metric_info"]["exact_match"]["label"] == "EM"
    for ours, theirs in zip(sorted(combined["systems"], key=lambda s: s["name"]), sorted(joint["systems"], key=lambda s: s["name"])):
        assert ours["scores"]["exact_match"]["score"] == theirs["scores"]["exact_match"]["score"]
        assert ours["scores"]["exact_match"]["ci"] == theirs["scores"]["exact_match"]["ci"]


def test_a_broken_plugin_is_a_warning_until_asked_for_and_then_exit_2_naming_it(tmp_path):
    site = tmp_path / "site"
    (site / "broken_metric-0.1.dist-info").mkdir(parents=True)
    (site / "broken_metric-0.1.dist-info" / "METADATA").write_text("Metadata-Version: 2.1\nName: broken-metric\nVersion: 0.1\n")
    (site / "broken_metric-0.1.dist-info" / "entry_points.txt").write_text("[mt_eval.metrics]\nbroken = broken_metric:Broken\n")
    (site / "broken_metric.py").write_text("raise ImportError('a dependency is missing')\n")
    unasked = mt_eval(site, "metrics=[bleu]", "report.dir=out", cwd=tmp_path)
    assert unasked.returncode == 0, unasked.stderr
    assert "warning" in unasked.stderr and "broken" in unasked.stderr and "a dependency is missing" in unasked.stderr
    asked = mt_eval(site, "metrics=[bleu,broken]", "report.dir=out2", cwd=tmp_path)
    assert asked.returncode == 2
    assert "broken" in asked.stderr and "a dependency is missing" in asked.stderr and "Traceback" not in asked.stderr
