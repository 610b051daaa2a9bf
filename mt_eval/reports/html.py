"""The self-contained HTML report: summary, plots and a segment explorer.

Everything is in one file: inline CSS, inline SVG figures (matplotlib), a
few lines of inline JavaScript for sorting and filtering; nothing is fetched.
All input text is escaped by Jinja2's autoescaping; the only markup built
here wraps already-escaped words (diffs, error spans).
"""

from __future__ import annotations

import difflib
import json
from itertools import combinations
from typing import Any, Dict, List, Optional, Sequence

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup, escape

from ..results import RunResult
from . import plots
from .segment_selection import select_segments
from .summary import DIGITS, METRIC_LABELS, summarize


# Segments the explorer embeds at most (report.html_segments): the page stays
# a few MB and opens in seconds; segments.parquet has them all.
DEFAULT_HTML_SEGMENTS = 2000


def render_html(result: RunResult, max_segments: int = DEFAULT_HTML_SEGMENTS) -> str:
    environment = Environment(loader=PackageLoader("mt_eval.reports", "templates"), autoescape=select_autoescape(["html"]))
    template = environment.get_template("report.html")
    scored = _scored_metrics(result)
    names = [system.name for system in result.systems]
    shown = select_segments(result, scored, max_segments)
    return template.render(
        result=result,
        summary=summarize(result),
        figures=_figures(result, scored),
        segments=_segments(result, scored, shown),
        shown_count=len(shown),
        sort_data=_sort_data(result, scored, shown),
        sort_keys=_sort_keys(names, scored),
        systems=names,
        has_references=bool(result.testset.texts.get("references")),
        labels=METRIC_LABELS,
    )


def _scored_metrics(result: RunResult) -> List[str]:
    return [m for m in result.metrics if all(s.scores.get(m) and s.scores[m].status == "ok" for s in result.systems)]


def _label(metric: str) -> str:
    return METRIC_LABELS.get(metric, metric)


def _figures(result: RunResult, scored: List[str]) -> List[Dict[str, Any]]:
    if not scored:
        return []
    systems = result.systems
    figures = [
        {"title": "Scores with confidence intervals", "svg": plots.scores_with_intervals(
            {_label(m): {s.name: (s.scores[m].score, *(s.scores[m].ci or (None, None))) for s in systems} for m in scored})},
        {"title": "Segment-level scores", "svg": plots.segment_distributions(
            {_label(m): {s.name: s.scores[m].segments for s in systems} for m in scored})},
    ]
    if len(systems) >= 2:
        a, b = systems[0], systems[1]
        figures.append({"title": f"Segment by segment: {b.name} against {a.name} (above the diagonal: {b.name} scores higher)",
                        "svg": plots.pairwise_scatter({_label(m): (a.scores[m].segments, b.scores[m].segments) for m in scored}, a.name, b.name)})
    source = result.testset.texts.get("source") or []
    if len(source) >= 8:
        figures.append({"title": "Mean segment score by source length", "svg": plots.scores_by_length(
            {_label(m): {s.name: s.scores[m].segments for s in systems} for m in scored}, [len(x.split()) for x in source])})
    return [{"title": f["title"], "svg": Markup(f["svg"])} for f in figures]  # matplotlib's own SVG, no input text in it but names, escaped by it


