"""A score's identity is every option that can change its number.

The rule, tested over every option of every built-in metric:
- an option that can change a score is part of the metric's identity, so
  a baseline or a shard scored with another value is refused by the gate
  and by merge, naming the option;
- an option declared ``score_neutral`` really leaves every score unchanged,
  and the gate and merge accept runs that differ only in it;
- each option is in exactly one of the two tables below, so a new option
  fails here until it is proven neutral or shown to be compared.

Runs go through the Python API (the run function the CLI calls); the CLI's
own words are checked once at the end.
"""

from __future__ import annotations

import json
from dataclasses import fields
from pathlib import Path
from typing import Any, Dict, Tuple

import pytest

import mt_eval
from conftest import DRAFT, PRESSTV, REFERENCE, SOURCE
from mt_eval.errors import InputError
from mt_eval.gate import noise
from mt_eval.metrics.registry import BUILTIN, registered_metrics

# metric → option → (baseline options, run options): the two differ in that
# option (with any value it needs to take effect). Whether this test set's
# scores happen to move (BLEU's smoothing does not on a long document) does
# not matter: another test set's would.
Pair = Tuple[Dict[str, Any], Dict[str, Any]]
SCORING: Dict[str, Dict[str, Pair]] = {
    "bleu": {
        "tokenize": ({}, {"tokenize": "intl"}),
        "lowercase": ({}, {"lowercase": True}),
        "smooth_method": ({}, {"smooth_method": "floor"}),
        "smooth_value": ({"smooth_method": "floor"}, {"smooth_method": "floor", "smooth_value": 0.5}),
        "max_ngram_order": ({}, {"max_ngram_order": 2}),
        "effective_order": ({"max_ngram_order": 8}, {"max_ngram_order": 8, "effective_order": True}),
        "trg_lang": ({}, {"trg_lang": "zh"}),  # compared as the tokenizer it picks (see RECORDED_AS)
    },
    "chrf": {
        "char_order": ({}, {"char_order": 4}),
        "word_order": ({}, {"word_order": 2}),
        "beta": ({}, {"beta": 1}),
        "lowercase": ({}, {"lowercase": True}),
        "whitespace": ({}, {"whitespace": True}),
        "eps_smoothing": ({}, {"eps_smoothing": True}),
    },
    "ter": {
        "normalized": ({}, {"normalized": True}),
        "no_punct": ({}, {"no_punct": True}),
        "asian_support": ({"normalized": True}, {"normalized": True, "asian_support": True}),
        "case_sensitive": ({}, {"case_sensitive": True}),
    },
    "comet": {
        "model": ({}, {"model": "regression_other"}),  # another checkpoint's content
        "precision": ({}, {"precision": "bf16"}),
    },
}

# Options recorded by the value they bring about: BLEU's trg_lang only picks
# the tokenizer sacrebleu uses, and the identity records that tokenizer.
RECORDED_AS = {("bleu", "trg_lang"): "tokenize"}

# metric → neutral option → another value: the scores stay the same.
NEUTRAL: Dict[str, Dict[str, Any]] = {
    "bleu": {"force": True},
    "chrf": {},
    "ter": {"max_segment_words": 400},
    "comet": {"batch_size": 1, "max_tokens": 96, "length_batching": False, "models_dir": "elsewhere", "offline": True,
              "hub_timeout": 3.0, "cache": False, "cache_dir": "another-cache", "required": True, "gpus": 0},
}



def test_every_option_is_compared_or_proven_neutral():
    """A new option fails here until it is in one of the tables: compared
    (and shown to be refused) or declared neutral (and shown neutral)."""
    for name in BUILTIN:
        metric = registered_metrics()[name]
        options = {f.name for f in fields(metric.options_class)}
        assert set(SCORING[name]) | set(NEUTRAL[name]) == options, name
        assert set(NEUTRAL[name]) == set(metric.score_neutral), name
        assert not set(SCORING[name]) & set(NEUTRAL[name]), name


