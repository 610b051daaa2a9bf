"""A metric's facts as report.json records them (``metric_info``): what
every renderer, the gate and the pair statistics read instead of knowing
metric names. Metrics declare them (``metrics.base.Metric.info``)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any, Dict, Mapping, Optional, Tuple


@dataclass(frozen=True)
class MetricInfo:
    """The facts about a metric that reports, the gate and the pair
    statistics use; recorded per metric in report.json (``metric_info``)."""

    name: str
    label: str  # as people write it ("chrF++" when word n-grams are on)
    higher_is_better: bool = True
    digits: int = 1  # decimals shown
    scale: float = 100.0  # the top of the metric's usual range (100 for BLEU, 1 for COMET)
    tie_tolerance: float = 0.1  # segment scores closer than this are a tie
    needs_references: bool = True
    # Details shown per system, as (details key, what the number is), e.g.
    # ("segments_cached", "segments from the cache").
    shown_details: Tuple[Tuple[str, str], ...] = ()
    # The details key holding per-segment error spans, if the metric gives any.
    spans_detail: Optional[str] = None
    # Every option that can change a score, with the value it had (for
    # COMET, the checkpoint's content instead of its name): two scores
    # measure the same thing only when their identities are equal. Empty
    # for a report of a metric that predates identities and is not
    # installed here.
    identity: Dict[str, Any] = field(default_factory=dict, compare=True, hash=False)

    def to_dict(self) -> Dict[str, Any]:
        data = asdict(self)
        data["shown_details"] = [list(pair) for pair in self.shown_details]
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "MetricInfo":
        known = {f.name for f in fields(cls)}
        values = {key: value for key, value in data.items() if key in known}
        values["shown_details"] = tuple(tuple(pair) for pair in values.get("shown_details") or ())
        values["identity"] = dict(values.get("identity") or {})
        return cls(**values)
