"""The metric interface.

A metric scores every system of a test set in one call, so that metrics
which can share work across systems (COMET encodes each source and reference
once) are free to. Metrics never print; they report progress through the
callback they are given.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, Callable, ClassVar, Dict, Mapping, Optional

from ..results import MetricResult
from ..testset import TestSet

Progress = Callable[[int], None]  # called with the number of segments just scored


class Metric(ABC):
    name: ClassVar[str]
    higher_is_better: ClassVar[bool] = True

    def __init__(self, options: Mapping[str, Any]) -> None:
        """Validate options eagerly: a bad option fails before any work is done."""
        self.options = dict(options)

    @abstractmethod
    def score_systems(self, testset: TestSet, progress: Optional[Progress] = None) -> Dict[str, MetricResult]:
        """Score every system in ``testset``; keys are the system names."""
