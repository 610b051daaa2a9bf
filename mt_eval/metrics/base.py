"""The metric interface.

A metric scores every system of a test set in one call, so that metrics
which can share work across systems (COMET encodes each source and reference
once) are free to. Metrics never print; they report progress through the
callback they are given.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, Callable, ClassVar, Dict, Mapping, Optional

import numpy as np

from ..results import MetricResult
from ..testset import TestSet

Progress = Callable[[int], None]  # called with the number of segments just scored


class Metric(ABC):
    name: ClassVar[str]
    higher_is_better: ClassVar[bool] = True
    # False for metrics that can score without references (COMET QE models).
    needs_references: ClassVar[bool] = True

    def __init__(self, options: Mapping[str, Any], jobs: int = 1) -> None:
        """Validate options eagerly: a bad option fails before any work is done.
        ``jobs`` is how many processes a CPU-bound metric may use."""
        self.options = dict(options)
        self.jobs = max(1, int(jobs))

    def precheck(self, testset: TestSet) -> None:
        """Refuse, before any metric scores anything, a test set this metric
        cannot score within bounded resources (raise ConfigError/InputError)."""

    @abstractmethod
    def score_systems(self, testset: TestSet, progress: Optional[Progress] = None) -> Dict[str, MetricResult]:
        """Score every system in ``testset``; keys are the system names."""

    def score_function(self) -> Optional[Callable[[np.ndarray], float]]:
        """Corpus score from summed per-segment statistics, for metrics whose
        corpus score is not the mean of segment scores; None means the mean."""
        return None
