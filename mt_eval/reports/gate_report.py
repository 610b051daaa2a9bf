"""The gate's outputs: a rich verdict table, a Markdown summary (for
$GITHUB_STEP_SUMMARY) and JUnit XML (one test case per system × metric)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import List, Optional

from rich.console import Console
from rich.table import Table

from ..gate import FAILING, NOTICE, GateResult, Verdict
from .summary import METRIC_LABELS

STYLES = {"pass": "green", "regression": "bold red", "below-min": "bold red", "missing": "bold red", "notice": "yellow"}


def _number(value: Optional[float], digits: int = 2, signed: bool = False) -> str:
    if value is None:
        return "—"
    return f"{value:+.{digits}f}" if signed else f"{value:.{digits}f}"


def _row(verdict: Verdict) -> List[str]:
    ci = f"[{verdict.ci[0]:.2f}–{verdict.ci[1]:.2f}]" if verdict.ci else "—"
    p = f"{verdict.p_value:.4f}" if verdict.p_value is not None else "—"
    return [verdict.system, METRIC_LABELS.get(verdict.metric, verdict.metric), _number(verdict.baseline),
            _number(verdict.current), _number(verdict.delta, signed=True), ci, p, verdict.verdict]


HEADERS = ["system", "metric", "baseline", "current", "Δ", "CI", "p", "verdict"]


def headline(result: GateResult) -> str:
    failed = sum(1 for v in result.verdicts if v.failed)
    notices = sum(1 for v in result.verdicts if v.verdict == NOTICE)
    checks = len(result.verdicts) - notices
    tail = (f", {notices} notice{'s' if notices != 1 else ''}" if notices else "") + f" against {result.baseline_path}"
    if failed:
        return f"REGRESSION: {failed} of {checks} checks failed" + tail
    return f"no regression: {checks} checks passed" + tail


def render_terminal(result: GateResult, console: Console) -> None:
    table = Table(title="regression gate")
    for header in HEADERS:
        table.add_column(header, justify="left" if header in ("system", "metric", "verdict") else "right")
    for verdict in result.verdicts:
        cells = _row(verdict)
        table.add_row(*cells[:-1], f"[{STYLES.get(verdict.verdict, '')}]{cells[-1]}[/]")
    console.print(table)
    for verdict in result.verdicts:
        if verdict.reason and (verdict.failed or verdict.verdict == NOTICE or verdict.p_value is not None):
            console.print(f"  {verdict.system} {verdict.metric}: {verdict.reason}", highlight=False, soft_wrap=True)
    for notice in result.notices:
        console.print(f"  notice: {notice}", highlight=False, soft_wrap=True)
    console.print(headline(result), style="bold red" if result.failed else "bold green", highlight=False, soft_wrap=True)


def render_markdown(result: GateResult) -> str:
    icon = "❌" if result.failed else "✅"
    lines = [f"### {icon} mt-eval gate: {headline(result)}", "", "| " + " | ".join(HEADERS) + " |", "|---|---|" + "---:|" * 5 + "---|"]
    for verdict in result.verdicts:
        cells = _row(verdict)
        if verdict.failed:
            cells[-1] = f"**{cells[-1]}**"
        lines.append("| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |")
    details = [f"- {v.system} {v.metric}: {v.reason}" for v in result.verdicts if v.reason] + [f"- notice: {n}" for n in result.notices]
    if details:
        lines += [""] + details
    return "\n".join(lines) + "\n"


def render_junit(result: GateResult) -> str:
    """JUnit XML in the common (Jenkins/Ant) form that CI systems display."""
    failures = sum(1 for v in result.verdicts if v.failed)
    skipped = sum(1 for v in result.verdicts if v.verdict == NOTICE)
    suites = ET.Element("testsuites", name="mt-eval gate", tests=str(len(result.verdicts)), failures=str(failures))
    suite = ET.SubElement(suites, "testsuite", name="mt-eval gate", tests=str(len(result.verdicts)),
                          failures=str(failures), errors="0", skipped=str(skipped))
    for verdict in result.verdicts:
        case = ET.SubElement(suite, "testcase", classname=f"mt-eval.{verdict.system}", name=verdict.metric)
        if verdict.verdict in FAILING:
            failure = ET.SubElement(case, "failure", message=verdict.reason or verdict.verdict, type=verdict.verdict)
            failure.text = " ".join(_row(verdict))
        elif verdict.verdict == NOTICE:
            ET.SubElement(case, "skipped", message=verdict.reason)
        elif verdict.reason:
            ET.SubElement(case, "system-out").text = verdict.reason
    ET.indent(suites)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"
