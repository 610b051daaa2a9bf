"""report.json's documented fields and round trip, Markdown, the rich view,
atomic writes, Hydra multirun with joblib, and no torch for lexical runs."""

from __future__ import annotations

import io
import errno
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from rich.console import Console

from conftest import ROOT
from mt_eval.results import SCHEMA_VERSION, RunResult


@pytest.fixture
def default_report(run_cli, tmp_path):
    result = run_cli("report.terminal=false")
    assert result.code == 0, result.err
    return tmp_path / "report"


def test_report_json_fields(default_report):
    report = json.loads((default_report / "report.json").read_text(encoding="utf-8"))
    assert report["schema_version"] == SCHEMA_VERSION
    assert report["testset"]["name"] == "al-mayadeen-2021-07-25"
    assert report["testset"]["segments"] == 14
    assert report["testset"]["checksum"].startswith("sha256:")
    assert report["config"]["metrics"] == ["bleu", "chrf", "ter", "comet"]
    for system in report["systems"]:
        assert set(system) >= {"name", "scores", "flags"}
        for metric in ("bleu", "chrf", "ter"):
            score = system["scores"][metric]
            assert set(score) >= {"score", "signature", "segments"}
            assert len(score["segments"]) == 14
            assert "stats" not in score  # schema 2: in segments.parquet beside the report
    assert report["data"] == {"segments": "segments.parquet"}
    import pyarrow.parquet as pq

    table = pq.read_table(default_report / "segments.parquet")
    assert table.num_rows == 14 * 2
    for metric in ("bleu", "chrf", "ter"):
        stats = table.column(f"{metric}.stats").to_pylist()
        assert len(stats) == 28 and all(len(row) == len(stats[0]) for row in stats)
    assert report["systems"][0]["scores"]["ter"]["higher_is_better"] is False
    comet = report["systems"][0]["scores"]["comet"]  # no model here: skipped, with a reason, never missing
    assert comet["status"] == "skipped" and comet["reason"]


def test_report_json_round_trips(default_report):
    path = default_report / "report.json"
    loaded = RunResult.load(path)
    assert loaded.to_json() == path.read_text(encoding="utf-8")


def test_a_corrupt_report_is_a_clear_error(tmp_path, default_report):
    from mt_eval.errors import InputError

    truncated = tmp_path / "truncated.json"
    truncated.write_text((default_report / "report.json").read_text(encoding="utf-8")[:500])
    with pytest.raises(InputError, match="truncated"):
        RunResult.load(truncated)


def test_markdown_is_a_github_table(default_report):
    markdown = (default_report / "report.md").read_text(encoding="utf-8")
    lines = markdown.splitlines()
    header = lines.index("| system | BLEU ↑ | chrF ↑ | TER ↓ | COMET ↑ | flags |")
    assert lines[header + 1] == "|---|---:|---:|---:|---:|---:|"
    rows = lines[header + 2 : header + 4]
    assert {row.split("|")[1].strip() for row in rows} == {"draft", "presstv"}
    assert "nrefs:1|case:mixed|eff:no|tok:13a" in markdown


def test_terminal_view_renders_plain_when_not_a_terminal(default_report):
    from mt_eval.reports.terminal import render

    result = RunResult.load(default_report / "report.json")
    buffer = io.StringIO()
    render(result, Console(file=buffer, width=120))
    text = buffer.getvalue()
    assert "\x1b[" not in text  # no control codes in a CI log
    assert "al-mayadeen-2021-07-25 · 14 segments" in text
    draft_row = next(line for line in text.splitlines() if "draft" in line)
    best = {s.name: s.scores["bleu"].score for s in result.systems}
    assert ("*" in draft_row) == (best["draft"] > best["presstv"])
    assert "bleu: nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp" in text
    assert "presstv: length ratio outlier" in text


def test_terminal_view_marks_skipped_metrics(default_report):
    from mt_eval.reports.terminal import render
    from mt_eval.results import MetricResult

    result = RunResult.load(default_report / "report.json")
    result.systems[0].scores["chrf"] = MetricResult.skipped("chrf", "the model could not be loaded")
    buffer = io.StringIO()
    render(result, Console(file=buffer, width=120))
    assert "skipped" in buffer.getvalue()
    assert "the model could not be loaded" in buffer.getvalue()