def _segments(result: RunResult, scored: List[str], shown: Sequence[int]) -> List[Dict[str, Any]]:
    texts = result.testset.texts
    source = texts.get("source") or []
    references: List[List[str]] = texts.get("references") or []
    lines = result.testset.line_numbers or list(range(1, len(source) + 1))
    rows = []
    for i in shown:
        text = source[i]
        refs = [r[i] for r in references]
        outputs = []
        first = result.systems[0].outputs[i] if result.systems and result.systems[0].outputs else ""
        for position, system in enumerate(result.systems):
            output = system.outputs[i] if i < len(system.outputs) else ""
            scores = {_label(m): f"{system.scores[m].segments[i]:.{DIGITS.get(m, 1)}f}" for m in scored}
            comet = system.scores.get("comet")
            all_spans = comet.details.get("error_spans") if comet is not None and comet.status == "ok" else None
            spans = all_spans[i] if all_spans else None
            if spans:
                markup = _with_error_spans(output, spans)
            elif refs:
                markup = _diff(refs[0], output)
            elif position > 0:
                markup = _diff(first, output)  # no reference: show how each draft differs from the first
            else:
                markup = escape(output)
            outputs.append({"system": system.name, "markup": markup, "scores": scores})
        rows.append({"index": i, "line": lines[i], "source": text, "references": refs, "outputs": outputs})
    return rows


def _sort_data(result: RunResult, scored: List[str], shown: Sequence[int]) -> Markup:
    """The embedded segments' scores, once, as JSON for the page's script
    (differences between systems are computed there, not stored)."""
    columns = [(s, m) for m in scored for s in result.systems]
    data = {
        "columns": [f"{s.name}|{m}" for s, m in columns],
        "values": [[round(s.scores[m].segments[i], 6) for s, m in columns] for i in shown],
    }
    # "<" escaped so that no text in the data can close the script element.
    return Markup(json.dumps(data, separators=(",", ":"), allow_nan=False).replace("<", "\\u003c"))


def _sort_keys(names: Sequence[str], scored: List[str]) -> List[Dict[str, str]]:
    """Options of the sort menu: "c:I" sorts by column I, "d:I:J" by column I minus column J."""
    keys = [{"key": "", "label": "line number"}]
    for k, m in enumerate(scored):
        base = k * len(names)
        keys += [{"key": f"c:{base + i}", "label": f"{n} · {_label(m)}"} for i, n in enumerate(names)]
        keys += [{"key": f"d:{base + j}:{base + i}", "label": f"Δ {_label(m)}: {names[j]} − {names[i]}"}
                 for i, j in combinations(range(len(names)), 2)]
    return keys


# difflib's matching is quadratic in the worst case: beyond this many
# reference × output words a segment is shown without its diff, and says so.
DIFF_MAX_WORD_PAIRS = 250_000


def _diff(reference: str, output: str) -> Markup:
    """The output's words, with those not matching the reference (or the
    other draft) marked, and the reference's missing words struck through."""
    ref_words, out_words = reference.split(), output.split()
    if len(ref_words) * len(out_words) > DIFF_MAX_WORD_PAIRS:
        return Markup(f'<span class="note">[diff not shown: segment too long]</span> {escape(output)}')
    parts: List[str] = []
    for op, r1, r2, o1, o2 in difflib.SequenceMatcher(None, ref_words, out_words, autojunk=False).get_opcodes():
        if op == "equal":
            parts.append(str(escape(" ".join(out_words[o1:o2]))))
            continue
        if r2 > r1:
            parts.append(f'<del>{escape(" ".join(ref_words[r1:r2]))}</del>')
        if o2 > o1:
            parts.append(f'<ins>{escape(" ".join(out_words[o1:o2]))}</ins>')
    return Markup(" ".join(parts))


def _with_error_spans(output: str, spans: Sequence[Dict[str, Any]]) -> Markup:
    """xCOMET's error spans, highlighted by severity."""
    parts, cursor = [], 0
    for span in sorted(spans, key=lambda s: int(s.get("start", 0))):
        start, end = int(span.get("start", 0)), int(span.get("end", 0))
        if start < cursor or end <= start:
            continue
        severity = str(span.get("severity", "minor")).lower()
        parts.append(str(escape(output[cursor:start])))
        parts.append(f'<mark class="sev-{escape(severity)}" title="{escape(severity)} error">{escape(output[start:end])}</mark>')
        cursor = end
    parts.append(str(escape(output[cursor:])))
    return Markup("".join(parts))