def _options(metric: str, values: Dict[str, Any], checkpoints: Any, tmp_path: Path) -> Dict[str, Any]:
    """Options with names standing for test-built things resolved."""
    if metric != "comet":
        return dict(values)
    resolved = {"model": str(checkpoints["regression"]), "cache_dir": str(tmp_path / "cache"), **values}
    if resolved["model"] in checkpoints:
        resolved["model"] = str(checkpoints[resolved["model"]])
    for key in ("models_dir", "cache_dir"):
        if key in resolved and not Path(resolved[key]).is_absolute():
            resolved[key] = str(tmp_path / resolved[key])
    return resolved


def _score(metric: str, options: Dict[str, Any], folder: Path, system: str = "draft", **extra: Any) -> mt_eval.Result:
    path = {"draft": DRAFT, "presstv": PRESSTV}[system]
    return mt_eval.score(source=SOURCE, references=[REFERENCE], systems={system: path}, metrics=[metric],
                         stats={"resamples": 50}, report={"dir": str(folder)}, **{metric: options}, **extra)


def _cases(table: Dict[str, Dict[str, Any]]):
    return [pytest.param(metric, option, id=f"{metric}.{option}") for metric, options in table.items() for option in options]


@pytest.mark.parametrize("metric, option", _cases(SCORING))
def test_an_option_that_changes_scores_is_refused_by_the_gate_and_merge(metric, option, tmp_path, request):
    checkpoints = request.getfixturevalue("checkpoints") if metric == "comet" else None
    first, second = (_options(metric, values, checkpoints, tmp_path) for values in SCORING[metric][option])
    baseline = _score(metric, first, tmp_path / "baseline")
    changed = _score(metric, second, tmp_path / "changed", system="presstv")
    assert baseline.run.info(metric).identity != changed.run.info(metric).identity

    key = RECORDED_AS.get((metric, option), option)
    with pytest.raises(InputError, match=rf"{metric}\.{key}: baseline "):
        _score(metric, second, tmp_path / "gated", gate={"baseline": str(tmp_path / "baseline")})
    with pytest.raises(InputError, match=rf"{metric}\.{key}: "):
        mt_eval.score(merge=[str(tmp_path / "baseline"), str(tmp_path / "changed")])


@pytest.mark.parametrize("metric, option", _cases(NEUTRAL))
def test_a_neutral_option_leaves_every_score_unchanged(metric, option, tmp_path, request):
    checkpoints = request.getfixturevalue("checkpoints") if metric == "comet" else None
    default = _options(metric, {}, checkpoints, tmp_path)
    other = _options(metric, {option: NEUTRAL[metric][option]}, checkpoints, tmp_path)
    baseline = _score(metric, default, tmp_path / "baseline")
    changed = _score(metric, other, tmp_path / "changed", system="presstv")
    run = _score(metric, other, tmp_path / "run", gate={"baseline": str(tmp_path / "baseline")})

    theirs, ours = baseline.run.system("draft").scores[metric], run.run.system("draft").scores[metric]
    # No more than the gate counts as float noise (COMET's batch shapes move its last bits).
    tolerance = noise(baseline.run.info(metric).scale) if metric == "comet" else 0.0
    assert ours.score == pytest.approx(theirs.score, abs=tolerance)
    assert ours.segments == pytest.approx(theirs.segments, abs=tolerance)
    assert run.gate is not None and run.gate.passed and run.gate.compared == 1
    assert baseline.run.info(metric).identity == changed.run.info(metric).identity
    merged = mt_eval.score(merge=[str(tmp_path / "baseline"), str(tmp_path / "changed")])
    assert [system.name for system in merged.run.systems] == ["draft", "presstv"]


