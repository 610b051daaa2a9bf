"""The regression gate: exit 0 without a regression, 1 with one, 2 when the
baseline cannot be compared; verdicts in the terminal, Markdown and JUnit."""

from __future__ import annotations

import json

import pytest

from conftest import DRAFT, PRESSTV, REFERENCE, SOURCE, inputs_overrides, write_lines


LEXICAL = ["metrics=[bleu,chrf,ter]"]


@pytest.fixture
def baseline(run_cli, tmp_path):
    result = run_cli(*inputs_overrides(SOURCE, [REFERENCE], draft=DRAFT, presstv=PRESSTV), *LEXICAL, "report.terminal=false", f"report.dir={tmp_path / 'baseline'}")
    assert result.code == 0, result.err
    return tmp_path / "baseline" / "report.json"


def gate(run_cli, tmp_path, baseline, *args, draft=DRAFT, name="current"):
    return run_cli(*inputs_overrides(SOURCE, [REFERENCE], draft=draft, presstv=PRESSTV), *LEXICAL, "report.terminal=false",
                   f"gate.baseline={baseline}", f"report.dir={tmp_path / name}", *args)


def degraded_draft(tmp_path, every: int = 3):
    """The draft with every third word dropped."""
    lines = [" ".join(w for i, w in enumerate(line.split()) if i % every != 1) for line in DRAFT.read_text(encoding="utf-8").splitlines()]
    return write_lines(tmp_path / "degraded.en", lines)


def test_the_same_run_passes(run_cli, tmp_path, baseline):
    result = gate(run_cli, tmp_path, baseline)
    assert result.code == 0, result.err
    assert "no regression: 6 checks passed" in result.out


def test_a_degraded_system_fails_naming_metric_and_drop(run_cli, tmp_path, baseline):
    result = gate(run_cli, tmp_path, baseline, draft=degraded_draft(tmp_path))
    assert result.code == 1, result.err
    report = json.loads((tmp_path / "current" / "report.json").read_text())
    base = json.loads(baseline.read_text())
    now = {s["name"]: s["scores"] for s in report["systems"]}["draft"]["bleu"]["score"]
    before = {s["name"]: s["scores"] for s in base["systems"]}["draft"]["bleu"]["score"]
    assert f"draft bleu: dropped {before - now:.4f} (allowed 0.0)" in result.out
    assert "REGRESSION" in result.out
    summary = (tmp_path / "current" / "gate.md").read_text(encoding="utf-8")
    assert "| draft | BLEU |" in summary and "**regression**" in summary


def test_a_drop_within_the_margin_passes(run_cli, tmp_path, baseline):
    degraded = degraded_draft(tmp_path, every=12)
    strict = gate(run_cli, tmp_path, baseline, draft=degraded, name="strict")
    assert strict.code == 1
    drops = {}
    for line in (tmp_path / "strict" / "gate.md").read_text(encoding="utf-8").splitlines():
        if line.startswith("- draft ") and ("dropped" in line or "rose" in line):  # TER, lower is better, rises
            metric = line.split()[2].rstrip(":")
            drops[metric] = float(line.split()[4])
    margins = [f"gate.max_drop.{metric}={drop + 0.01:.4f}" for metric, drop in drops.items()]
    lenient = gate(run_cli, tmp_path, baseline, *margins, draft=degraded, name="lenient")
    assert lenient.code == 0, lenient.out


def test_significance_required_forgives_a_small_insignificant_drop(run_cli, tmp_path, baseline):
    lines = DRAFT.read_text(encoding="utf-8").splitlines()
    lines[8] = lines[8].replace("close relationship", "relationship")
    result = gate(run_cli, tmp_path, baseline, "gate.require_significance=true", draft=write_lines(tmp_path / "small.en", lines))
    assert result.code == 0, result.out
    assert "not significant" in result.out


def test_significance_required_still_catches_a_large_drop(run_cli, tmp_path, baseline):
    lines = ["Iraq." for _ in DRAFT.read_text(encoding="utf-8").splitlines()]
    result = gate(run_cli, tmp_path, baseline, "gate.require_significance=true", draft=write_lines(tmp_path / "bad.en", lines))
    assert result.code == 1
    assert "significant (p = " in result.out


def test_an_absolute_floor(run_cli, tmp_path, baseline):
    assert gate(run_cli, tmp_path, baseline, "gate.min.chrf=50", name="a").code == 1  # presstv's chrF is below 50
    assert gate(run_cli, tmp_path, baseline, "gate.min.chrf=40", name="b").code == 0
    assert gate(run_cli, tmp_path, baseline, "gate.min.ter=60", name="c").code == 1  # TER: a ceiling; presstv is above 60


