"""Figures for the HTML report, drawn by matplotlib as inline SVG.

Each function takes plain numbers from a RunResult and returns an SVG
string (text kept as text, so the figures stay small and searchable).
"""

from __future__ import annotations

import io
from typing import Any, Dict, List, Sequence, Tuple

import numpy as np

# Above this many segments, plots draw aggregates (histograms, boxes without
# outlier dots) instead of one shape per segment.
MANY_POINTS = 5000

COLOURS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf"]


def _figure(columns: int, height: float = 2.8) -> Tuple[Any, Any, List[Any]]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    # text.parse_math off: a system named "cost $\\frac$" is a name, not mathtext.
    plt.rcParams.update({"text.parse_math": False, "svg.fonttype": "none", "font.size": 9, "axes.spines.top": False, "axes.spines.right": False})
    figure, axes = plt.subplots(1, columns, figsize=(max(3.2 * columns, 4.5), height), squeeze=False)
    return plt, figure, list(axes[0])


def _svg(plt: Any, figure: Any) -> str:
    buffer = io.StringIO()
    figure.tight_layout()
    figure.savefig(buffer, format="svg", metadata={"Date": None})  # no timestamp: the same run, the same file
    plt.close(figure)
    text = buffer.getvalue()
    return text[text.index("<svg"):]  # drop the XML prolog and DOCTYPE: the SVG sits inside HTML


def scores_with_intervals(metrics: Dict[str, Dict[str, tuple]]) -> str:
    """metrics[label][system] = (score, low, high)."""
    plt, figure, axes = _figure(len(metrics))
    for ax, (label, systems) in zip(axes, metrics.items()):
        names = list(systems)
        x = np.arange(len(names))
        scores = [float(systems[n][0]) for n in names]
        # The interval as drawn from its ends: a corpus score need not lie
        # inside its bootstrap percentile interval, so no ± error bars.
        low = [float(systems[n][1]) if systems[n][1] is not None else scores[i] for i, n in enumerate(names)]
        high = [float(systems[n][2]) if systems[n][2] is not None else scores[i] for i, n in enumerate(names)]
        ax.vlines(x, low, high, color="#888", linewidth=2)
        ax.plot(x, scores, "o", color="#333")
        ax.set_xticks(range(len(names)), names, rotation=20, ha="right")
        ax.set_title(label)
        ax.margins(x=0.3)
    return _svg(plt, figure)


def segment_distributions(metrics: Dict[str, Dict[str, Sequence[float]]]) -> str:
    plt, figure, axes = _figure(len(metrics))
    for ax, (label, systems) in zip(axes, metrics.items()):
        names = list(systems)
        # Beyond a few thousand segments, outlier dots would be thousands of SVG shapes.
        many = max(len(systems[n]) for n in names) > MANY_POINTS
        ax.boxplot([np.asarray(systems[n], dtype=float) for n in names], showmeans=True, showfliers=not many)
        ax.set_xticks(range(1, len(names) + 1), names, rotation=20, ha="right")
        ax.set_title(f"{label}: segment scores")
    return _svg(plt, figure)


def scores_by_length(metrics: Dict[str, Dict[str, Sequence[float]]], source_lengths: Sequence[int], buckets: int = 4) -> str:
    """Mean segment score per source-length bucket (quantiles of words)."""
    lengths = np.asarray(source_lengths)
    edges = np.unique(np.quantile(lengths, np.linspace(0, 1, buckets + 1)).round())
    which = np.clip(np.searchsorted(edges, lengths, side="right") - 1, 0, len(edges) - 2)
    labels: List[str] = [f"{int(edges[i])}–{int(edges[i + 1])}" for i in range(len(edges) - 1)]
    plt, figure, axes = _figure(len(metrics))
    for ax, (label, systems) in zip(axes, metrics.items()):
        for colour, (name, segment_scores) in zip(COLOURS * 4, systems.items()):
            scores = np.asarray(segment_scores)
            means = [float(scores[which == i].mean()) if np.any(which == i) else np.nan for i in range(len(labels))]
            ax.plot(range(len(labels)), means, marker="o", label=name, color=colour)
        ax.set_xticks(range(len(labels)), labels)
        ax.set_xlabel("source length (words)")
        ax.set_title(label)
    axes[0].legend(fontsize=7)
    return _svg(plt, figure)
