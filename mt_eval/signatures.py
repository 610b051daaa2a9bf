"""A score's comparable signature, and the refusal when two runs' differ.

Every score carries its metric's own signature (sacrebleu's string, or
COMET's model and settings) joined with the normalisation and the
statistics settings. Two scores measure the same thing when their
*comparable* signatures agree: the metric's part and the normalisation,
without the statistics (which the gate and merge recompute) and without the
library's version (a newer sacrebleu gives the same BLEU; the gate says so
as a notice). The gate and merge both ask ``differences`` and refuse a
comparison that has any.
"""

from __future__ import annotations

from typing import Dict, List, Optional

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


def signature_differences(baseline: str, current: str) -> List[str]:
    """``key: baseline X, this run Y`` for each compared field that differs."""
    theirs, ours = fields_of(baseline), fields_of(current)
    return [
        f"{key}: baseline {theirs.get(key, '—')}, this run {ours.get(key, '—')}"
        for key in sorted(set(theirs) | set(ours))
        if key not in NOT_COMPARED and theirs.get(key) != ours.get(key)
    ]


# A metric's declared facts that change what its numbers mean: a score that
# is better when lower, or on another scale, is another measure.
MEANING_FACTS = ("higher_is_better", "scale")


def differences(first: RunResult, second: RunResult, metric: str) -> List[str]:
    """Why ``metric`` in ``second`` does not measure what it does in
    ``first``; empty when they agree or either side has no score."""
    theirs, ours = comparable_signature(first, metric), comparable_signature(second, metric)
    if theirs is None or ours is None:
        return []
    facts = [
        f"{fact}: baseline {getattr(first.info(metric), fact)}, this run {getattr(second.info(metric), fact)}"
        for fact in MEANING_FACTS
        if getattr(first.info(metric), fact) != getattr(second.info(metric), fact)
    ]
    return facts + signature_differences(theirs, ours)


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
