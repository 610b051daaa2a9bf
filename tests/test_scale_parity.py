"""With the large-set machinery active (several worker processes, statistics
extracted chunk by chunk with per-chunk reference caches, resampling in
chunks of rows), every number is still sacrebleu's own: corpus scores,
sentence scores, confidence intervals and paired p-values, on a few
thousand segments, against sacrebleu's CLI and API on the same files."""

from __future__ import annotations

import json
import random

import numpy as np
import pytest

from conftest import DRAFT, PRESSTV, REFERENCE, SOURCE, sacrebleu_cli, sacrebleu_paired, write_lines

SEGMENTS = 3000
WIDTH = "6"


@pytest.fixture(scope="module")
def large(tmp_path_factory):
    """3,000 segments built from the bundled set's sentences, recombined so
    that lines differ, with two systems of different quality."""
    folder = tmp_path_factory.mktemp("large")
    rng = random.Random(7)
    english = " ".join(REFERENCE.read_text(encoding="utf-8").split()).split(" ")
    drafts = " ".join(DRAFT.read_text(encoding="utf-8").split() + PRESSTV.read_text(encoding="utf-8").split()).split(" ")
    arabic = " ".join(SOURCE.read_text(encoding="utf-8").split()).split(" ")
    refs, sys_a, sys_b, src = [], [], [], []
    for i in range(SEGMENTS):
        start, length = rng.randrange(len(english) - 40), rng.randint(6, 35)
        words = english[start : start + length]
        refs.append(" ".join(words) + f" ({i})")
        sys_a.append(" ".join(w if rng.random() > 0.15 else rng.choice(drafts) for w in words) + f" ({i})")
        sys_b.append(" ".join(w for w in words if rng.random() > 0.3) + ".")
        s = rng.randrange(len(arabic) - 30)
        src.append(" ".join(arabic[s : s + rng.randint(5, 25)]))
    return {
        "source": write_lines(folder / "source.ar", src), "reference": write_lines(folder / "reference.en", refs),
        "a": write_lines(folder / "a.en", sys_a), "b": write_lines(folder / "b.en", sys_b),
    }


@pytest.fixture(scope="module")
def report(large, tmp_path_factory):
    """One run with jobs=2, chunks of 700 segments and resampling chunks of
    a few rows: every large-set code path is taken."""
    from mt_eval import cli, stats
    from mt_eval.metrics import lexical

    out = tmp_path_factory.mktemp("run")
    patch = pytest.MonkeyPatch()
    patch.setattr(lexical, "CHUNK_SEGMENTS", 700)
    patch.setattr(lexical, "PARALLEL_MIN_SEGMENTS", 100)
    patch.setattr(stats, "CHUNK_BYTES", 8 * SEGMENTS * 37)  # 37 rows a chunk
    try:
        import sys

        old = sys.argv
        sys.argv = ["mt-eval", f"testset.source={large['source']}", f"testset.references=[{large['reference']}]",
                    f"testset.systems={{a:{large['a']},b:{large['b']}}}", "metrics=[bleu,chrf]", "jobs=2",
                    "stats.baseline=a", "stats.correction=none", "report.terminal=false", f"report.dir={out}"]
        try:
            cli.main()
        except SystemExit as exit_:
            assert exit_.code in (0, None)
        finally:
            sys.argv = old
    finally:
        patch.undo()
    return json.loads((out / "report.json").read_text(encoding="utf-8"))


CLI = {"bleu": (["-m", "bleu"], "BLEU"), "chrf": (["-m", "chrf"], "chrF2")}
# Resampled scores are float64 in mt-eval (so that every score lies within
# its own interval) and float32 in sacrebleu's CLI, where chrF then computes
# in float32: its resampled chrF scores are rounded to float32's spacing near
# 100 (7.6e-6), a few times over. BLEU computes through math.log/exp in
# float64 either way: the 6 printed digits agree.
RESAMPLED_TOLERANCE = {"bleu": 1e-6, "chrf": 4 * float(np.spacing(np.float32(100)))}


@pytest.mark.parametrize("metric", ["bleu", "chrf"])
@pytest.mark.parametrize("system", ["a", "b"])
def test_corpus_sentence_and_interval_equal_sacrebleu(large, report, metric, system):
    ours = next(s for s in report["systems"] if s["name"] == system)["scores"][metric]
    options, _ = CLI[metric]
    cli = json.loads(sacrebleu_cli(str(large["reference"]), "-i", str(large[system]), *options, "-w", WIDTH, "--confidence", "-f", "json"))
    assert round(ours["score"], 6) == pytest.approx(cli["score"], abs=1e-6)
    resampled = RESAMPLED_TOLERANCE[metric]
    assert round(ours["bootstrap_mean"], 6) == pytest.approx(cli["confidence_mean"], abs=resampled)
    assert round((ours["ci"][1] - ours["ci"][0]) / 2, 6) == pytest.approx(cli["confidence_var"], abs=resampled)
    lines = sacrebleu_cli(str(large["reference"]), "-i", str(large[system]), *options, "-w", WIDTH, "-sl", "-b").split()
    assert len(lines) == SEGMENTS
    assert [round(s, 6) for s in ours["segments"]] == pytest.approx([float(x) for x in lines], abs=1e-6)


def test_paired_p_values_equal_sacrebleu(large, report):
    expected = sacrebleu_paired(large["reference"], [large["a"], large["b"]], "bs", 1000, metrics=("bleu", "chrf"))
    for comparison in report["comparisons"]:
        assert (comparison["a"], comparison["b"]) == ("a", "b")
        assert comparison["p_value"] == pytest.approx(float(expected["b"][comparison["metric"]]), abs=1e-12)
