"""Every BLEU/chrF/TER number equals what sacrebleu's own CLI prints for the
same files and options: corpus scores, signatures and sentence-level scores."""

from __future__ import annotations

import json

import pytest

from conftest import DRAFT, PRESSTV, REFERENCE, SOURCE, sacrebleu_cli, inputs_overrides, write_lines

WIDTH = "6"  # digits sacrebleu prints; our full-precision scores are rounded to match

# (our overrides, sacrebleu CLI options, metric)
CASES = [
    (["metrics=[bleu]"], ["-m", "bleu"], "bleu"),
    (["metrics=[bleu]", "bleu.tokenize=intl"], ["-m", "bleu", "--tokenize", "intl"], "bleu"),
    (["metrics=[bleu]", "bleu.lowercase=true", "bleu.smooth_method=floor"], ["-m", "bleu", "-lc", "--smooth-method", "floor"], "bleu"),
    (["metrics=[chrf]"], ["-m", "chrf"], "chrf"),
    (["metrics=[chrf]", "chrf.word_order=2"], ["-m", "chrf", "--chrf-word-order", "2"], "chrf"),
    (["metrics=[ter]"], ["-m", "ter"], "ter"),
    (["metrics=[ter]", "ter.case_sensitive=true", "ter.no_punct=true"], ["-m", "ter", "--ter-case-sensitive", "--ter-no-punct"], "ter"),
]


@pytest.mark.parametrize("overrides, cli_options, metric", CASES, ids=lambda c: str(c))
@pytest.mark.parametrize("system", [DRAFT, PRESSTV], ids=["draft", "presstv"])
def test_corpus_and_segment_scores_equal_the_cli(run_cli, tmp_path, overrides, cli_options, metric, system):
    result = run_cli(*inputs_overrides(SOURCE, [REFERENCE], mine=system), *overrides, "report.terminal=false")
    assert result.code == 0, result.err
    ours = result.report(tmp_path / "report")["systems"][0]["scores"][metric]

    cli = json.loads(sacrebleu_cli(str(REFERENCE), "-i", str(system), *cli_options, "-w", WIDTH, "-f", "json"))
    assert round(ours["score"], 6) == pytest.approx(cli["score"], abs=1e-6)
    assert ours["signature"].startswith(cli["signature"] + "|")

    segment_lines = sacrebleu_cli(str(REFERENCE), "-i", str(system), *cli_options, "-w", WIDTH, "-sl", "-b").split()
    assert [round(s, 6) for s in ours["segments"]] == pytest.approx([float(x) for x in segment_lines], abs=1e-6)


def test_multi_reference_scores_equal_the_cli(run_cli, tmp_path):
    # The Press TV rendering serves as a second reference for the draft.
    result = run_cli(*inputs_overrides(SOURCE, [REFERENCE, PRESSTV], mine=DRAFT), "report.terminal=false")
    assert result.code == 0, result.err
    scores = result.report(tmp_path / "report")["systems"][0]["scores"]
    cli = {entry["name"][:4].lower(): entry for entry in json.loads(
        sacrebleu_cli(str(REFERENCE), str(PRESSTV), "-i", str(DRAFT), "-m", "bleu", "chrf", "ter", "-w", WIDTH, "-f", "json"))}
    for metric in ("bleu", "chrf", "ter"):
        assert round(scores[metric]["score"], 6) == pytest.approx(cli[metric]["score"], abs=1e-6)
        assert scores[metric]["signature"].startswith("nrefs:2|")
    segments = sacrebleu_cli(str(REFERENCE), str(PRESSTV), "-i", str(DRAFT), "-m", "chrf", "-w", WIDTH, "-sl", "-b").split()
    assert [round(s, 6) for s in scores["chrf"]["segments"]] == pytest.approx([float(x) for x in segments], abs=1e-6)


def test_systems_are_scored_independently_of_each_other(run_cli, tmp_path):
    """Scoring two systems in one run gives each the score it gets alone
    (the cached references are shared, nothing else)."""
    together = run_cli(*inputs_overrides(SOURCE, [REFERENCE], a=DRAFT, b=PRESSTV), "report.terminal=false", f"report.dir={tmp_path / 'both'}")
    alone = run_cli(*inputs_overrides(SOURCE, [REFERENCE], b=PRESSTV), "report.terminal=false", f"report.dir={tmp_path / 'alone'}")
    both = {s["name"]: s["scores"] for s in together.report(tmp_path / "both")["systems"]}
    single = alone.report(tmp_path / "alone")["systems"][0]["scores"]
    for metric in ("bleu", "chrf", "ter"):
        assert both["b"][metric]["score"] == single[metric]["score"]
        assert both["b"][metric]["segments"] == single[metric]["segments"]


def test_default_run_scores_the_bundled_systems_like_the_cli(run_cli, tmp_path):
    result = run_cli("report.terminal=false")
    assert result.code == 0, result.err
    report = result.report(tmp_path / "report")
    assert {s["name"] for s in report["systems"]} == {"draft", "presstv"}
    assert report["testset"]["segments"] == 14
    for system in report["systems"]:
        path = DRAFT if system["name"] == "draft" else PRESSTV
        cli = json.loads(sacrebleu_cli(str(REFERENCE), "-i", str(path), "-m", "bleu", "-w", WIDTH, "-f", "json"))
        assert round(system["scores"]["bleu"]["score"], 6) == pytest.approx(cli["score"], abs=1e-6)


def test_sentence_bleu_uses_effective_order_like_the_cli(run_cli, tmp_path):
    hyp = write_lines(tmp_path / "hyp.en", ["the cat sat"])
    ref = write_lines(tmp_path / "ref.en", ["the cat sat down"])
    src = write_lines(tmp_path / "src.ar", ["القط جلس"])
    result = run_cli(*inputs_overrides(src, [ref], mine=hyp), "metrics=[bleu]", "report.terminal=false")
    bleu = result.report(tmp_path / "report")["systems"][0]["scores"]["bleu"]
    assert "eff:yes" in bleu["segment_signature"] and "eff:no" in bleu["signature"]
    cli = sacrebleu_cli(str(ref), "-i", str(hyp), "-m", "bleu", "-sl", "-b", "-w", WIDTH).split()
    assert round(bleu["segments"][0], 6) == pytest.approx(float(cli[0]), abs=1e-6)
    assert bleu["segments"][0] > 0  # effective order: no 4-gram, yet not zero