def test_an_interrupted_write_keeps_the_good_report(default_report, monkeypatch):
    from mt_eval.reports import files
    from mt_eval.runner import save_report_set

    before = {p.name: p.read_bytes() for p in default_report.iterdir()}
    result = RunResult.load(default_report / "report.json")

    def broken_markdown(_result):
        raise KeyboardInterrupt  # interrupted after report.json was rendered

    monkeypatch.setitem(files.RENDERERS, "md", [("report.md", broken_markdown)])
    with pytest.raises(KeyboardInterrupt):
        save_report_set(result, default_report, ["json", "md"])
    assert {p.name: p.read_bytes() for p in default_report.iterdir()} == before

    from mt_eval.errors import InputError
    from mt_eval.reports import report_set

    def disk_full(path, content):
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    monkeypatch.setitem(files.RENDERERS, "md", [("report.md", files.render_markdown)])
    monkeypatch.setattr(report_set, "_write_file", disk_full)
    with pytest.raises(InputError, match="no space left"):
        save_report_set(result, default_report, ["json", "md"])
    assert {p.name: p.read_bytes() for p in default_report.iterdir()} == before
    assert sorted(p.name for p in default_report.parent.iterdir()) == [default_report.name]  # no temporary folder left


def run_module(*args: str, cwd: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "mt_eval", *args], cwd=cwd, capture_output=True, text=True, env=env, timeout=300)


def test_multirun_with_joblib_writes_one_folder_per_job(tmp_path):
    completed = run_module("-m", "hydra/launcher=local_parallel", "bleu.tokenize=13a,intl", "metrics=[bleu]",
                           "report.terminal=false", f"hydra.sweep.dir={tmp_path}", cwd=tmp_path)
    assert completed.returncode == 0, completed.stderr
    reports = sorted(tmp_path.glob("*/report.json"))
    assert len(reports) == 2
    tokenizers = {json.loads(p.read_text())["config"]["bleu"]["tokenize"] for p in reports}
    assert tokenizers == {"13a", "intl"}
    assert all((p.parent / ".hydra" / "config.yaml").exists() for p in reports)


def test_lexical_run_never_imports_torch_or_comet(tmp_path):
    code = (
        "import sys; from mt_eval import cli; sys.argv=['mt-eval','metrics=[bleu,chrf,ter]','report.terminal=false','report.dir=" + str(tmp_path / "run") + "']\n"
        "try:\n    cli.main()\nexcept SystemExit as e:\n    assert not e.code, e.code\n"
        "heavy = sorted(m for m in ('torch', 'comet', 'transformers', 'pytorch_lightning') if m in sys.modules)\n"
        "print('HEAVY', heavy)\n"
    )
    completed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert completed.returncode == 0, completed.stderr
    assert "HEAVY []" in completed.stdout


def test_default_run_from_any_directory_writes_under_reports(tmp_path):
    completed = run_module("report.terminal=false", cwd=tmp_path)
    assert completed.returncode == 0, completed.stderr
    written = list((tmp_path / "reports").glob("*/*/report.json"))
    assert len(written) == 1
    assert (written[0].parent / ".hydra" / "config.yaml").exists()


def test_a_schema_1_report_still_loads_and_gates(run_cli, tmp_path, default_report):
    """Baselines written before texts and statistics moved to Parquet (schema
    1.0: everything inside report.json) are still read, and gate a run."""
    current = RunResult.load(default_report / "report.json")
    old = current.to_dict()
    old["schema_version"] = "1.0"
    old.pop("data")
    old.pop("metric_info")  # schema 2.1 added it
    old["testset"]["texts"] = {"source": current.testset.texts.source, "references": current.testset.texts.references}
    for system, loaded in zip(old["systems"], current.systems):
        system["outputs"] = loaded.outputs
        for metric, score in system["scores"].items():
            if loaded.scores[metric].stats is not None:
                score["stats"] = loaded.scores[metric].stats.tolist()
    legacy = tmp_path / "legacy" / "report.json"
    legacy.parent.mkdir()
    legacy.write_text(json.dumps(old), encoding="utf-8")
    again = RunResult.load(legacy)
    assert again.systems[0].scores["bleu"].score == current.systems[0].scores["bleu"].score
    assert again.testset.texts == current.testset.texts
    from mt_eval import load_report

    upgraded = load_report(legacy)  # the installed metrics give each metric's facts
    assert [upgraded.info(m).label for m in upgraded.metrics] == [current.info(m).label for m in current.metrics]
    assert upgraded.info("ter").higher_is_better is False
    result = run_cli("report.terminal=false", f"gate.baseline={legacy}", f"report.dir={tmp_path / 'gated'}")
    assert result.code == 0, result.out + result.err
    assert "no regression" in result.out


def test_a_missing_or_damaged_segments_file_is_a_clear_error(tmp_path, default_report):
    import shutil

    from mt_eval.errors import InputError

    copy = tmp_path / "copy"
    shutil.copytree(default_report, copy)
    (copy / "segments.parquet").write_bytes(b"PAR1 not really")
    with pytest.raises(InputError, match="segments.parquet"):
        RunResult.load(copy / "report.json")
    (copy / "segments.parquet").unlink()
    with pytest.raises(InputError, match="missing"):
        RunResult.load(copy / "report.json")
