"""Scoring checks every metric's results before anything reads them: a
plug-in's failure or malformed output is its own, said as exit 2 (an
MtEvalError naming it), never a NaN in a report or a crash blamed on mt-eval."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from mt_eval.errors import MtEvalError
from mt_eval.metrics import Metric
from mt_eval.pipeline import _score
from mt_eval.testset import TestSet


@dataclass
class _Options:
    pass


def a_testset() -> TestSet:
    return TestSet(name="t", source=["ا", "ب"], references=[["a", "b"]], systems={"x": ["a", "c"]}, line_numbers=[1, 2])


def metric(values: object) -> Metric:
    cls = type("Odd", (Metric,), {"name": "odd", "label": "Odd", "options_class": _Options, "__module__": "some_plugin",
                                  "segment_scores": lambda self, s, r, h: values() if callable(values) else values})
    return cls()


def explode():
    raise ValueError("the plug-in broke")


@pytest.mark.parametrize("values, says", [
    ([float("nan"), 1.0], "not a finite number"),
    ([1.0, float("inf")], "not a finite number"),
    ([None, 1.0], "not a number"),
    (["high", 1.0], "not a number"),
    ([1.0], "1 segment scores"),
    ([1.0, 2.0, 3.0], "3 segment scores"),
    (explode, "the plug-in broke"),
])
def test_a_plugins_bad_output_or_failure_is_its_own_error(values, says):
    with pytest.raises(MtEvalError, match=says) as raised:
        _score(metric(values), a_testset(), None)
    assert "odd" in str(raised.value)


def test_well_formed_numbers_of_any_numeric_type_are_accepted():
    import numpy as np

    results = _score(metric(np.asarray([1.0, 0.0], dtype=np.float32)), a_testset(), None)
    assert results["x"].segments == [1.0, 0.0] and results["x"].score == 0.5
