"""results.py (with report_check.py and segment_table.py): a report set read
back and written, called directly: the round trip, strict JSON, damaged or
missing files as clear errors, and reports of older schemas.
(report.json's documented fields, from a run: tests/test_reports.py.)"""

from __future__ import annotations

import shutil

import pytest

from conftest import schema_1_copy
from mt_eval.errors import InputError
from mt_eval.results import RunResult


def test_report_json_round_trips(default_report):
    path = default_report / "report.json"
    loaded = RunResult.load(path)
    assert loaded.to_json() == path.read_text(encoding="utf-8")


def test_report_json_is_strict(tmp_path, quick_baseline):
    result = RunResult.load(quick_baseline)
    result.systems[0].scores["bleu"].score = float("nan")
    with pytest.raises(ValueError):
        result.to_json()


def test_a_corrupt_report_is_a_clear_error(tmp_path, default_report):
    truncated = tmp_path / "truncated.json"
    truncated.write_text((default_report / "report.json").read_text(encoding="utf-8")[:500])
    with pytest.raises(InputError, match="truncated"):
        RunResult.load(truncated)


def test_a_missing_or_damaged_segments_file_is_a_clear_error(tmp_path, default_report):
    copy = tmp_path / "copy"
    shutil.copytree(default_report, copy)
    (copy / "segments.parquet").write_bytes(b"PAR1 not really")
    with pytest.raises(InputError, match="segments.parquet"):
        RunResult.load(copy / "report.json")
    (copy / "segments.parquet").unlink()
    with pytest.raises(InputError, match="missing"):
        RunResult.load(copy / "report.json")


def test_a_schema_1_report_still_loads(tmp_path, default_report):
    """Reports written before texts and statistics moved to Parquet (schema
    1.0: everything inside report.json) are still read, and load_report gives
    each metric its facts from the installed metrics. (That such a baseline
    gates a run: tests/test_gate.py.)"""
    from mt_eval import load_report

    current = RunResult.load(default_report / "report.json")
    legacy = schema_1_copy(default_report, tmp_path / "legacy")
    again = RunResult.load(legacy)
    assert again.systems[0].scores["bleu"].score == current.systems[0].scores["bleu"].score
    assert again.testset.texts == current.testset.texts
    upgraded = load_report(legacy)  # the installed metrics give each metric's facts
    assert [upgraded.info(m).label for m in upgraded.metrics] == [current.info(m).label for m in current.metrics]
    assert upgraded.info("ter").higher_is_better is False
