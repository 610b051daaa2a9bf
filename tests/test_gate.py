"""The regression gate, as a CI job meets it on the command line: exit 0
without a regression, 1 with one, 2 when the baseline cannot be compared;
verdicts in the terminal, Markdown and JUnit; what the gate could not check
is never a pass; baselines and gate settings that cannot work are refused
before scoring, with one message and the earlier files untouched.
(gate.compare itself: tests/unit/test_gate.py; its files: tests/unit/test_gate_report.py.)"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from conftest import (DRAFT, FAST, PRESSTV, REFERENCE, SOURCE, inputs_overrides, plugin_inputs, refused, run_with_plugin, schema_1_copy,
                      snapshot, unreadable, write_lines)


LEXICAL = ["metrics=[bleu,chrf,ter]"]


def gate(run_cli, tmp_path, baseline, *args, draft=DRAFT, name="current"):
    """A lexical run of the bundled systems (the draft replaceable) gated on baseline."""
    return run_cli(*inputs_overrides(SOURCE, [REFERENCE], draft=draft, presstv=PRESSTV), *LEXICAL, "report.terminal=false",
                   f"gate.baseline={baseline}", f"report.dir={tmp_path / name}", *args)


def quick_gate(run_cli, tmp_path, baseline, *args, name="current", **systems):
    """A FAST run of these systems (the bundled ones if none) gated on baseline."""
    systems = systems or {"draft": DRAFT, "presstv": PRESSTV}
    return run_cli(*inputs_overrides(SOURCE, [REFERENCE], **systems), *FAST, f"gate.baseline={baseline}", f"report.dir={tmp_path / name}", *args)


def degraded_draft(tmp_path, every: int = 3):
    """The draft with every third word dropped."""
    lines = [" ".join(w for i, w in enumerate(line.split()) if i % every != 1) for line in DRAFT.read_text(encoding="utf-8").splitlines()]
    return write_lines(tmp_path / "degraded.en", lines)


def edited_baseline(baseline: Path, tmp_path: Path, edit) -> Path:
    """A copy of the baseline's report set with report.json edited."""
    data = json.loads(baseline.read_text(encoding="utf-8"))
    edit(data)
    folder = tmp_path / f"edited-{len(list(tmp_path.glob('edited-*')))}"
    folder.mkdir()
    shutil.copy(baseline.parent / "segments.parquet", folder / "segments.parquet")
    path = folder / "report.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


# ---------------------------------------------------------------- verdicts and exit codes

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
    assert f"draft BLEU: dropped {before - now:.4f} (allowed 0.0)" in result.out
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
            metric = line.split()[2].rstrip(":").lower()  # the label: BLEU, chrF, TER
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


def test_the_gate_handles_a_plugin_metric(plugin_path, copy_of_reference, tmp_path):
    """A metric from another package (tests/test_metric_plugin.py): the gate
    names it by its label, and refuses a baseline scored with other settings."""
    base = run_with_plugin(plugin_path, *plugin_inputs(copy_of_reference), "metrics=[exact_match]", "report.dir=base", cwd=tmp_path)
    assert base.returncode == 0, base.stderr
    # The same system now scores worse on EM: the gate names the metric by its label and fails.
    worse = run_with_plugin(plugin_path, f"testset.source={SOURCE}", f"testset.references=[{REFERENCE}]",
                            f"testset.systems={{draft:{DRAFT},copy:{PRESSTV}}}", "metrics=[exact_match]", "report.dir=run",
                            "gate.baseline=base/report.json", "gate.max_drop.exact_match=1", cwd=tmp_path)
    assert worse.returncode == 1, worse.stderr
    assert "EM" in (tmp_path / "run" / "gate.md").read_text(encoding="utf-8")
    same = run_with_plugin(plugin_path, *plugin_inputs(copy_of_reference), "metrics=[exact_match]", "report.dir=again",
                           "gate.baseline=base/report.json", cwd=tmp_path)
    assert same.returncode == 0, same.stderr
    # Settings that change the score are refused as a baseline.
    other = run_with_plugin(plugin_path, *plugin_inputs(copy_of_reference), "metrics=[exact_match]", "exact_match.lowercase=true", "report.dir=other",
                            "gate.baseline=base/report.json", cwd=tmp_path)
    assert other.returncode == 2 and "lowercase" in other.stderr


