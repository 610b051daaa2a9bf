"""metrics/lexical.py, called directly: TER's check before scoring.
(Every BLEU, chrF and TER number against sacrebleu's CLI: tests/test_lexical_vs_sacrebleu.py.)"""

from __future__ import annotations

import pytest

from conftest import DRAFT, REFERENCE, SOURCE, inputs_overrides, write_lines
from mt_eval.errors import InputError
from mt_eval.metrics import create_metrics
from mt_eval.testset import load_testset


def test_ter_refuses_huge_segments_before_scoring(tmp_path, compose_config, no_scoring):
    lines = REFERENCE.read_text(encoding="utf-8").splitlines()
    lines[6] = " ".join(f"word{i}" for i in range(6000))
    long_reference = write_lines(tmp_path / "long.en", lines)
    # no_scoring stands in for evaluate itself, so call the pipeline's check directly
    config = compose_config("metrics=[ter]", *inputs_overrides(SOURCE, [long_reference], mine=DRAFT))
    (metric,) = create_metrics(["ter"], config)
    with pytest.raises(InputError, match=r"line 7\).*ter\.max_segment_words"):
        metric.precheck(load_testset(config.testset))
