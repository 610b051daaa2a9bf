"""The self-contained HTML report: summary, plots, a pair comparison and a
segment reader.

Everything is in one file: inline CSS, inline SVG figures (matplotlib) and
one inline script; nothing is fetched. The summary is rendered here by
Jinja2 with autoescaping. The segments travel once, as a JSON block, and the
page's script builds the reader from them with textContent only, so no input
text is ever parsed as markup; diffs, winner badges, filters and the pair
views are computed in the page, from that data and from the pair tables
counted here over every segment (pair_stats).
"""

from __future__ import annotations

import json
from typing import Any, Dict, List, Optional, Sequence

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from ..config import ReportConfig
from ..flags import flagged_lines
from ..results import RunResult, SystemResult
from . import plots
from .pair_stats import pair_tables
from .segment_selection import select_segments
from .summary import FLAG_LABELS, summarize

# Short flag names the page shows as badges on a draft, by SystemFlags field.
FLAG_BADGES = {
    "empty": "empty",
    "identical_to_source": "copied source",
    "untranslated": "untranslated",
    "length_ratio_outliers": "length outlier",
    "duplicated": "duplicate",
}
# Line numbers listed under a collapsed flag in the summary at most.
FLAG_LINES_LISTED = 500


def render_html(result: RunResult, max_segments: Optional[int] = None) -> str:
    """The page, embedding at most ``max_segments`` segments (report.html_segments)."""
    max_segments = max_segments or ReportConfig.html_segments
    environment = Environment(loader=PackageLoader("mt_eval.reports", "templates"), autoescape=select_autoescape(["html"]))
    template = environment.get_template("report.html")
    scored = _scored_metrics(result)
    metrics = [_metric_info(result, m) for m in scored]
    shown = select_segments(result, scored, max_segments)
    return template.render(
        result=result,
        summary=summarize(result),
        figures=_figures(result, scored),
        flag_groups=_flag_groups(result),
        page_data=_json_block(_page_data(result, scored, metrics, shown)),
        shown_count=len(shown),
        systems=[system.name for system in result.systems],
        metrics=metrics,
        references=len(result.testset.texts.references),
        flag_badges=FLAG_BADGES,
        labels={metric: result.info(metric).label for metric in result.metrics},
    )


def _scored_metrics(result: RunResult) -> List[str]:
    return [m for m in result.metrics if all(s.scores.get(m) and s.scores[m].ok and s.scores[m].segments is not None
                                             for s in result.systems)]


def _segment_scores(system: SystemResult, metric: str) -> List[float]:
    """A scored metric's per-segment scores (``_scored_metrics`` keeps only
    metrics every system has them for)."""
    segments = system.scores[metric].segments
    if segments is None:
        raise ValueError(f"{metric}: system {system.name!r} has no segment scores")
    return segments


def _metric_info(result: RunResult, metric: str) -> Dict[str, Any]:
    info = result.info(metric)
    return {"key": metric, "label": info.label, "digits": info.digits, "higher": info.higher_is_better, "tie": info.tie_tolerance}


def _figures(result: RunResult, scored: List[str]) -> List[Dict[str, Any]]:
    """Figures over every segment; the pair scatter is drawn by the page for
    the pair the reader chooses."""
    if not scored:
        return []
    systems = result.systems
    _label = {m: result.info(m).label for m in scored}.__getitem__
    figures = [
        {"title": "Scores with confidence intervals", "svg": plots.scores_with_intervals(
            {_label(m): {s.name: (s.scores[m].score, *(s.scores[m].ci or (None, None))) for s in systems} for m in scored})},
        {"title": "Segment-level scores", "svg": plots.segment_distributions(
            {_label(m): {s.name: _segment_scores(s, m) for s in systems} for m in scored})},
    ]
    source = result.testset.texts.source
    if len(source) >= 8:
        figures.append({"title": "Mean segment score by source length", "svg": plots.scores_by_length(
            {_label(m): {s.name: _segment_scores(s, m) for s in systems} for m in scored}, [len(x.split()) for x in source])})
    return [{"title": f["title"], "svg": Markup(f["svg"])} for f in figures]  # matplotlib's own SVG, no input text in it but names, escaped by it