# ---------------------------------------------------------------- what the gate did not check is never a pass

def test_comet_skipped_in_both_runs_is_a_notice_not_a_pass(run_cli, tmp_path):
    """The default metrics include COMET, which has no model here: the gate
    says so for every system instead of counting it as passed."""
    first = run_cli("report.terminal=false", f"report.dir={tmp_path / 'a'}")
    assert first.code == 0
    result = run_cli("report.terminal=false", f"report.dir={tmp_path / 'b'}", f"gate.baseline={tmp_path / 'a' / 'report.json'}")
    assert result.code == 0
    assert "6 checks passed, 2 notices" in result.out
    assert "draft COMET: skipped in both the baseline and this run: not compared" in result.out


def test_gate_with_no_common_system_refuses_naming_both_sides(run_cli, tmp_path, quick_baseline):
    result = quick_gate(run_cli, tmp_path, quick_baseline, mine=DRAFT, theirs=PRESSTV)
    refused(result, "nothing to compare", "baseline: draft, presstv", "this run: mine, theirs")


def test_gate_fails_for_thresholds_on_metrics_the_run_does_not_compute(run_cli, tmp_path, quick_baseline):
    result = quick_gate(run_cli, tmp_path, quick_baseline, "metrics=[bleu]", "gate.max_drop.ter=0.5", "gate.min.chrf=60")
    assert result.code == 1, result.out
    assert "draft TER: not computed in this run" in result.out and "draft chrF: not computed in this run" in result.out
    junit = (tmp_path / "current" / "gate-junit.xml").read_text(encoding="utf-8")
    assert junit.count('type="missing"') == 4  # chrF and TER, both systems


def test_gate_a_system_missing_from_the_run_fails(run_cli, tmp_path, quick_baseline):
    result = quick_gate(run_cli, tmp_path, quick_baseline, draft=DRAFT)
    assert result.code == 1
    assert "presstv BLEU: the system is in the baseline but not in this run" in result.out


def test_gate_a_metric_skipped_in_the_baseline_is_never_a_pass(run_cli, tmp_path, quick_baseline):
    # A baseline whose chrF was skipped, written whole by mt-eval (as a
    # COMET baseline is when its model could not be had).
    from mt_eval import load_report
    from mt_eval.results import MetricResult
    from mt_eval.runner import save_report_set

    run = load_report(quick_baseline)
    for system in run.systems:
        system.scores["chrf"] = MetricResult.skipped("chrf", "no model")
    save_report_set(run, tmp_path / "skipped-chrf", ["json"])
    edited = tmp_path / "skipped-chrf" / "report.json"
    result = quick_gate(run_cli, tmp_path, edited)
    assert result.code == 0
    assert "draft chrF: the baseline has no chrf score (no model): not compared" in result.out
    assert "2 checks passed, 2 notices" in result.out  # BLEU × 2 compared; chrF only noticed
    named = quick_gate(run_cli, tmp_path, edited, "gate.max_drop.chrf=1", name="named")
    assert named.code == 1 and "gate.max_drop.chrf cannot be checked" in named.out


# ---------------------------------------------------------------- baselines that cannot be compared

def test_another_tokenizer_is_refused(run_cli, tmp_path, baseline):
    result = gate(run_cli, tmp_path, baseline, "bleu.tokenize=intl")
    assert result.code == 2
    assert "bleu.tokenize: baseline 13a, this run intl" in result.err


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


