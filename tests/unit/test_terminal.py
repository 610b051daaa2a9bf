"""reports/terminal.py: the rich view of a run, rendered directly from a
RunResult read back. (The view as a first-hour user sees it: tests/test_first_hour.py.)"""

from __future__ import annotations

import io

from rich.console import Console

from mt_eval.reports.terminal import render
from mt_eval.results import MetricResult, RunResult


def test_terminal_view_renders_plain_when_not_a_terminal(default_report):
    result = RunResult.load(default_report / "report.json")
    buffer = io.StringIO()
    render(result, Console(file=buffer, width=120))
    text = buffer.getvalue()
    assert "\x1b[" not in text  # no control codes in a CI log
    assert "al-mayadeen-2021-07-25 · 14 segments" in text
    draft_row = next(line for line in text.splitlines() if "draft" in line)
    best = {s.name: s.scores["bleu"].score for s in result.systems}
    assert ("*" in draft_row) == (best["draft"] > best["presstv"])
    assert "bleu: nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp" in text
    assert "presstv: length ratio outlier" in text


def test_terminal_view_marks_skipped_metrics(default_report):
    result = RunResult.load(default_report / "report.json")
    result.systems[0].scores["chrf"] = MetricResult.skipped("chrf", "the model could not be loaded")
    buffer = io.StringIO()
    render(result, Console(file=buffer, width=120))
    assert "skipped" in buffer.getvalue()
    assert "the model could not be loaded" in buffer.getvalue()