def _flag_groups(result: RunResult) -> List[Dict[str, Any]]:
    """One collapsible entry per system and kind of flag, with its count."""
    groups = []
    for system in result.systems:
        for kind, label in FLAG_LABELS.items():
            found = system.flags.get(kind) or []
            if not found:
                continue
            lines = sorted(flagged_lines(kind, found))
            groups.append({"system": system.name, "label": label, "count": len(lines),
                           "lines": lines[:FLAG_LINES_LISTED], "more": max(0, len(lines) - FLAG_LINES_LISTED)})
    return groups


def _segment_flags(result: RunResult) -> List[Dict[int, List[str]]]:
    """Per system: 0-based segment index → flag kinds on it."""
    line_to_index = {line: i for i, line in enumerate(result.testset.line_numbers or range(1, result.testset.segments + 1))}
    per_system = []
    for system in result.systems:
        marked: Dict[int, List[str]] = {}
        for kind in FLAG_BADGES:
            for line in flagged_lines(kind, system.flags.get(kind) or []):
                if line in line_to_index:
                    marked.setdefault(line_to_index[line], []).append(kind)
        per_system.append(marked)
    return per_system


def _page_data(result: RunResult, scored: List[str], metrics: List[Dict[str, Any]], shown: Sequence[int]) -> Dict[str, Any]:
    source = result.testset.texts.source
    references = result.testset.texts.references
    lines = result.testset.line_numbers or list(range(1, result.testset.segments + 1))
    flags = _segment_flags(result)
    spans = [_error_spans(result, system) for system in result.systems]
    segments = []
    for i in shown:
        segment: Dict[str, Any] = {
            "line": lines[i],
            "src": source[i] if i < len(source) else "",
            "refs": [r[i] for r in references],
            "out": [s.outputs[i] if i < len(s.outputs) else "" for s in result.systems],
        }
        marked = [flags[k].get(i, []) for k in range(len(result.systems))]
        if any(marked):
            segment["flags"] = marked
        found = [_spans(all_spans[i]) if all_spans and i < len(all_spans) else None for all_spans in spans]
        if any(found):
            segment["spans"] = found
        segments.append(segment)
    # Scores metric-major: values[k][m * systems + s].
    columns = [_segment_scores(s, m) for m in scored for s in result.systems]
    return {
        "systems": [s.name for s in result.systems],
        "metrics": metrics,
        "references": len(references),
        "total": result.testset.segments,
        "segments": segments,
        "values": [[round(segments[i], 6) for segments in columns] for i in shown],
        "pairs": pair_tables(result, scored) if len(result.systems) > 1 else None,
        "comparisons": _comparisons(result, scored),
        "flagLabels": FLAG_BADGES,
    }


def _error_spans(result: RunResult, system: Any) -> Optional[List[Any]]:
    """Per-segment error spans of the first metric that gives them (xCOMET)."""
    for metric in result.metrics:
        key = result.info(metric).spans_detail
        score = system.scores.get(metric)
        spans = score.details.get(key) if key and score is not None and score.ok else None
        # One entry per segment, each a list of spans or None; anything else is not spans.
        if isinstance(spans, list) and len(spans) == result.testset.segments and all(x is None or isinstance(x, list) for x in spans):
            return list(spans)
    return None


def _spans(spans: Any) -> Any:
    """xCOMET's error spans as [start, end, severity], in output characters."""
    if not spans:
        return None
    kept = []
    for span in spans if isinstance(spans, list) else []:
        try:
            start, end = int(span.get("start", 0)), int(span.get("end", 0))
        except (TypeError, ValueError, AttributeError):
            continue
        if end > start >= 0:
            kept.append([start, end, str(span.get("severity", "minor")).lower()])
    return kept or None


def _comparisons(result: RunResult, scored: List[str]) -> List[Dict[str, Any]]:
    """The run's significance tests, by system position, for the pair view."""
    position = {s.name: k for k, s in enumerate(result.systems)}
    found = []
    for c in result.comparisons:
        if c.get("metric") in scored and c.get("a") in position and c.get("b") in position:
            found.append({"a": position[c["a"]], "b": position[c["b"]], "metric": scored.index(c["metric"]),
                          "p": c.get("p_adjusted"), "significant": bool(c.get("significant"))})
    return found


def _json_block(data: Dict[str, Any]) -> Markup:
    # "<" escaped so that no text in the data can close the script element.
    return Markup(json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False).replace("<", "\\u003c"))
