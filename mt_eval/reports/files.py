"""Report files, written atomically.

All files of a run are rendered first, then each is written to a temporary
file beside its target and moved into place with ``os.replace``: a run that
fails or is interrupted leaves either the old file or the new one, never a
half-written one.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Dict, List, Sequence

from ..errors import ConfigError
from ..results import RunResult
from .summary import summarize


def render_json(result: RunResult) -> str:
    return result.to_json()


def render_markdown(result: RunResult) -> str:
    """GitHub-flavoured Markdown, usable as a PR comment or step summary as is."""
    summary = summarize(result)
    info = result.testset
    lines = [
        f"### mt-eval: {info.name}",
        "",
        f"{info.segments} segments · checksum `{info.checksum}`",
        "",
        "| system | " + " | ".join(summary.headers) + " | flags |",
        "|---|" + "---:|" * len(summary.headers) + "---:|",
    ]
    for name, cells, flag_count in summary.rows:
        shown = [_markdown_cell(cell) for cell in cells]
        lines.append(f"| {_escape(name)} | " + " | ".join(shown) + f" | {flag_count} |")
    lines.append("")
    lines.append("Best per metric in **bold**; [low–high] is the confidence interval, gN the rank group.")
    for title, items in (("Statistics", summary.statistics + summary.significant), ("Flags", summary.flags), ("Skipped", summary.skipped), ("Notes", summary.notes)):
        if items:
            lines += ["", f"**{title}**", ""] + [f"- {item}" for item in items]
    for metric, (names, matrix) in summary.wins.items():
        lines += ["", f"**Wins, {metric}** (row significantly better than column)", ""]
        lines.append("| | " + " | ".join(_escape(n) for n in names) + " |")
        lines.append("|---|" + ":---:|" * len(names))
        for i, name in enumerate(names):
            row = ["—" if i == j else ("✓" if matrix[i][j] else "") for j in range(len(names))]
            lines.append(f"| {_escape(name)} | " + " | ".join(row) + " |")
    lines += ["", "**Signatures**", ""] + [f"- {metric}: `{signature}`" for metric, signature in summary.signatures.items()]
    return "\n".join(lines) + "\n"


def _markdown_cell(cell) -> str:
    if cell.skipped:
        return "_skipped_"
    text = f"**{cell.text}**" if cell.best else cell.text
    return " ".join(part for part in (text, cell.interval, cell.group) if part)


def _escape(text: str) -> str:
    return text.replace("|", "\\|")


RENDERERS: Dict[str, tuple] = {
    "json": ("report.json", render_json),
    "md": ("report.md", render_markdown),
}


def check_formats(formats: Sequence[str]) -> List[str]:
    unknown = [f for f in formats if f not in RENDERERS]
    if unknown:
        raise ConfigError(f"report.formats: unknown format(s) {', '.join(map(repr, unknown))}. Known: {', '.join(RENDERERS)}.")
    return list(formats)


def write_reports(result: RunResult, directory: str | Path, formats: Sequence[str]) -> List[Path]:
    """Render every requested format, then move each into place atomically."""
    directory = Path(directory)
    rendered = []
    for fmt in check_formats(formats):
        filename, renderer = RENDERERS[fmt]
        rendered.append((directory / filename, renderer(result)))
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for path, content in rendered:
        atomic_write_text(path, content)
        written.append(path)
    return written


def atomic_write_text(path: Path, content: str) -> None:
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(content)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
