"""gate.compare, called directly: two RunResults and the gate's settings in,
verdicts out. (The gate on the command line: tests/test_gate.py.)"""

from __future__ import annotations

from mt_eval.gate import compare
from mt_eval.results import MetricResult, RunResult


def test_a_metric_the_baseline_scored_but_the_run_skipped_fails(tmp_path, baseline, compose_config):
    base = RunResult.load(baseline)
    current = RunResult.load(baseline)
    for system in current.systems:
        system.scores["chrf"] = MetricResult.skipped("chrf", "no model")
    config = compose_config(f"gate.baseline={baseline}")
    settings, stats = config.gate, config.stats
    result = compare(base, current, settings, {}, stats)
    assert result.failed  # the baseline has chrF scores: a skip in the run is never a pass
    chrf = [v for v in result.verdicts if v.metric == "chrf"]
    assert {v.verdict for v in chrf} == {"missing"} and "skipped in this run: no model" in chrf[0].reason
    settings.max_drop.chrf = 1.0
    result = compare(base, current, settings, {}, stats)
    assert {v.verdict for v in result.verdicts if v.metric == "chrf"} == {"missing"}
