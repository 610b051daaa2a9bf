"""Report files: what each format renders, by name.

All files of a run are rendered first, then written as one set by
``report_set``: a run that fails or is interrupted leaves the earlier set
as it was, never a mix. Each rendering of a set is sealed (see
``report_seal``): a new run id, written into report.json and the data file,
and report.json records the data file's hash, size and row count, so the
data file is rendered first.
"""

from __future__ import annotations

import json
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple, Union

from ..errors import ConfigError
from ..plain import markdown_cell, markdown_code
from .. import report_seal, segment_table
from ..results import RunResult
from .summary import Cell, summarize


def render_json(result: RunResult) -> str:
    return result.to_json()


def render_markdown(result: RunResult) -> str:
    """GitHub-flavoured Markdown, usable as a PR comment or step summary as is."""
    summary = summarize(result)
    info = result.testset
    lines = [
        f"### mt-eval: {_escape(info.name)}",
        "",
        f"{info.segments} segments · checksum {markdown_code(info.checksum)}",
        "",
        "| system | " + " | ".join(_escape(header) for header in summary.headers) + " | flags |",
        "|---|" + "---:|" * len(summary.headers) + "---:|",
    ]
    for name, cells, flag_count in summary.rows:
        shown = [_markdown_cell(cell) for cell in cells]
        lines.append(f"| {_escape(name)} | " + " | ".join(shown) + f" | {flag_count} |")
    lines.append("")
    lines.append("Best per metric in **bold**; [low–high] is the confidence interval, gN the rank group.")
    for title, items in (("Statistics", summary.statistics + summary.significant), ("Flags", summary.flags), ("Skipped", summary.skipped), ("Notes", summary.notes)):
        if items:
            lines += ["", f"**{title}**", ""] + [f"- {_escape(item)}" for item in items]
    for metric, (names, matrix) in summary.wins.items():
        lines += ["", f"**Wins, {_escape(result.info(metric).label)}** (row significantly better than column)", ""]
        lines.append("| | " + " | ".join(_escape(n) for n in names) + " |")
        lines.append("|---|" + ":---:|" * len(names))
        for i, name in enumerate(names):
            row = ["—" if i == j else ("✓" if matrix[i][j] else "") for j in range(len(names))]
            lines.append(f"| {_escape(name)} | " + " | ".join(row) + " |")
    lines += ["", "**Signatures**", ""] + [f"- {_escape(metric)}: {markdown_code(signature)}" for metric, signature in summary.signatures.items()]
    return "\n".join(lines) + "\n"


def _markdown_cell(cell: Cell) -> str:
    if cell.skipped:
        return "_skipped_"
    text = f"**{cell.text}**" if cell.best else cell.text
    return " ".join(part for part in (text, cell.interval, cell.group) if part)


def _escape(text: str) -> str:
    return markdown_cell(text)


def segment_rows(result: RunResult) -> List[Dict[str, Any]]:
    """One row per system × segment: ids, texts and every segment score."""
    source = result.testset.texts.source
    references = result.testset.texts.references
    lines = result.testset.line_numbers or list(range(1, len(source) + 1))
    rows = []
    for system in result.systems:
        for i, text in enumerate(source):
            row: Dict[str, Any] = {
                "system": system.name, "segment": i, "line": lines[i], "source": text,
                "references": [refs[i] for refs in references],
                "output": system.outputs[i] if i < len(system.outputs) else None,
            }
            for metric in result.metrics:
                score = system.scores.get(metric)
                row[metric] = score.segments[i] if score is not None and score.ok and score.segments else None
            rows.append(row)
    return rows


def render_segments_jsonl(result: RunResult) -> str:
    return "".join(json.dumps(row, ensure_ascii=False, allow_nan=False) + "\n" for row in segment_rows(result))


def render_segments_parquet(result: RunResult) -> bytes:
    return segment_table.render(result)


def render_html(result: RunResult, max_segments: Optional[int] = None) -> str:
    from .html import render_html as render  # jinja2 and matplotlib only when HTML is asked for

    return render(result, max_segments)


# format → the files it writes, each with its renderer (text or bytes)
RENDERERS: Dict[str, List[Tuple[str, Callable[[RunResult], Union[str, bytes]]]]] = {
    # report.json keeps the summary; texts and statistics go beside it.
    "json": [("report.json", render_json), (segment_table.FILE_NAME, render_segments_parquet)],
    "md": [("report.md", render_markdown)],
    "html": [("report.html", render_html)],
    "segments": [("segments.jsonl", render_segments_jsonl), (segment_table.FILE_NAME, render_segments_parquet)],
}


def check_formats(formats: Sequence[str]) -> List[str]:
    unknown = [f for f in formats if f not in RENDERERS]
    if unknown:
        raise ConfigError(f"report.formats: unknown format(s) {', '.join(map(repr, unknown))}. Known: {', '.join(RENDERERS)}.")
    return list(formats)


def report_file_names() -> List[str]:
    """Every file name a report set of any format may hold."""
    return list(dict.fromkeys(filename for files in RENDERERS.values() for filename, _ in files))


def render_files(result: RunResult, formats: Sequence[str], html_segments: Optional[int] = None) -> Dict[str, Union[str, bytes]]:
    """Render every requested format: file name → content. Stamps
    ``result`` with the set's seal (run id and data file seals)."""
    formats = check_formats(formats)
    rendered: Dict[str, Union[str, bytes]] = {}
    result.run_id = report_seal.new_run_id()
    result.files = {}
    early: Dict[str, bytes] = {}
    if any(name == segment_table.FILE_NAME for fmt in formats for name, _ in RENDERERS[fmt]):
        early[segment_table.FILE_NAME] = render_segments_parquet(result)
        result.files[segment_table.FILE_NAME] = report_seal.seal_of(early[segment_table.FILE_NAME],
                                                                    len(result.systems) * result.testset.segments)
    for fmt in formats:
        for filename, renderer in RENDERERS[fmt]:
            if filename in rendered:  # segments.parquet serves two formats
                continue
            if filename in early:
                rendered[filename] = early[filename]
            else:
                rendered[filename] = render_html(result, html_segments) if renderer is render_html else renderer(result)
    return rendered