@pytest.mark.parametrize("value, shown", [("NaN", "not a number JSON allows"), ('"abc"', "expected a finite number, found 'abc'"),
                                          ("null", "expected a finite number, found None")])
def test_a_baseline_with_a_bad_score_is_refused_before_scoring(run_cli, tmp_path, quick_baseline, no_scoring, value, shown):
    text = quick_baseline.read_text(encoding="utf-8")
    data = json.loads(text)
    score = data["systems"][0]["scores"]["bleu"]["score"]
    broken = edited_baseline(quick_baseline, tmp_path, lambda data: None)
    broken.write_text(text.replace(f'"score": {json.dumps(score)}', f'"score": {value}', 1), encoding="utf-8")
    refused(quick_gate(run_cli, tmp_path, broken), str(broken), shown)


def test_a_baseline_with_no_systems_or_short_segments_is_refused(run_cli, tmp_path, quick_baseline, no_scoring):
    empty = edited_baseline(quick_baseline, tmp_path, lambda data: data.update(systems=[]))
    refused(quick_gate(run_cli, tmp_path, empty), "systems: expected at least one system")

    def shorten(data):
        data["systems"][1]["scores"]["chrf"]["segments"] = data["systems"][1]["scores"]["chrf"]["segments"][:3]

    refused(quick_gate(run_cli, tmp_path, edited_baseline(quick_baseline, tmp_path, shorten)), "systems[1].scores.chrf.segments: expected a list of 14 numbers")


def test_a_schema_1_baseline_still_gates_a_run(run_cli, tmp_path, default_report):
    """Baselines written before texts and statistics moved to Parquet (schema
    1.0: everything inside report.json) still gate a run. (That they load:
    tests/unit/test_results.py.)"""
    legacy = schema_1_copy(default_report, tmp_path / "legacy")
    result = run_cli("report.terminal=false", f"gate.baseline={legacy}", f"report.dir={tmp_path / 'gated'}")
    assert result.code == 0, result.out + result.err
    assert "no regression" in result.out


# ---------------------------------------------------------------- baselines and gate files the run would damage

def test_a_baseline_the_run_would_overwrite_is_refused(run_cli, tmp_path, quick_baseline, no_scoring):
    before = quick_baseline.read_bytes()
    result = quick_gate(run_cli, tmp_path, quick_baseline, name="baseline")
    refused(result, "would replace", str(quick_baseline))
    assert quick_baseline.read_bytes() == before


def test_a_baseline_kept_inside_the_report_folder_survives_the_run(run_cli, tmp_path, quick_baseline):
    kept = tmp_path / "current" / "baseline"
    shutil.copytree(quick_baseline.parent, kept)
    before = snapshot(kept)
    assert quick_gate(run_cli, tmp_path, kept / "report.json").code == 0
    assert snapshot(kept) == before


def test_a_baseline_whose_data_file_the_run_would_replace_is_refused(run_cli, tmp_path, quick_baseline, no_scoring):
    """A schema-2 baseline reads segments.parquet beside it: kept loose in
    the report folder, that file would be the run's own."""
    (tmp_path / "current").mkdir()
    shutil.copy(quick_baseline, tmp_path / "current" / "baseline.json")
    shutil.copy(quick_baseline.parent / "segments.parquet", tmp_path / "current" / "segments.parquet")
    refused(quick_gate(run_cli, tmp_path, tmp_path / "current" / "baseline.json"), "segments.parquet", "would replace")


def test_a_baseline_given_as_its_folder_is_read_and_protected_like_its_report_json(run_cli, tmp_path, quick_baseline):
    assert quick_gate(run_cli, tmp_path, quick_baseline.parent, name="elsewhere").code == 0
    before = quick_baseline.read_bytes()
    refused(quick_gate(run_cli, tmp_path, quick_baseline.parent, name=quick_baseline.parent.name), "would replace")
    assert quick_baseline.read_bytes() == before


