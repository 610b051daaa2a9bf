"""Metrics: each turns a test set into one MetricResult per system."""

from .base import Metric
from .registry import create_metrics, known_metrics

__all__ = ["Metric", "create_metrics", "known_metrics"]
