"""Merging shards, as someone who splits a run across machines meets it:
runs of one test set, each scoring some of the systems, merge (merge=[...])
into the report one joint run gives, statistics included, and shards scored
with different settings are refused."""

from __future__ import annotations

import json

import pytest

from conftest import DRAFT, PRESSTV, REFERENCE, SOURCE, plugin_inputs, run_with_plugin

BUNDLED_SYSTEMS = f"testset.systems={{draft:{DRAFT},presstv:{PRESSTV}}}"


def test_merged_shards_equal_one_joint_run(run_cli, tmp_path):
    common = [f"testset.source={SOURCE}", f"testset.references=[{REFERENCE}]", "metrics=[bleu,chrf]", "report.terminal=false"]
    assert run_cli(*common, f"testset.systems={{draft:{DRAFT}}}", f"report.dir={tmp_path / 'a'}").code == 0
    assert run_cli(*common, f"testset.systems={{presstv:{PRESSTV}}}", f"report.dir={tmp_path / 'b'}").code == 0
    assert run_cli(*common, BUNDLED_SYSTEMS, f"report.dir={tmp_path / 'joint'}").code == 0
    merged = run_cli(f"merge=[{tmp_path / 'a'},{tmp_path / 'b' / 'report.json'}]", "report.terminal=false", f"report.dir={tmp_path / 'merged'}")
    assert merged.code == 0, merged.err
    joint = json.loads((tmp_path / "joint" / "report.json").read_text())
    together = json.loads((tmp_path / "merged" / "report.json").read_text())
    assert together["comparisons"] == joint["comparisons"]
    for ours, theirs in zip(together["systems"], joint["systems"]):
        for metric in ("bleu", "chrf"):
            for key in ("score", "ci", "bootstrap_mean", "rank_group", "signature", "segments"):
                assert ours["scores"][metric][key] == theirs["scores"][metric][key], (metric, key)


def test_shards_of_different_settings_are_refused(run_cli, tmp_path):
    common = [f"testset.source={SOURCE}", f"testset.references=[{REFERENCE}]", "metrics=[bleu]", "report.terminal=false"]
    assert run_cli(*common, f"testset.systems={{draft:{DRAFT}}}", f"report.dir={tmp_path / 'a'}").code == 0
    assert run_cli(*common, f"testset.systems={{presstv:{PRESSTV}}}", "bleu.tokenize=intl", f"report.dir={tmp_path / 'b'}").code == 0
    refused = run_cli(f"merge=[{tmp_path / 'a'},{tmp_path / 'b'}]", f"report.dir={tmp_path / 'merged'}")
    assert refused.code == 2 and f"bleu.tokenize: {tmp_path / 'a'} 13a, {tmp_path / 'b'} intl" in refused.err


def test_merge_handles_a_plugin_metric(plugin_path, copy_of_reference, tmp_path):
    """A metric from another package (tests/test_metric_plugin.py): one
    system per shard merges into the joint run, the metric's label kept."""
    joint_run = run_with_plugin(plugin_path, *plugin_inputs(copy_of_reference), "metrics=[exact_match]", "report.dir=base", cwd=tmp_path)
    assert joint_run.returncode == 0, joint_run.stderr
    for name, path in (("draft", DRAFT), ("copy", copy_of_reference)):
        shard = run_with_plugin(plugin_path, f"testset.source={SOURCE}", f"testset.references=[{REFERENCE}]", f"testset.systems={{{name}:{path}}}",
                                "metrics=[exact_match]", f"report.dir=shard-{name}", cwd=tmp_path)
        assert shard.returncode == 0, shard.stderr
    merged = run_with_plugin(plugin_path, "merge=[shard-draft,shard-copy]", "report.dir=merged", cwd=tmp_path)
    assert merged.returncode == 0, merged.stderr
    joint = json.loads((tmp_path / "base" / "report.json").read_text(encoding="utf-8"))
    combined = json.loads((tmp_path / "merged" / "report.json").read_text(encoding="utf-8"))
    assert combined["metric_info"]["exact_match"]["label"] == "EM"
    for ours, theirs in zip(sorted(combined["systems"], key=lambda s: s["name"]), sorted(joint["systems"], key=lambda s: s["name"])):
        assert ours["scores"]["exact_match"]["score"] == theirs["scores"]["exact_match"]["score"]
        assert ours["scores"]["exact_match"]["ci"] == theirs["scores"]["exact_match"]["ci"]


@pytest.mark.parametrize("option", ["stats.seed=9", "stats.resamples=200", "metrics=[bleu]", "bleu.max_ngram_order=2", "chrf.beta=1"])
def test_an_option_a_merge_cannot_honour_is_refused(run_cli, tmp_path, option):
    """A merge takes metrics, their options and statistics settings from
    its shards: a different value given with it is refused, not ignored."""
    common = [f"testset.source={SOURCE}", f"testset.references=[{REFERENCE}]", "metrics=[bleu,chrf]", "report.terminal=false",
              "stats.resamples=100"]
    for name, path in (("a", DRAFT), ("b", PRESSTV)):
        assert run_cli(*common, f"testset.systems={{{name}:{path}}}", f"report.dir={tmp_path / name}").code == 0
    key = option.split("=")[0]
    result = run_cli(f"merge=[{tmp_path / 'a'},{tmp_path / 'b'}]", option, f"report.dir={tmp_path / 'merged'}")
    assert result.code == 2 and f"merge: {key}=" in result.err and "cannot be honoured" in result.err, result.err
    same = run_cli(f"merge=[{tmp_path / 'a'},{tmp_path / 'b'}]", "stats.resamples=100", "metrics=[bleu,chrf]",
                   f"report.dir={tmp_path / 'same'}")
    assert same.code == 0, same.err
