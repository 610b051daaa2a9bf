"""reports/report_set.py: a report set is written whole or not at all (through
runner.save_report_set, the one way to write one): an interrupted render or
a full disk leaves the earlier set byte for byte and no temporary folder.
(The same from the command line, on a real small disk: tests/test_hostile.py.)"""

from __future__ import annotations

import errno

import pytest

from mt_eval.errors import InputError
from mt_eval.reports import files, report_set
from mt_eval.results import RunResult
from mt_eval.runner import save_report_set


def test_an_interrupted_write_keeps_the_good_report(default_report, monkeypatch):
    before = {p.name: p.read_bytes() for p in default_report.iterdir()}
    result = RunResult.load(default_report / "report.json")

    def broken_markdown(_result):
        raise KeyboardInterrupt  # interrupted after report.json was rendered

    monkeypatch.setitem(files.RENDERERS, "md", [("report.md", broken_markdown)])
    with pytest.raises(KeyboardInterrupt):
        save_report_set(result, default_report, ["json", "md"])
    assert {p.name: p.read_bytes() for p in default_report.iterdir()} == before

    def disk_full(path, content):
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    monkeypatch.setitem(files.RENDERERS, "md", [("report.md", files.render_markdown)])
    monkeypatch.setattr(report_set, "_write_file", disk_full)
    with pytest.raises(InputError, match="no space left"):
        save_report_set(result, default_report, ["json", "md"])
    assert {p.name: p.read_bytes() for p in default_report.iterdir()} == before
    assert sorted(p.name for p in default_report.parent.iterdir()) == [default_report.name]  # no temporary folder left
