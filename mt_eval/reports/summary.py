"""The systems × metrics summary shared by the terminal view and Markdown."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple

from ..flags import flagged_lines
from ..results import RunResult

FLAG_LABELS = {
    "empty": "empty output",
    "identical_to_source": "identical to source",
    "untranslated": "still in the source's script",
    "length_ratio_outliers": "length ratio outlier",
    "duplicated": "same output for different sources",
}


@dataclass
class Cell:
    text: str
    best: bool = False
    skipped: bool = False
    interval: str = ""  # "[low–high]" when a confidence interval was computed
    half_width: str = ""  # "±4.2", sacrebleu's compact form of the same interval
    group: str = ""  # "g1" when rank groups were computed

    @property
    def compact(self) -> str:
        return " ".join(part for part in (self.text, self.half_width, self.group) if part)


@dataclass
class Summary:
    headers: List[str]
    rows: List[Tuple[str, List[Cell], int]]  # system, cells, number of flagged lines
    signatures: Dict[str, str]
    skipped: List[str] = field(default_factory=list)  # "metric for system: reason"
    flags: List[str] = field(default_factory=list)  # one line per system and kind of flag
    notes: List[str] = field(default_factory=list)  # normalisation, exclusions
    statistics: List[str] = field(default_factory=list)  # settings and the weak-test warning
    significant: List[str] = field(default_factory=list)  # one line per significant difference
    # With many systems, one line per metric instead: each system's significant wins.
    wins_compact: List[str] = field(default_factory=list)
    tested: bool = True  # False when stats.method=none: no significance test ran
    # metric → (systems, matrix): matrix[i][j] is True when system i is significantly better than j
    wins: Dict[str, Tuple[List[str], List[List[bool]]]] = field(default_factory=dict)


def metric_label(result: RunResult, metric: str) -> str:
    """The metric as people write it, with its direction: "TER ↓"."""
    info = result.info(metric)
    return f"{info.label} {'↑' if info.higher_is_better else '↓'}"


def summarize(result: RunResult) -> Summary:
    headers = []
    best: Dict[str, Optional[float]] = {}
    signatures: Dict[str, str] = {}
    skipped: List[str] = []
    for metric in result.metrics:
        scored = [s.scores[metric] for s in result.systems if s.scores.get(metric) and s.scores[metric].ok]
        higher = result.info(metric).higher_is_better
        headers.append(metric_label(result, metric))
        values = [r.score for r in scored if r.score is not None]
        best[metric] = (max(values) if higher else min(values)) if len(values) > 1 else None
        if scored and scored[0].signature:
            signatures[metric] = scored[0].signature
    rows = []
    skipped_for: Dict[Tuple[str, str], List[str]] = {}  # (metric, reason) → systems
    for system in result.systems:
        cells = []
        for metric in result.metrics:
            score = system.scores.get(metric)
            if score is None or not score.ok or score.score is None:
                cells.append(Cell("skipped", skipped=True))
                reason = "not run" if score is None else (score.reason or "no score")  # no reason: scored "ok" but without a score
                skipped_for.setdefault((metric, reason), []).append(system.name)
                continue
            digits = result.info(metric).digits
            cells.append(Cell(
                f"{score.score:.{digits}f}",
                best=score.score == best[metric],
                interval=f"[{score.ci[0]:.{digits}f}–{score.ci[1]:.{digits}f}]" if score.ci else "",
                half_width=f"±{(score.ci[1] - score.ci[0]) / 2:.{digits}f}" if score.ci else "",
                group=f"g{score.rank_group}" if score.rank_group is not None else "",
            ))
        rows.append((system.name, cells, _flag_count(system.flags)))
    for (metric, reason), names in skipped_for.items():
        who = "all systems" if len(names) == len(result.systems) else ", ".join(names)
        skipped.append(f"{result.info(metric).label} ({who}): {reason}")
    summary = Summary(headers, rows, signatures, skipped, _flag_lines(result), _notes(result))
    _add_statistics(summary, result)
    return summary


def _add_statistics(summary: Summary, result: RunResult) -> None:
    settings = result.statistics
    if not settings:
        return
    method = {"bootstrap": "paired bootstrap", "ar": "paired approximate randomisation", "none": "none"}.get(settings.get("method", ""), "")
    scope = f"against baseline {settings['baseline']}" if settings.get("baseline") else "all pairs"
    summary.statistics.append(
        f"{int(settings['confidence'] * 100)}% bootstrap intervals ({settings['resamples']} resamples); "
        f"tests: {method}, {scope}, {settings['correction']} correction, alpha {settings['alpha']}, seed {settings['seed']}; "
        "gN = rank group (not significantly different from the group's best)"
    )
    if settings.get("weak"):
        summary.statistics.append(f"WEAK: {settings['note']}")
    if settings.get("unreachable"):
        summary.statistics.append(f"NOT TESTABLE: {settings['unreachable']}")
    summary.tested = settings.get("method") != "none"
    names = [system.name for system in result.systems]
    for metric in result.metrics:
        info = result.info(metric)
        found = [c for c in result.comparisons if c["metric"] == metric]
        if not found:
            continue
        matrix = [[False] * len(names) for _ in names]
        for c in found:
            if c["significant"]:
                loser = c["b"] if c["better"] == c["a"] else c["a"]
                matrix[names.index(c["better"])][names.index(loser)] = True
                summary.significant.append(
                    f"{info.label}: {c['better']} beats {loser} "
                    f"(Δ {abs(c['delta']):.{info.digits + 1}f}, p = {c['p_adjusted']:.4f})"
                )
        summary.wins[metric] = (names, matrix)
        wins = sorted(((sum(row), name) for name, row in zip(names, matrix)), key=lambda item: (-item[0], names.index(item[1])))
        summary.wins_compact.append(
            f"{info.label} significant wins ({len(found)} pairs tested): " + ", ".join(f"{name} {count}" for count, name in wins)
        )


def _flag_count(flags: Dict) -> int:
    """Flagged lines; a duplicated group counts each of its lines."""
    return sum(len(flagged_lines(kind, found)) for kind, found in flags.items())


# Flag lists in the terminal, Markdown and HTML summaries: the first few line
# numbers and a count; the full lists are in report.json.
FLAG_LINES_SHOWN = 10
FLAG_GROUPS_SHOWN = 3


def _flag_lines(result: RunResult) -> List[str]:
    lines = []
    for system in result.systems:
        for kind, label in FLAG_LABELS.items():
            found = system.flags.get(kind) or []
            if not found:
                continue
            if kind == "duplicated":
                shown = "; ".join("lines " + ", ".join(map(str, group[:FLAG_LINES_SHOWN])) + (" …" if len(group) > FLAG_LINES_SHOWN else "")
                                  for group in found[:FLAG_GROUPS_SHOWN])
                more = f" … ({len(found)} groups, {sum(map(len, found))} lines in all)" if len(found) > FLAG_GROUPS_SHOWN else ""
                where = shown + more
            else:
                where = "line" + ("s " if len(found) > 1 else " ") + ", ".join(map(str, found[:FLAG_LINES_SHOWN]))
                if len(found) > FLAG_LINES_SHOWN:
                    where += f" … ({len(found)} in all)"
            lines.append(f"{system.name}: {label}: {where}")
    return lines


def _notes(result: RunResult) -> List[str]:
    info = result.testset
    notes = [f"normalisation: {info.normalization}"]
    for record in info.inputs:
        changes = []
        if record.get("format_characters_removed"):
            kinds = ", ".join(f"{name}×{count}" for name, count in record["format_characters"].items())
            changes.append(f"removed {record['format_characters_removed']} invisible format characters ({kinds})")
        if record.get("segments_renormalized"):
            changes.append(f"{record['segments_renormalized']} segments put in normal form")
        if record.get("bom"):
            changes.append("UTF-8 BOM ignored")
        if record.get("crlf"):
            changes.append("CRLF line ends read as LF")
        if changes:
            notes.append(f"{record['role']} ({record['origin']}): " + "; ".join(changes))
    if info.excluded_lines:
        shown = ", ".join(map(str, info.excluded_lines[:FLAG_LINES_SHOWN])) + (" …" if len(info.excluded_lines) > FLAG_LINES_SHOWN else "")
        notes.append(f"excluded {len(info.excluded_lines)} segments with an empty reference (lines {shown})")
    return notes
