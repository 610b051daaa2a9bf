"""What a person meets in the first hour: the Python API (the README's
example runs as written), a CLI that explains itself, a terminal view that
reads well in a CI log, multirun that completes and summarises, and the
GitHub action's YAML. (Merging shards: tests/test_merge.py; the gate:
tests/test_gate.py.)"""

from __future__ import annotations

import io
import json
import re
import sys
from pathlib import Path

import pytest
import yaml

from conftest import DRAFT, PRESSTV, REFERENCE, ROOT, SOURCE, run_module, sacrebleu_cli


# ---------------------------------------------------------------- the API

def test_the_readme_api_example_runs_as_written(tmp_path, monkeypatch):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme.split("## Library", 1)[1].split("```python", 1)[1].split("```", 1)[0]
    monkeypatch.chdir(tmp_path)
    output = io.StringIO()
    monkeypatch.setattr(sys, "stdout", output)
    exec(compile(block, "README.md", "exec"), {})
    assert (tmp_path / "reports" / "api-example" / "report.json").exists()
    assert (tmp_path / "reports" / "api-example" / "segments.parquet").exists()
    assert "copy" in output.getvalue() and "100.0" in output.getvalue()
    # The README's gate example, run after it, gates the same systems on that report set.
    gate_block = readme.split("## Library", 1)[1].split("```python", 2)[2].split("```", 1)[0]
    output.truncate(0)
    exec(compile(block + gate_block, "README.md", "exec"), {})
    assert output.getvalue().splitlines()[-2:] == ["True", "[]"]


def test_api_scores_equal_sacrebleu_and_accept_lists_and_paths():
    import mt_eval

    reference = REFERENCE.read_text(encoding="utf-8").splitlines()
    result = mt_eval.score(source=SOURCE, references=[reference], systems=[DRAFT, PRESSTV], metrics=["bleu"],
                           overrides=["bleu.tokenize=intl", "stats.resamples=100"], jobs=1)
    table = result.table()
    assert list(table.index) == ["draft", "presstv"]  # a list of files is named by stem
    cli = json.loads(sacrebleu_cli(str(REFERENCE), "-i", str(DRAFT), "-m", "bleu", "--tokenize", "intl", "-w", "6", "-f", "json"))
    assert round(table.loc["draft", "bleu"], 6) == pytest.approx(cli["score"], abs=1e-6)
    assert result.run.testset.name == SOURCE.parent.name


def test_api_errors_are_mt_evals_own():
    import mt_eval

    reference = REFERENCE.read_text(encoding="utf-8").splitlines()
    with pytest.raises(mt_eval.ConfigError, match="Did you mean 'bleu.tokenize'"):
        mt_eval.score(source=SOURCE, references=[reference], systems={"a": DRAFT}, overrides=["bleu.tokenise=intl"])
    with pytest.raises(mt_eval.InputError, match="line counts differ"):
        mt_eval.score(source=SOURCE, references=[reference[:3]], systems={"a": DRAFT}, metrics=["bleu"])
    with pytest.raises(mt_eval.InputError, match="line break"):
        mt_eval.score(source=SOURCE, references=[reference], systems={"a": ["x\ny"] * 14}, metrics=["bleu"])
    with pytest.raises(mt_eval.ConfigError, match="list of reference streams"):
        mt_eval.score(source=SOURCE, references=str(REFERENCE), systems={"a": DRAFT})


def test_evaluate_takes_the_typed_config_or_a_plain_mapping():
    import mt_eval

    config = mt_eval.RunConfig(metrics=["bleu"])
    config.testset.source, config.testset.references, config.testset.systems = str(SOURCE), [str(REFERENCE)], {"d": str(DRAFT)}
    typed = mt_eval.evaluate(config)
    plain = mt_eval.evaluate({"metrics": ["bleu"], "testset": {"source": str(SOURCE), "references": [str(REFERENCE)], "systems": {"d": str(DRAFT)}}})
    assert typed.system("d").scores["bleu"].score == plain.system("d").scores["bleu"].score
    with pytest.raises(mt_eval.ConfigError, match="unknown key"):
        mt_eval.evaluate({"metricz": ["bleu"]})


# ---------------------------------------------------------------- the CLI

def test_help_is_mt_evals_own(tmp_path):
    completed = run_module("--help", cwd=tmp_path)
    assert completed.returncode == 0
    assert "powered by Hydra" not in completed.stdout
    for fragment in ("testset.source=", "gate.baseline=", "Exit codes", "Examples", "'data.jsonl#ar'"):
        assert fragment in completed.stdout


def test_version_names_mt_eval_and_sacrebleu(tmp_path):
    completed = run_module("--version", cwd=tmp_path)
    assert completed.returncode == 0
    assert re.search(r"^mt-eval \S+$", completed.stdout, re.M) and "sacrebleu 2." in completed.stdout and "Hydra" not in completed.stdout


