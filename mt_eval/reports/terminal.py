"""The rich terminal view: systems × metrics, flags, notes, signatures.

Rendered into any ``rich.console.Console``; when output is not a terminal,
rich emits plain text, so CI logs stay readable.
"""

from __future__ import annotations

from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

from ..results import RunResult
from ..plain import visible
from .summary import summarize


# Beyond this many systems, pairwise results are summarised as wins per system.
COMPACT_ABOVE = 4


def _comet_cache_lines(result: RunResult) -> list:
    """How much of COMET came from the persistent cache, per system."""
    lines = []
    for system in result.systems:
        score = system.scores.get("comet")
        if score is None or score.status != "ok":
            continue
        details = score.details
        encoded = details.get("sentences_encoded")
        lines.append(f"{system.name}: {details.get('segments_cached', 0)} segments from the cache, {details.get('segments_fresh', 0)} scored now"
                     + (f" ({encoded} sentences encoded)" if encoded is not None else ""))
    return lines


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
        table.add_column(header, justify="right", no_wrap=True)
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
    comet_lines = _comet_cache_lines(result)
    if comet_lines:
        sections.append(Text("COMET", style="bold"))
        sections.extend(Text(f"  {visible(line)}") for line in comet_lines)
    sections.append(Text("Notes", style="bold"))
    sections.append(Text(f"  test set checksum: {info.checksum}"))
    sections.extend(Text(f"  {visible(line)}") for line in summary.notes)
    sections.append(Text("Signatures", style="bold"))
    sections.extend(Text(f"  {metric}: {signature}") for metric, signature in summary.signatures.items())
    # Long signatures stay on one line each: wrapped, they cannot be copied.
    console.print(Group(*sections), soft_wrap=True)
