"""Metrics: each turns a test set into one MetricResult per system, and
declares its own identity (``MetricInfo``)."""

from .base import Metric, MetricInfo
from .registry import create_metrics, known_metrics, metric_class, registered_metrics, unavailable_metrics

__all__ = ["Metric", "MetricInfo", "create_metrics", "known_metrics", "metric_class", "registered_metrics", "unavailable_metrics"]
