"""Confidence intervals, paired tests, corrections and rank groups agree
with sacrebleu's CLI and behave as the methods define, in the reports of a
run. (stats.py's functions called directly: tests/unit/test_stats.py.)"""

from __future__ import annotations

import json

import numpy as np
import pytest

from conftest import DRAFT, PRESSTV, REFERENCE, SOURCE, inputs_overrides, run_report, sacrebleu_cli, sacrebleu_paired, write_lines

CLI_NAMES = {"bleu": "BLEU", "chrf": "chrF2", "ter": "TER"}


@pytest.fixture
def mixed(tmp_path):
    """The draft with four paragraphs taken from Press TV: close enough to
    the draft that a test between them is not a foregone conclusion."""
    lines = DRAFT.read_text(encoding="utf-8").splitlines()
    other = PRESSTV.read_text(encoding="utf-8").splitlines()
    for i in (2, 5, 8, 12):
        lines[i] = other[i]
    return write_lines(tmp_path / "mixed.en", lines)


def test_intervals_equal_sacrebleu_confidence(run_cli, tmp_path):
    report = run_report(run_cli, tmp_path, *inputs_overrides(SOURCE, [REFERENCE], mine=PRESSTV))
    cli = {e["name"]: e for e in json.loads(sacrebleu_cli(str(REFERENCE), "-i", str(PRESSTV), "-m", "bleu", "chrf", "ter", "--confidence", "-w", "6", "-f", "json"))}
    for metric, name in CLI_NAMES.items():
        score = report["systems"][0]["scores"][metric]
        # float64 resampling here; sacrebleu's CLI resamples in float32 (under NumPy 2, as in the core
        # install, TER computes in float32 too; chrF always): see RESAMPLED_TOLERANCE in test_scale_parity.py.
        resampled = 4 * float(np.spacing(np.float32(100))) if metric != "bleu" else 1e-6
        assert round(score["bootstrap_mean"], 6) == pytest.approx(cli[name]["confidence_mean"], abs=resampled)
        assert round((score["ci"][1] - score["ci"][0]) / 2, 6) == pytest.approx(cli[name]["confidence_var"], abs=resampled)
        assert score["ci"][0] <= score["score"] <= score["ci"][1]


@pytest.mark.parametrize("method", ["bootstrap", "ar"])
def test_paired_p_values_equal_sacrebleu(run_cli, tmp_path, mixed, method):
    report = run_report(
        run_cli, tmp_path, *inputs_overrides(SOURCE, [REFERENCE], draft=DRAFT, mixed=mixed, presstv=PRESSTV),
        f"stats.method={method}", "stats.trials=2000", "stats.baseline=draft", "stats.correction=none",
    )
    expected = sacrebleu_paired(REFERENCE, [DRAFT, mixed, PRESSTV], "bs" if method == "bootstrap" else "ar", 1000 if method == "bootstrap" else 2000)
    seen = set()
    for comparison in report["comparisons"]:
        assert comparison["a"] == "draft"
        assert comparison["p_value"] == pytest.approx(float(expected[comparison["b"]][comparison["metric"]]), abs=1e-12)
        assert comparison["p_adjusted"] == comparison["p_value"]  # correction=none
        seen.add(comparison["p_value"])
    assert len(report["comparisons"]) == 6
    if method == "bootstrap":
        assert any(0.01 < p < 1 for p in seen), seen  # not only the trivial extremes


def test_a_system_compared_with_itself_is_never_significant(run_cli, tmp_path):
    report = run_report(run_cli, tmp_path, *inputs_overrides(SOURCE, [REFERENCE], a=DRAFT, same=DRAFT, presstv=PRESSTV))
    pairs = [c for c in report["comparisons"] if {c["a"], c["b"]} == {"a", "same"}]
    assert len(pairs) == 3
    assert all(c["p_value"] == 1.0 and not c["significant"] and c["delta"] == 0 for c in pairs)
    scores = {s["name"]: s["scores"] for s in report["systems"]}
    for metric in ("bleu", "chrf", "ter"):
        assert scores["a"][metric]["rank_group"] == scores["same"][metric]["rank_group"]


def test_self_comparison_under_randomization(run_cli, tmp_path):
    report = run_report(run_cli, tmp_path, *inputs_overrides(SOURCE, [REFERENCE], a=DRAFT, same=DRAFT), "stats.method=ar", "stats.trials=500")
    assert all(c["p_value"] == 1.0 and not c["significant"] for c in report["comparisons"])


