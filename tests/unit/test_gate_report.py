"""reports/gate_report.py: the gate's verdicts as Markdown and JUnit XML."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from mt_eval.gate import GateResult, Verdict, compare
from mt_eval.reports.gate_report import render_junit, render_markdown
from mt_eval.results import RunResult


def test_gate_shows_enough_digits_for_a_tiny_failing_drop(tmp_path, quick_baseline, compose_config):
    base, current = RunResult.load(quick_baseline), RunResult.load(quick_baseline)
    current.systems[0].scores["bleu"].score -= 0.0004
    config = compose_config("stats.resamples=100")
    result = compare(base, current, config.gate, {}, config.stats)
    markdown = render_markdown(result)
    assert result.failed and "-0.0004" in markdown and "-0.00 " not in markdown


def test_junit_is_well_formed_for_any_text():
    result = GateResult("b\x01.json", [Verdict("sys<&\"'>\x01\x1b", "bleu", "regression", 1.0, 0.5, -0.5, 0.5, reason="x\x00y\x0bz")])
    ET.fromstring(render_junit(result).split("\n", 1)[1])
