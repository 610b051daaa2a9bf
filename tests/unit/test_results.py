"""results.py (with report_check.py and segment_table.py): a report set read
back and written, called directly: the round trip, strict JSON, damaged or
missing files as clear errors, and reports of older schemas.
(report.json's documented fields, from a run: tests/test_reports.py.)"""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from conftest import schema_1_copy
from mt_eval.errors import InputError
from mt_eval.results import SCHEMA_VERSION, RunResult


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


def test_each_rendered_set_is_sealed_with_a_new_run_id(quick_baseline):
    """report.json records the parquet's hash, size and rows, and both name
    one run id, new each time a set is rendered."""
    import hashlib

    import pyarrow as pa
    import pyarrow.parquet as pq

    from mt_eval.reports.files import render_files

    result = RunResult.load(quick_baseline)
    ids = set()
    for _ in range(2):
        files = render_files(result, ["json"])
        report, data = json.loads(files["report.json"]), files["segments.parquet"]
        seal = report["files"]["segments.parquet"]
        assert seal == {"sha256": "sha256:" + hashlib.sha256(data).hexdigest(), "bytes": len(data), "rows": 2 * result.testset.segments}
        table = pq.read_table(pa.BufferReader(data))
        assert table.num_rows == seal["rows"]
        assert table.schema.metadata[b"mt_eval.run_id"].decode() == report["run_id"] == result.run_id
        ids.add(report["run_id"])
    assert len(ids) == 2


def test_every_older_schema_is_upgraded_on_load_and_written_as_the_current_one(tmp_path, default_report):
    legacy = RunResult.load(schema_1_copy(default_report, tmp_path / "legacy"))
    assert legacy.schema_version == SCHEMA_VERSION and legacy.testset.texts.loaded
    assert all(isinstance(s.scores["bleu"].stats, np.ndarray) for s in legacy.systems)  # the current layout, as from Parquet
    legacy.schema_version = "1.0"  # whatever an object says, what is written is the layout written
    assert legacy.to_dict()["schema_version"] == SCHEMA_VERSION


def test_a_set_that_changed_while_read_is_read_again_then_refused(tmp_path, default_report, monkeypatch):
    from mt_eval import report_seal

    waits = []
    monkeypatch.setattr(report_seal.time, "sleep", waits.append)
    attempts = []

    def flaky(opened):
        attempts.append(opened.report_path)
        if len(attempts) < 3:
            raise report_seal.SetMismatch("swapped meanwhile")
        return opened.read_report()

    assert report_seal.read_set(default_report, flaky) == (default_report / "report.json").read_bytes()
    assert len(attempts) == 3 and waits == list(report_seal.RETRY_DELAYS[:2])

    def never(opened):
        raise report_seal.SetMismatch("not this set's file")

    with pytest.raises(InputError, match="not this set's file"):
        report_seal.read_set(default_report, never)
    assert len(waits) == 2 + len(report_seal.RETRY_DELAYS)


def test_a_report_is_read_through_one_handle_on_its_folder(tmp_path, default_report):
    """Once a set is open, replacing its folder (as a run swaps one in)
    does not change what is read."""
    from mt_eval import report_seal

    live = tmp_path / "live"
    shutil.copytree(default_report, live)
    with report_seal.OpenSet(live) as opened:
        first = opened.read_report()
        live.rename(tmp_path / "old")
        (tmp_path / "new").mkdir()
        (tmp_path / "new" / "report.json").write_text("{}")
        (tmp_path / "new").rename(live)
        assert opened.read_report() == first
        assert opened.read_data("segments.parquet", None) == (default_report / "segments.parquet").read_bytes()


def test_an_interval_whose_ends_are_swapped_is_refused(tmp_path, quick_baseline):
    copy = tmp_path / "copy"
    shutil.copytree(quick_baseline.parent, copy)
    data = json.loads((copy / "report.json").read_text(encoding="utf-8"))
    data["systems"][0]["scores"]["bleu"]["ci"].reverse()
    (copy / "report.json").write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(InputError, match=r"systems\[0\]\.scores\.bleu\.ci: expected \[low, high\] with low at most high"):
        RunResult.load(copy)
