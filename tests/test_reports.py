"""The report set as whoever reads it meets it after a run: report.json's
documented fields and segments.parquet, Markdown, Hydra multirun with
joblib, runs from any folder, and no torch for lexical runs. (Reading a set
back, old schemas included: tests/unit/test_results.py; the terminal view:
tests/unit/test_terminal.py; writing a set whole: tests/unit/test_report_set.py.)"""

from __future__ import annotations

import json
import subprocess
import sys

from conftest import run_module
from mt_eval.results import SCHEMA_VERSION


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


def test_markdown_is_a_github_table(default_report):
    markdown = (default_report / "report.md").read_text(encoding="utf-8")
    lines = markdown.splitlines()
    header = lines.index("| system | BLEU ↑ | chrF ↑ | TER ↓ | COMET ↑ | flags |")
    assert lines[header + 1] == "|---|---:|---:|---:|---:|---:|"
    rows = lines[header + 2 : header + 4]
    assert {row.split("|")[1].strip() for row in rows} == {"draft", "presstv"}
    assert "nrefs:1|case:mixed|eff:no|tok:13a" in markdown


def test_multirun_with_joblib_writes_one_folder_per_job(tmp_path):
    completed = run_module("-m", "hydra/launcher=local_parallel", "bleu.tokenize=13a,intl", "metrics=[bleu]",
                           "report.terminal=false", f"hydra.sweep.dir={tmp_path / 'sweep'}", cwd=tmp_path)
    assert completed.returncode == 0, completed.stderr
    reports = sorted((tmp_path / "sweep").glob("*/report.json"))
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
