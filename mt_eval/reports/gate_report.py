"""The gate's outputs: a rich verdict table, a Markdown summary (for
$GITHUB_STEP_SUMMARY) and JUnit XML (one test case per system × metric).

Names and reasons are plain text everywhere: rich gets ``Text`` objects
(never markup strings), Markdown cells are escaped, and XML text has the
characters XML 1.0 cannot hold replaced.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import List, Optional

from rich.console import Console
from rich.table import Table
from rich.text import Text

from ..gate import FAILING, NOTICE, GateResult, Verdict, digits_for
from ..plain import markdown_cell, visible, xml_text

STYLES = {"pass": "green", "regression": "bold red", "below-min": "bold red", "missing": "bold red", "notice": "yellow"}
HEADERS = ["system", "metric", "baseline", "current", "Δ", "Δ interval", "p", "verdict"]


def _number(value: Optional[float], digits: int = 2, signed: bool = False) -> str:
    if value is None:
        return "—"
    return f"{value:+.{digits}f}" if signed else f"{value:.{digits}f}"


def _row(verdict: Verdict) -> List[str]:
    # As many digits as it takes to show a difference that failed: never "Δ -0.00, regression".
    digits = digits_for(verdict.delta, 0.0) if verdict.delta is not None else 2
    if verdict.delta is not None and verdict.allowed is not None and verdict.drop is not None:
        digits = max(digits, digits_for(verdict.drop, verdict.allowed))
    ci = (f"{verdict.delta_ci[0]:+.{digits}f}…{verdict.delta_ci[1]:+.{digits}f}" if verdict.delta_ci else "—")
    p = f"{verdict.p_value:.4f}" if verdict.p_value is not None else "—"
    return [verdict.system, verdict.label or verdict.metric, _number(verdict.baseline, max(2, digits)),
            _number(verdict.current, max(2, digits)), _number(verdict.delta, digits, signed=True), ci, p, verdict.verdict]


def headline(result: GateResult) -> str:
    failed = sum(1 for v in result.verdicts if v.failed)
    notices = sum(1 for v in result.verdicts if v.verdict == NOTICE)
    checks = len(result.verdicts) - notices
    tail = (f", {notices} notice{'s' if notices != 1 else ''}" if notices else "") + f" against {result.baseline_path}"
    if failed:
        return f"REGRESSION: {failed} of {checks} checks failed" + tail
    return f"no regression: {result.compared} checks passed" + tail


def render_terminal(result: GateResult, console: Console) -> None:
    table = Table(title="regression gate")
    for header in HEADERS:
        # No cell wraps: in an 80-column CI log a wrapped interval reads as two rows.
        table.add_column(header, justify="left" if header in ("system", "metric", "verdict") else "right",
                         no_wrap=True, overflow="ellipsis" if header == "system" else "fold")
    for verdict in result.verdicts:
        cells = [Text(visible(cell)) for cell in _row(verdict)]
        cells[-1].stylize(STYLES.get(verdict.verdict, ""))
        table.add_row(*cells)
    console.print(table)
    for verdict in result.verdicts:
        if verdict.reason and (verdict.failed or verdict.verdict == NOTICE or verdict.p_value is not None):
            console.print(Text(visible(f"  {verdict.system} {verdict.label or verdict.metric}: {verdict.reason}")), soft_wrap=True)
    for notice in result.notices:
        console.print(Text(visible(f"  notice: {notice}")), soft_wrap=True)
    console.print(Text(headline(result), style="bold red" if result.failed else "bold green"), soft_wrap=True)


def render_markdown(result: GateResult) -> str:
    icon = "❌" if result.failed else "✅"
    lines = [f"### {icon} mt-eval gate: {markdown_cell(headline(result))}", "",
             "| " + " | ".join(HEADERS) + " |", "|---|---|" + "---:|" * 5 + "---|"]
    for verdict in result.verdicts:
        cells = [markdown_cell(cell) for cell in _row(verdict)]
        if verdict.failed:
            cells[-1] = f"**{cells[-1]}**"
        lines.append("| " + " | ".join(cells) + " |")
    details = [f"- {markdown_cell(f'{v.system} {v.label or v.metric}: {v.reason}')}" for v in result.verdicts if v.reason]
    details += [f"- notice: {markdown_cell(n)}" for n in result.notices]
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
        case = ET.SubElement(suite, "testcase", classname=xml_text(f"mt-eval.{verdict.system}"), name=xml_text(verdict.metric))
        if verdict.verdict in FAILING:
            failure = ET.SubElement(case, "failure", message=xml_text(verdict.reason or verdict.verdict), type=verdict.verdict)
            failure.text = xml_text(" ".join(_row(verdict)))
        elif verdict.verdict == NOTICE:
            ET.SubElement(case, "skipped", message=xml_text(verdict.reason))
        elif verdict.reason:
            ET.SubElement(case, "system-out").text = xml_text(verdict.reason)
    ET.indent(suites)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"