def test_another_tokenizer_is_refused(run_cli, tmp_path, baseline):
    result = gate(run_cli, tmp_path, baseline, "bleu.tokenize=intl")
    assert result.code == 2
    assert "tok: baseline 13a, this run intl" in result.err


def test_another_testset_is_refused(run_cli, tmp_path, baseline):
    lines = REFERENCE.read_text(encoding="utf-8").splitlines()
    lines[0] = lines[0] + " (revised)"
    other_reference = write_lines(tmp_path / "ref2.en", lines)
    result = run_cli(*inputs_overrides(SOURCE, [other_reference], draft=DRAFT), f"gate.baseline={baseline}", "report.terminal=false")
    assert result.code == 2
    assert "another test set" in result.err and "checksum" in result.err


def test_another_number_of_references_is_refused(run_cli, tmp_path, baseline):
    result = run_cli(*inputs_overrides(SOURCE, [REFERENCE, REFERENCE], draft=DRAFT), f"gate.baseline={baseline}", "report.terminal=false")
    assert result.code == 2
    assert "another test set" in result.err  # the references are part of the test set's identity


@pytest.mark.parametrize("damage", ["truncated", "not json", "missing"])
def test_a_corrupt_baseline_is_refused(run_cli, tmp_path, baseline, damage):
    broken = tmp_path / "broken.json"
    if damage == "truncated":
        broken.write_text(baseline.read_text()[:1000])
    elif damage == "not json":
        broken.write_bytes(b"\x89PNG\r\n")
    result = gate(run_cli, tmp_path, broken)
    assert result.code == 2
    assert str(broken) in result.err and "Traceback" not in result.err


def test_comet_skipped_in_both_runs_is_a_notice_not_a_pass(run_cli, tmp_path):
    """The default metrics include COMET, which has no model here: the gate
    says so for every system instead of counting it as passed."""
    first = run_cli("report.terminal=false", f"report.dir={tmp_path / 'a'}")
    assert first.code == 0
    result = run_cli("report.terminal=false", f"report.dir={tmp_path / 'b'}", f"gate.baseline={tmp_path / 'a' / 'report.json'}")
    assert result.code == 0
    assert "6 checks passed, 2 notices" in result.out
    assert "draft comet: skipped in both the baseline and this run: not compared" in result.out


def test_a_metric_the_baseline_scored_but_the_run_skipped_fails(tmp_path, baseline):
    from omegaconf import OmegaConf

    from mt_eval.config import GateConfig, StatsConfig
    from mt_eval.gate import compare
    from mt_eval.results import MetricResult, RunResult

    base = RunResult.load(baseline)
    current = RunResult.load(baseline)
    for system in current.systems:
        system.scores["chrf"] = MetricResult.skipped("chrf", "no model")
    settings = OmegaConf.structured(GateConfig(baseline=str(baseline)))
    stats = OmegaConf.structured(StatsConfig())
    result = compare(base, current, settings, {}, stats)
    assert result.failed  # the baseline has chrF scores: a skip in the run is never a pass
    chrf = [v for v in result.verdicts if v.metric == "chrf"]
    assert {v.verdict for v in chrf} == {"missing"} and "skipped in this run: no model" in chrf[0].reason
    settings.max_drop.chrf = 1.0
    result = compare(base, current, settings, {}, stats)
    assert {v.verdict for v in result.verdicts if v.metric == "chrf"} == {"missing"}


def test_junit_xml_parses_with_one_case_per_system_and_metric(run_cli, tmp_path, baseline):
    from junitparser import Failure, JUnitXml

    gate(run_cli, tmp_path, baseline, draft=degraded_draft(tmp_path))
    xml = JUnitXml.fromfile(str(tmp_path / "current" / "gate-junit.xml"))
    cases = [(case.classname, case.name, case.result) for suite in xml for case in suite]
    assert len(cases) == 6
    failed = {(c, n) for c, n, result in cases if any(isinstance(r, Failure) for r in result)}
    assert ("mt-eval.draft", "bleu") in failed
    assert all(c == "mt-eval.draft" for c, _ in failed)


def test_markdown_goes_to_the_github_step_summary(run_cli, tmp_path, baseline, monkeypatch):
    summary = tmp_path / "step_summary.md"
    summary.write_text("earlier step\n")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    gate(run_cli, tmp_path, baseline)
    text = summary.read_text(encoding="utf-8")
    assert text.startswith("earlier step\n")
    table = [line for line in text.splitlines() if line.startswith("|")]
    assert table[0] == "| system | metric | baseline | current | Δ | Δ interval | p | verdict |"
    assert table[1].startswith("|---|")
    assert len(table) == 2 + 6 and all(row.count("|") == 9 for row in table)