def test_cfg_job_resolve_prints_the_config(tmp_path):
    completed = run_module("--cfg", "job", "--resolve", cwd=tmp_path)
    assert completed.returncode == 0, completed.stderr
    config = yaml.safe_load(completed.stdout)
    assert config["testset"]["systems"]["draft"].endswith("draft.en")


def test_a_misspelt_key_gets_did_you_mean(run_cli):
    result = run_cli("bleu.tokenise=intl")
    assert result.code == 2 and "Did you mean 'bleu.tokenize'?" in result.err and "+bleu" not in result.err


def test_the_test_set_is_named_after_an_overridden_source(run_cli, tmp_path):
    source = tmp_path / "news-2024" / "src.ar"
    source.parent.mkdir()
    source.write_bytes(SOURCE.read_bytes())
    result = run_cli(f"testset.source={source}", f"testset.references=[{REFERENCE}]", f"testset.systems=[{DRAFT}]", "metrics=[bleu]")
    assert result.code == 0, result.err
    report = result.report(tmp_path / "report")
    assert report["testset"]["name"] == "news-2024" and "al-mayadeen" not in result.out
    assert [s["name"] for s in report["systems"]] == ["draft"]


# ---------------------------------------------------------------- the terminal view

def render_terminal(systems: int, width: int, tmp_path: Path) -> str:
    from rich.console import Console

    import mt_eval
    from mt_eval.reports.terminal import render

    lines = [DRAFT, PRESSTV] * 4
    result = mt_eval.score(source=SOURCE, references=[REFERENCE], systems={f"system-{i}": lines[i] for i in range(systems)},
                           metrics=["bleu", "chrf", "ter"], stats={"resamples": 100})
    buffer = io.StringIO()
    render(result.run, Console(file=buffer, width=width))
    return buffer.getvalue()


@pytest.mark.parametrize("systems", [2, 8])
@pytest.mark.parametrize("width", [80, 120])
def test_the_table_never_wraps_a_cell(tmp_path, systems, width):
    text = render_terminal(systems, width, tmp_path)
    rows = [line for line in text.splitlines() if line.startswith("│")]
    assert len(rows) == systems  # one line per system: no cell wrapped onto a second line
    assert all(len(line) <= width for line in text.splitlines() if line.startswith(("│", "┃", "┏", "└")))
    statistics = text.split("Statistics", 1)[1].split("Notes", 1)[0]
    if systems > 4:  # wins per system, one line per metric, instead of a line per pair
        assert statistics.count("significant wins") == 3 and " beats " not in statistics


def test_the_terminal_says_when_no_test_ran(run_cli):
    result = run_cli("metrics=[bleu]", "stats.method=none")
    assert "no significance test ran" in result.out and "no significant differences" not in result.out


# ---------------------------------------------------------------- multirun

def test_multirun_runs_every_job_and_summarises(tmp_path):
    completed = run_module("-m", f"testset.systems={{a:{DRAFT}}},{{b:{tmp_path / 'missing.en'}}},{{c:{PRESSTV}}}", "metrics=[bleu]",
                           "report.terminal=false", f"hydra.sweep.dir={tmp_path / 'sweep'}", cwd=tmp_path)
    assert completed.returncode == 2  # the worst job's code
    summary = json.loads((tmp_path / "sweep" / "summary.json").read_text(encoding="utf-8"))
    assert [job["exit_code"] for job in summary["jobs"]] == [0, 2, 0]  # the job after the failure still ran
    assert summary["jobs"][2]["scores"]["c"]["bleu"] > 0
    markdown = (tmp_path / "sweep" / "summary.md").read_text(encoding="utf-8")
    assert "| 1 |" in markdown and "bad input" in markdown


# ---------------------------------------------------------------- CI for users' repositories

def test_the_action_and_its_example_are_valid():
    action = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
    assert {"name", "description", "inputs", "runs"} <= set(action)
    assert action["runs"]["using"] == "composite"
    uses = [step.get("uses", "") for step in action["runs"]["steps"]]
    assert any(u.startswith("actions/cache@") for u in uses) and any(u.startswith("actions/upload-artifact@") for u in uses)
    assert any("junit" in u for u in uses)
    for step in action["runs"]["steps"]:
        assert "uses" in step or ("run" in step and step.get("shell") == "bash"), step  # composite run steps need a shell
    for name in ("source", "references", "systems"):
        assert action["inputs"][name]["required"] is True
    referenced = set(re.findall(r"inputs\.([a-z-]+)", (ROOT / "action.yml").read_text(encoding="utf-8")))
    assert referenced <= set(action["inputs"]), referenced - set(action["inputs"])
    example = yaml.safe_load((ROOT / "examples" / "github-actions-user-repo.yml").read_text(encoding="utf-8"))
    assert example["permissions"]["checks"] == "write"
    steps = example["jobs"]["evaluate"]["steps"]
    with_ = [step["with"] for step in steps if step.get("uses", "").startswith("mt-eval/")]
    assert with_ and all(set(w) <= set(action["inputs"]) for w in with_)
    assert all(not w["source"].startswith("references/") for w in with_)  # the user's own test set, not the bundled one
