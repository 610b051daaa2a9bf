"""Whether two runs' scores of a metric measure the same thing.

A score's identity is every option that can change its number (the
metric's ``identity()``, recorded per metric in report.json's
``metric_info``), together with the text normalisation and the metric's
declared direction and scale. The gate, merge and the pair statistics all
ask ``differences`` and refuse a comparison that has any, naming each
differing key. sacrebleu's signature string stays in every report for
citation, but it is not what is compared: it leaves out options that change
scores (BLEU's ``max_ngram_order``, chrF's ``beta``) and names some that do
not (COMET's batching).

A report whose metric has no recorded identity (a plug-in that predates
identities and is not installed here) is compared by its signature, as
before identities existed. The metric's library version is never compared
(a newer sacrebleu gives the same BLEU); the gate says so as a notice.
"""

from __future__ import annotations

from typing import Any, Dict, List, Mapping, Optional, Tuple

from .results import RunResult

# The parts of ``MetricResult.signature_parts`` that say what was measured.
COMPARABLE_PARTS = ("metric", "normalization")
# Signature fields that may differ between comparable scores.
NOT_COMPARED = ("version",)


def comparable_signature(run: RunResult, metric: str) -> Optional[str]:
    """The comparable signature of ``metric`` in ``run`` (its first scored
    system's; every system of a run is scored with the same settings)."""
    for system in run.systems:
        score = system.scores.get(metric)
        if score is not None and score.ok:
            return "|".join(score.signature_parts[key] for key in COMPARABLE_PARTS if key in score.signature_parts)
    return None


def fields_of(signature: str) -> Dict[str, str]:
    """``{"nrefs": "1", "tok": "13a", ...}`` from ``nrefs:1|tok:13a|...``."""
    return dict(part.split(":", 1) for part in signature.split("|") if ":" in part)


def signature_differences(baseline: str, current: str, sides: Tuple[str, str] = ("baseline", "this run")) -> List[str]:
    """``key: baseline X, this run Y`` for each compared field that differs."""
    theirs, ours = fields_of(baseline), fields_of(current)
    return [
        f"{key}: {sides[0]} {theirs.get(key, '—')}, {sides[1]} {ours.get(key, '—')}"
        for key in sorted(set(theirs) | set(ours))
        if key not in NOT_COMPARED and theirs.get(key) != ours.get(key)
    ]


# A metric's declared facts that change what its numbers mean: a score that
# is better when lower, or on another scale, is another measure.
MEANING_FACTS = ("higher_is_better", "scale")


def differences(first: RunResult, second: RunResult, metric: str, sides: Tuple[str, str] = ("baseline", "this run")) -> List[str]:
    """Why ``metric`` in ``second`` does not measure what it does in
    ``first``, one "key: baseline X, this run Y" per difference (``sides``
    names the two runs); empty when they agree or either side has no score."""
    one, other = sides
    theirs, ours = comparable_signature(first, metric), comparable_signature(second, metric)
    if theirs is None or ours is None:
        return []
    their_info, our_info = first.info(metric), second.info(metric)
    found = [
        f"{fact}: {one} {getattr(their_info, fact)}, {other} {getattr(our_info, fact)}"
        for fact in MEANING_FACTS
        if getattr(their_info, fact) != getattr(our_info, fact)
    ]
    their_text, our_text = _part(first, metric, "normalization"), _part(second, metric, "normalization")
    if their_text != our_text:
        found.append(f"testset.normalize (every metric): {one} {their_text or '—'}, {other} {our_text or '—'}")
    if their_info.identity and our_info.identity:
        return found + identity_differences(metric, their_info.identity, our_info.identity, sides)
    return found + signature_differences(_part(first, metric, "metric"), _part(second, metric, "metric"), sides)


_ABSENT = object()


def identity_differences(metric: str, baseline: Mapping[str, Any], current: Mapping[str, Any],
                         sides: Tuple[str, str] = ("baseline", "this run")) -> List[str]:
    """``METRIC.KEY: baseline X, this run Y`` for each option whose value
    differs, or that only one side has (an option added since the baseline
    was scored: what it did then is unknown)."""
    return [
        f"{metric}.{key}: {sides[0]} {_shown(baseline.get(key, _ABSENT))}, {sides[1]} {_shown(current.get(key, _ABSENT))}"
        for key in sorted(set(baseline) | set(current))
        if baseline.get(key, _ABSENT) != current.get(key, _ABSENT)
    ]


def _shown(value: Any) -> str:
    if value is _ABSENT:
        return "— (not recorded)"
    if value is None:
        return "null"
    return repr(value) if value == "" else str(value)


def _part(run: RunResult, metric: str, part: str) -> str:
    for system in run.systems:
        score = system.scores.get(metric)
        if score is not None and score.ok:
            return score.signature_parts.get(part, "")
    return ""


def version_change(first: RunResult, second: RunResult, metric: str) -> Optional[str]:
    """"the baseline was scored with version X, this run with Y", when the
    metric's library version differs between two comparable runs."""
    theirs, ours = comparable_signature(first, metric), comparable_signature(second, metric)
    if not theirs or not ours:
        return None
    versions = [fields_of(signature).get("version") for signature in (theirs, ours)]
    if versions[0] == versions[1]:
        return None
    return f"{metric}: the baseline was scored with version {versions[0]}, this run with {versions[1]}"