def test_a_baseline_that_is_a_folder_without_a_report_or_unreadable_is_refused(run_cli, tmp_path, quick_baseline, no_scoring, monkeypatch):
    refused(quick_gate(run_cli, tmp_path, tmp_path), str(tmp_path), "no such file")
    locked = tmp_path / "locked.json"
    locked.write_bytes(quick_baseline.read_bytes())
    with unreadable(locked, monkeypatch):
        refused(quick_gate(run_cli, tmp_path, locked), str(locked), "permission denied")


def _set_info(metric, key, value):
    def edit(data):
        data["metric_info"][metric][key] = value
    return edit


def _duplicate_metric(data):
    data["metrics"].append(data["metrics"][0])


@pytest.mark.parametrize("edit, field", [
    (_set_info("bleu", "label", "\x1b[2J\x1b[31mBLEU"), "metric_info.bleu.label"),
    (_set_info("bleu", "label", "BL\nEU"), "metric_info.bleu.label"),
    (_set_info("bleu", "label", "\u202eUELB"), "metric_info.bleu.label"),
    (_set_info("bleu", "label", ""), "metric_info.bleu.label"),
    (_set_info("bleu", "name", "chrf"), "metric_info.bleu.name"),
    (_set_info("bleu", "higher_is_better", False), "higher_is_better"),
    (_set_info("bleu", "digits", -1), "metric_info.bleu.digits"),
    (_set_info("bleu", "tie_tolerance", -0.1), "metric_info.bleu.tie_tolerance"),
    (_duplicate_metric, "metrics"),
])
def test_a_baseline_with_hostile_or_inconsistent_metric_facts_is_refused(run_cli, tmp_path, quick_baseline, no_scoring, edit, field):
    refused(quick_gate(run_cli, tmp_path, edited_baseline(quick_baseline, tmp_path, edit)), field)


def test_a_baseline_measured_in_the_other_direction_is_refused(run_cli, tmp_path, quick_baseline):
    """The same name and signature, but lower is better there: another measure."""
    def flip(data):
        data["metric_info"]["bleu"]["higher_is_better"] = False
        for system in data["systems"]:
            system["scores"]["bleu"]["higher_is_better"] = False
    refused(quick_gate(run_cli, tmp_path, edited_baseline(quick_baseline, tmp_path, flip)), "bleu", "higher_is_better")


# ---------------------------------------------------------------- gate settings refused before scoring

@pytest.mark.parametrize("override, key", [
    ("gate.max_drop.bleu=nan", "gate.max_drop.bleu"),
    ("gate.default_max_drop=nan", "gate.default_max_drop"),
    ("gate.min.bleu=nan", "gate.min.bleu"),
    ("gate.max_drop.chrf=inf", "gate.max_drop.chrf"),
    ("gate.max_drop.bleu=-1", "gate.max_drop.bleu"),
    ("gate.alpha=0", "gate.alpha"),
])
def test_gate_thresholds_must_be_finite_and_in_range(run_cli, tmp_path, quick_baseline, no_scoring, override, key):
    refused(quick_gate(run_cli, tmp_path, quick_baseline, override), key)


@pytest.mark.parametrize("override, fragment", [
    ("gate.summary=sub/gate.md", "gate.summary"), ("gate.summary=report.json", "would replace a report file"),
    ("gate.junit=report.html", "would replace a report file"), ("gate.summary=gate-junit.xml", "different names"),
])
def test_gate_files_are_plain_names_that_never_replace_a_report(run_cli, tmp_path, quick_baseline, no_scoring, override, fragment):
    refused(quick_gate(run_cli, tmp_path, quick_baseline, override), fragment)


def test_a_step_summary_in_a_missing_folder_is_refused_before_scoring(run_cli, tmp_path, quick_baseline, no_scoring, monkeypatch):
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(tmp_path / "no" / "such" / "summary.md"))
    refused(quick_gate(run_cli, tmp_path, quick_baseline), "GITHUB_STEP_SUMMARY", "no such file or directory")
