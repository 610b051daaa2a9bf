"""The rich terminal view: systems × metrics, flags, notes, signatures.

Rendered into any ``rich.console.Console``; when output is not a terminal,
rich emits plain text, so CI logs stay readable.
"""

from __future__ import annotations

from typing import List, Tuple

from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

from ..results import RunResult
from ..plain import visible
from .summary import summarize


# Beyond this many systems, pairwise results are summarised as wins per system.
COMPACT_ABOVE = 4


def _detail_lines(result: RunResult) -> List[Tuple[str, List[str]]]:
    """Per metric that declares details to show (COMET: how much came from
    its cache), one line per system: "draft: 12 segments from the cache, 2 scored now"."""
    sections = []
    for metric in result.metrics:
        info = result.info(metric)
        if not info.shown_details:
            continue
        lines = []
        for system in result.systems:
            score = system.scores.get(metric)
            if score is None or not score.ok:
                continue
            shown = [f"{score.details[key]} {label}" for key, label in info.shown_details if score.details.get(key) is not None]
            if shown:
                lines.append(f"{system.name}: " + ", ".join(shown))
        if lines:
            sections.append((info.label, lines))
    return sections


def render(result: RunResult, console: Console) -> None:
    summary = summarize(result)
    info = result.testset
    # Names are Text, never markup: a system called "gpt[/temp]" is a name.
    table = Table(
        title=Text(f"{visible(info.name)} · {info.segments} segments"),
        caption="* best · ± half the CI · gN rank group",
    )
    # No cell wraps: in a narrow CI log a wrapped score reads as two numbers.
    table.add_column("system", style="cyan", no_wrap=True, overflow="ellipsis")
    for header in summary.headers:
        table.add_column(Text(visible(header)), justify="right", no_wrap=True)
    table.add_column("flags", justify="right", no_wrap=True)
    for name, cells, flag_count in summary.rows:
        rendered = []
        for cell in cells:
            if cell.skipped:
                rendered.append(Text("skipped", style="dim"))
            elif cell.best:
                rendered.append(Text(f"*{cell.compact}", style="bold green"))
            else:
                rendered.append(Text(cell.compact))
        rendered.append(Text(str(flag_count), style="yellow" if flag_count else "dim"))
        table.add_row(Text(visible(name)), *rendered)
    console.print(table)
    sections = []
    if summary.flags:
        sections.append(Text("Flags", style="bold yellow"))
        sections.extend(Text(f"  {visible(line)}") for line in summary.flags)
    if summary.skipped:
        sections.append(Text("Skipped", style="bold red"))
        sections.extend(Text(f"  {visible(line)}") for line in summary.skipped)
    if summary.statistics:
        sections.append(Text("Statistics", style="bold"))
        sections.extend(Text(f"  {line}", style="yellow" if line.startswith("WEAK") else "") for line in summary.statistics)
        if not summary.tested:
            sections.append(Text("  no significance test ran (stats.method=none): intervals only"))
        elif len(result.systems) > COMPACT_ABOVE:
            sections.extend(Text(f"  {visible(line)}") for line in summary.wins_compact)
        else:
            sections.extend(Text(f"  {visible(line)}") for line in summary.significant or ["no significant differences"])
    for label, lines in _detail_lines(result):
        sections.append(Text(visible(label), style="bold"))
        sections.extend(Text(f"  {visible(line)}") for line in lines)
    sections.append(Text("Notes", style="bold"))
    sections.append(Text(f"  test set checksum: {info.checksum}"))
    sections.extend(Text(f"  {visible(line)}") for line in summary.notes)
    sections.append(Text("Signatures", style="bold"))
    sections.extend(Text(f"  {visible(metric)}: {visible(signature)}") for metric, signature in summary.signatures.items())
    # Long signatures stay on one line each: wrapped, they cannot be copied.
    console.print(Group(*sections), soft_wrap=True)