def test_a_setting_written_two_ways_is_one_identity(tmp_path):
    """BLEU's tokenizer left to sacrebleu is the one it picks (whatever
    trg_lang says when it picks the same), and a smoothing value that exp
    smoothing never reads is not compared."""
    implicit = _score("bleu", {}, tmp_path / "implicit")
    explicit = _score("bleu", {"tokenize": "13a", "smooth_value": 0.3, "trg_lang": "en"}, tmp_path / "explicit")
    assert implicit.run.info("bleu").identity == explicit.run.info("bleu").identity
    assert implicit.run.info("bleu").identity["tokenize"] == "13a"
    # sacrebleu's TER reads asian_support only when it normalises or strips punctuation.
    assert _score("ter", {}, tmp_path / "t1").run.info("ter").identity == _score("ter", {"asian_support": True}, tmp_path / "t2").run.info("ter").identity


def test_the_same_checkpoint_anywhere_is_one_identity(tmp_path, checkpoints):
    """A COMET checkpoint is known by its content: a copy elsewhere, under
    another file name, gates a run scored with the original."""
    import shutil

    copy = tmp_path / "copied-model"
    shutil.copytree(checkpoints["regression"].parents[1], copy)
    renamed = (copy / "checkpoints" / "model.ckpt").rename(copy / "checkpoints" / "best.ckpt")
    _score("comet", {"model": str(checkpoints["regression"]), "cache": False}, tmp_path / "baseline")
    gated = _score("comet", {"model": str(renamed), "cache": False}, tmp_path / "run", gate={"baseline": str(tmp_path / "baseline")})
    assert gated.gate is not None and gated.gate.passed


def test_an_older_report_gets_its_identity_from_its_options(run_cli, tmp_path):
    """A schema-2.1 baseline (no identities) of BLEU-4 refuses a BLEU-2 run,
    which its sacrebleu signature alone would not."""
    assert run_cli(f"testset.source={SOURCE}", f"testset.references=[{REFERENCE}]", f"testset.systems={{draft:{DRAFT}}}",
                   "metrics=[bleu]", "report.terminal=false", f"report.dir={tmp_path / 'old'}").code == 0
    path = tmp_path / "old" / "report.json"
    report = json.loads(path.read_text(encoding="utf-8"))
    report["schema_version"] = "2.1"
    for info in report["metric_info"].values():
        info.pop("identity")
    path.write_text(json.dumps(report), encoding="utf-8")
    result = run_cli(f"testset.source={SOURCE}", f"testset.references=[{REFERENCE}]", f"testset.systems={{draft:{DRAFT}}}",
                     "metrics=[bleu]", "bleu.max_ngram_order=2", "report.terminal=false", f"gate.baseline={path}",
                     f"report.dir={tmp_path / 'run'}")
    assert result.code == 2 and "bleu.max_ngram_order: baseline 4, this run 2" in result.err, result.err


def test_the_cli_names_the_option_and_merge_never_crashes(run_cli, tmp_path):
    """BLEU-2 against a BLEU-4 baseline, and shards of different n-gram
    orders (statistics of different widths): exit 2 naming the option."""
    common = [f"testset.source={SOURCE}", f"testset.references=[{REFERENCE}]", "metrics=[bleu,chrf]", "report.terminal=false"]
    assert run_cli(*common, f"testset.systems={{draft:{DRAFT}}}", f"report.dir={tmp_path / 'a'}").code == 0
    assert run_cli(*common, f"testset.systems={{presstv:{PRESSTV}}}", "bleu.max_ngram_order=2", f"report.dir={tmp_path / 'b'}").code == 0
    gated = run_cli(*common, f"testset.systems={{draft:{DRAFT}}}", "bleu.max_ngram_order=2", f"gate.baseline={tmp_path / 'a'}",
                    f"report.dir={tmp_path / 'run'}")
    assert gated.code == 2 and "bleu.max_ngram_order: baseline 4, this run 2" in gated.err, gated.err
    merged = run_cli(f"merge=[{tmp_path / 'a'},{tmp_path / 'b'}]", f"report.dir={tmp_path / 'merged'}")
    assert merged.code == 2 and "bleu.max_ngram_order" in merged.err and "Traceback" not in merged.err, merged.err