def test_a_degraded_copy_of_the_reference_is_significantly_worse_everywhere(run_cli, tmp_path):
    rng = np.random.default_rng(0)
    words = " ".join(REFERENCE.read_text(encoding="utf-8").split()).split()
    segments = [" ".join(words[i : i + 12]) for i in range(0, len(words) - 12, 3)][:150]
    good = [" ".join(w for j, w in enumerate(s.split()) if j != 5) for s in segments]
    bad = [" ".join(w for w in s.split() if rng.random() > 0.4) or "x" for s in segments]
    src = write_lines(tmp_path / "src.ar", ["مصدر"] * len(segments))
    ref = write_lines(tmp_path / "ref.en", segments)
    report = run_report(run_cli, tmp_path, *inputs_overrides(src, [ref], good=write_lines(tmp_path / "good.en", good), bad=write_lines(tmp_path / "bad.en", bad)),
                        "stats.resamples=300")
    assert report["statistics"]["weak"] is False
    assert len(report["comparisons"]) == 3
    for comparison in report["comparisons"]:
        assert comparison["significant"] and comparison["better"] == "good", comparison
    scores = {s["name"]: s["scores"] for s in report["systems"]}
    assert all(scores["good"][m]["rank_group"] == 1 and scores["bad"][m]["rank_group"] == 2 for m in ("bleu", "chrf", "ter"))


def test_the_configured_correction_is_applied_to_every_comparison(run_cli, tmp_path, mixed):
    overrides = inputs_overrides(SOURCE, [REFERENCE], draft=DRAFT, mixed=mixed, presstv=PRESSTV)
    raw = run_report(run_cli, tmp_path / "n", *overrides, "stats.correction=none")["comparisons"]
    bonferroni = run_report(run_cli, tmp_path / "b", *overrides, "stats.correction=bonferroni")
    assert "corr:bonferroni" in bonferroni["systems"][0]["scores"]["bleu"]["signature"]
    for plain, corrected in zip(raw, bonferroni["comparisons"]):
        assert corrected["p_value"] == plain["p_value"]
        assert corrected["p_adjusted"] == pytest.approx(min(1.0, 3 * plain["p_value"]))  # 3 pairs per metric


def test_same_seed_same_numbers_other_seed_other_numbers(run_cli, tmp_path, mixed):
    overrides = inputs_overrides(SOURCE, [REFERENCE], draft=DRAFT, mixed=mixed)
    first = run_report(run_cli, tmp_path / "1", *overrides, "stats.seed=7")
    second = run_report(run_cli, tmp_path / "2", *overrides, "stats.seed=7")
    third = run_report(run_cli, tmp_path / "3", *overrides, "stats.seed=8")
    assert first["systems"] == second["systems"] and first["comparisons"] == second["comparisons"]
    assert first["systems"][0]["scores"]["bleu"]["ci"] != third["systems"][0]["scores"]["bleu"]["ci"]
    assert "seed:7" in first["systems"][0]["scores"]["bleu"]["signature"]


def test_small_test_sets_are_reported_as_weak(run_cli, tmp_path):
    report = run_report(run_cli, tmp_path)
    assert report["statistics"]["weak"] is True
    assert "14 segments" in report["statistics"]["note"]
    assert "WEAK: only 14 segments" in (tmp_path / "out" / "report.md").read_text(encoding="utf-8")


def test_bad_statistics_options_are_refused(run_cli):
    for override, fragment in (("stats.method=anova", "stats.method"), ("stats.correction=fdr", "stats.correction"),
                               ("stats.baseline=nobody", "stats.baseline='nobody'"), ("stats.confidence=95", "stats.confidence")):
        result = run_cli(override)
        assert result.code == 2 and fragment in result.err, (override, result.err)


def test_the_markdown_has_a_wins_matrix(run_cli, tmp_path):
    run_report(run_cli, tmp_path)
    markdown = (tmp_path / "out" / "report.md").read_text(encoding="utf-8")
    assert "**Wins, BLEU** (row significantly better than column)" in markdown
    assert "| draft | — | ✓ |" in markdown


def test_a_run_whose_tests_cannot_be_significant_says_so(run_cli, tmp_path):
    """Eight systems (28 pairs, Holm) on 100 resamples: the best adjusted
    p-value is 28/101; the run still reports its scores, and every report
    says that no difference could be significant and what would make it so."""
    from conftest import DRAFT, PRESSTV, REFERENCE, SOURCE, write_lines, lines

    draft = lines(DRAFT)
    systems = {f"s{i}": write_lines(tmp_path / f"s{i}.en", draft[i:] + draft[:i]) for i in range(7)} | {"presstv": PRESSTV}
    override = "testset.systems={" + ",".join(f"{name}:{path}" for name, path in systems.items()) + "}"
    result = run_cli(f"testset.source={SOURCE}", f"testset.references=[{REFERENCE}]", override, "metrics=[bleu]",
                     "stats.resamples=100", "report.formats=[json,md]", f"report.dir={tmp_path / 'out'}")
    assert result.code == 0, result.err
    assert "NOT TESTABLE" in result.out and "stats.resamples=559" in result.out
    assert "stats.resamples=559" in (tmp_path / "out" / "report.md").read_text(encoding="utf-8")
