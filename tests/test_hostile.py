"""Hostile and careless inputs: one test per case. Each asserts the exit
code, the message naming the culprit, and, where files are involved, that
earlier reports are unchanged byte for byte and no temporary file remains.

Conditions a user causes exit 2 with one message and no traceback, and the
ones that can be checked before scoring are (``no_scoring`` fails the test
if scoring starts)."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from conftest import DRAFT, PRESSTV, REFERENCE, ROOT, SOURCE, inputs_overrides, write_lines

FAST = ["metrics=[bleu,chrf]", "report.terminal=false", "stats.resamples=100"]


def refused(result, *fragments: str) -> None:
    assert result.code == 2, (result.code, result.out, result.err)
    assert "Traceback" not in result.err + result.out
    assert result.err.count("mt-eval:") == 1, result.err
    for fragment in fragments:
        assert fragment in result.err, result.err


@pytest.fixture
def no_scoring(monkeypatch):
    """Scoring must not start: the check has to come first."""
    from mt_eval import runner

    def scoring(*args, **kwargs):
        raise AssertionError("scoring started before the input was checked")

    monkeypatch.setattr(runner, "evaluate", scoring)


def snapshot(folder: Path) -> dict:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def leftovers(folder: Path) -> list:
    return [p.name for p in folder.iterdir() if ".mt-eval-tmp-" in p.name or p.name.endswith(".tmp")]


@pytest.fixture
def baseline(run_cli, tmp_path):
    result = run_cli(*inputs_overrides(SOURCE, [REFERENCE], draft=DRAFT, presstv=PRESSTV), *FAST, f"report.dir={tmp_path / 'baseline'}")
    assert result.code == 0, result.err
    return tmp_path / "baseline" / "report.json"


def gate(run_cli, tmp_path, baseline, *args, name="current", **systems):
    systems = systems or {"draft": DRAFT, "presstv": PRESSTV}
    return run_cli(*inputs_overrides(SOURCE, [REFERENCE], **systems), *FAST, f"gate.baseline={baseline}", f"report.dir={tmp_path / name}", *args)


def edited_baseline(baseline: Path, tmp_path: Path, edit) -> Path:
    """A copy of the baseline's report set with report.json edited."""
    import shutil

    data = json.loads(baseline.read_text(encoding="utf-8"))
    edit(data)
    folder = tmp_path / f"edited-{len(list(tmp_path.glob('edited-*')))}"
    folder.mkdir()
    shutil.copy(baseline.parent / "segments.parquet", folder / "segments.parquet")
    path = folder / "report.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


# ---------------------------------------------------------------- the gate

def test_gate_with_no_common_system_refuses_naming_both_sides(run_cli, tmp_path, baseline):
    result = gate(run_cli, tmp_path, baseline, mine=DRAFT, theirs=PRESSTV)
    refused(result, "nothing to compare", "baseline: draft, presstv", "this run: mine, theirs")


def test_gate_fails_for_thresholds_on_metrics_the_run_does_not_compute(run_cli, tmp_path, baseline):
    result = gate(run_cli, tmp_path, baseline, "metrics=[bleu]", "gate.max_drop.ter=0.5", "gate.min.chrf=60")
    assert result.code == 1, result.out
    assert "draft ter: not computed in this run" in result.out and "draft chrf: not computed in this run" in result.out
    junit = (tmp_path / "current" / "gate-junit.xml").read_text(encoding="utf-8")
    assert junit.count('type="missing"') == 4  # chrF and TER, both systems


def test_gate_a_system_missing_from_the_run_fails(run_cli, tmp_path, baseline):
    result = gate(run_cli, tmp_path, baseline, draft=DRAFT)
    assert result.code == 1
    assert "presstv bleu: the system is in the baseline but not in this run" in result.out


def test_gate_a_metric_skipped_in_the_baseline_is_never_a_pass(run_cli, tmp_path, baseline):
    def skip_chrf(data):
        for system in data["systems"]:
            system["scores"]["chrf"] = {"status": "skipped", "reason": "no model", "higher_is_better": True}

    edited = edited_baseline(baseline, tmp_path, skip_chrf)
    result = gate(run_cli, tmp_path, edited)
    assert result.code == 0
    assert "draft chrf: the baseline has no chrf score (no model): not compared" in result.out
    assert "2 checks passed, 2 notices" in result.out  # BLEU × 2 compared; chrF only noticed
    named = gate(run_cli, tmp_path, edited, "gate.max_drop.chrf=1", name="named")
    assert named.code == 1 and "gate.max_drop.chrf cannot be checked" in named.out


@pytest.mark.parametrize("override, key", [
    ("gate.max_drop.bleu=nan", "gate.max_drop.bleu"),
    ("gate.default_max_drop=nan", "gate.default_max_drop"),
    ("gate.min.bleu=nan", "gate.min.bleu"),
    ("gate.max_drop.chrf=inf", "gate.max_drop.chrf"),
    ("gate.max_drop.bleu=-1", "gate.max_drop.bleu"),
    ("gate.alpha=0", "gate.alpha"),
])
def test_gate_thresholds_must_be_finite_and_in_range(run_cli, tmp_path, baseline, no_scoring, override, key):
    refused(gate(run_cli, tmp_path, baseline, override), key)


@pytest.mark.parametrize("value, shown", [("NaN", "not a number JSON allows"), ('"abc"', "expected a finite number, found 'abc'"),
                                          ("null", "expected a finite number, found None")])
def test_a_baseline_with_a_bad_score_is_refused_before_scoring(run_cli, tmp_path, baseline, no_scoring, value, shown):
    text = baseline.read_text(encoding="utf-8")
    data = json.loads(text)
    score = data["systems"][0]["scores"]["bleu"]["score"]
    broken = edited_baseline(baseline, tmp_path, lambda data: None)
    broken.write_text(text.replace(f'"score": {json.dumps(score)}', f'"score": {value}', 1), encoding="utf-8")
    refused(gate(run_cli, tmp_path, broken), str(broken), shown)


def test_a_baseline_with_no_systems_or_short_segments_is_refused(run_cli, tmp_path, baseline, no_scoring):
    empty = edited_baseline(baseline, tmp_path, lambda data: data.update(systems=[]))
    refused(gate(run_cli, tmp_path, empty), "systems: expected at least one system")

    def shorten(data):
        data["systems"][1]["scores"]["chrf"]["segments"] = data["systems"][1]["scores"]["chrf"]["segments"][:3]

    refused(gate(run_cli, tmp_path, edited_baseline(baseline, tmp_path, shorten)), "systems[1].scores.chrf.segments: expected a list of 14 numbers")


def test_a_baseline_the_run_would_overwrite_is_refused(run_cli, tmp_path, baseline, no_scoring):
    before = baseline.read_bytes()
    result = gate(run_cli, tmp_path, baseline, name="baseline")
    refused(result, "would replace", str(baseline))
    assert baseline.read_bytes() == before


def test_a_baseline_kept_inside_the_report_folder_survives_the_run(run_cli, tmp_path, baseline):
    import shutil

    kept = tmp_path / "current" / "baseline"
    shutil.copytree(baseline.parent, kept)
    before = snapshot(kept)
    assert gate(run_cli, tmp_path, kept / "report.json").code == 0
    assert snapshot(kept) == before


def test_a_baseline_whose_data_file_the_run_would_replace_is_refused(run_cli, tmp_path, baseline, no_scoring):
    """A schema-2 baseline reads segments.parquet beside it: kept loose in
    the report folder, that file would be the run's own."""
    import shutil

    (tmp_path / "current").mkdir()
    shutil.copy(baseline, tmp_path / "current" / "baseline.json")
    shutil.copy(baseline.parent / "segments.parquet", tmp_path / "current" / "segments.parquet")
    refused(gate(run_cli, tmp_path, tmp_path / "current" / "baseline.json"), "segments.parquet", "would replace")


def test_a_baseline_that_is_a_folder_or_unreadable_is_refused(run_cli, tmp_path, baseline, no_scoring, monkeypatch):
    refused(gate(run_cli, tmp_path, tmp_path), str(tmp_path), "directory")
    locked = tmp_path / "locked.json"
    locked.write_bytes(baseline.read_bytes())
    with unreadable(locked, monkeypatch):
        refused(gate(run_cli, tmp_path, locked), str(locked), "permission denied")


def test_gate_shows_enough_digits_for_a_tiny_failing_drop(tmp_path, baseline):
    from omegaconf import OmegaConf

    from mt_eval.config import GateConfig, StatsConfig
    from mt_eval.gate import compare
    from mt_eval.reports.gate_report import render_markdown
    from mt_eval.results import RunResult

    base, current = RunResult.load(baseline), RunResult.load(baseline)
    current.systems[0].scores["bleu"].score -= 0.0004
    result = compare(base, current, OmegaConf.structured(GateConfig()), {}, OmegaConf.structured(StatsConfig(resamples=100)))
    markdown = render_markdown(result)
    assert result.failed and "-0.0004" in markdown and "-0.00 " not in markdown


# ---------------------------------------------------------------- report sets

def test_disk_full_keeps_the_earlier_set_byte_for_byte(run_cli, tmp_path):
    with small_disk(tmp_path / "disk") as disk:
        first = run_cli("report.terminal=false", "metrics=[bleu,chrf]", f"report.dir={disk / 'run'}")
        assert first.code == 0, first.err
        before = snapshot(disk / "run")
        filler = disk / "filler"
        fill(filler, disk)  # leave less room than a second set needs
        second = run_cli("report.terminal=false", "metrics=[bleu,chrf]", "stats.seed=7", f"report.dir={disk / 'run'}")
        refused(second, str(disk / "run"), "no space left")
        filler.unlink()
        assert snapshot(disk / "run") == before
        assert leftovers(disk) == []


def signal_run(tmp_path: Path, signum: int) -> subprocess.CompletedProcess:
    """Start a run long enough to interrupt (TER on 3,000 segments), send
    ``signum`` once it is scoring, and return how it ended."""
    lines = [f"segment {i} " + " ".join(f"w{(i * 7 + j) % 997}" for j in range(40)) for i in range(3000)]
    source = write_lines(tmp_path / "big.ar", lines)
    hyp = write_lines(tmp_path / "big.en", [line[::-1] for line in lines])
    args = [sys.executable, "-m", "mt_eval", f"testset.source={source}", f"testset.references=[{source}]",
            f"testset.systems={{mine:{hyp}}}", "metrics=[bleu,ter]", "jobs=1", "report.terminal=false", f"report.dir={tmp_path / 'run'}"]
    process = subprocess.Popen(args, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 60
    while not list((tmp_path / "reports").glob("*/*/.hydra/config.yaml")) and time.time() < deadline:
        time.sleep(0.05)
    time.sleep(1.0)  # in the middle of scoring
    process.send_signal(signum)
    out, err = process.communicate(timeout=120)
    return subprocess.CompletedProcess(args, process.returncode, out, err)


@pytest.mark.parametrize("signum, code, word", [(signal.SIGINT, 130, "interrupted"), (signal.SIGTERM, 143, "terminated")])
def test_a_signal_keeps_the_earlier_set_and_exits_with_one_line(run_cli, tmp_path, signum, code, word):
    first = run_cli("report.terminal=false", "metrics=[bleu]", f"report.dir={tmp_path / 'run'}")
    assert first.code == 0
    before = snapshot(tmp_path / "run")
    completed = signal_run(tmp_path, signum)
    assert completed.returncode == code, completed.stderr
    assert "Traceback" not in completed.stderr and word in completed.stderr
    assert len([line for line in completed.stderr.splitlines() if line.strip()]) == 1, completed.stderr
    assert snapshot(tmp_path / "run") == before
    assert leftovers(tmp_path) == []


def test_a_folder_left_by_a_killed_run_is_swept(run_cli, tmp_path):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True).stdout.strip()
    stale = tmp_path / f".run.mt-eval-tmp-{dead}-abc123"
    stale.mkdir()
    (stale / "report.json").write_text("{}")
    assert run_cli("report.terminal=false", "metrics=[bleu]", f"report.dir={tmp_path / 'run'}").code == 0
    assert not stale.exists() and leftovers(tmp_path) == []


def test_old_report_files_of_other_formats_do_not_survive_into_a_new_set(run_cli, tmp_path):
    assert run_cli("report.terminal=false", "metrics=[bleu]", f"report.dir={tmp_path / 'run'}").code == 0
    assert (tmp_path / "run" / "report.html").exists()
    (tmp_path / "run" / "notes.txt").write_text("mine")
    assert run_cli("report.terminal=false", "metrics=[bleu]", "report.formats=[json]", f"report.dir={tmp_path / 'run'}").code == 0
    assert sorted(p.name for p in (tmp_path / "run").iterdir()) == ["notes.txt", "report.json", "segments.parquet"]


def test_a_fixed_report_dir_under_multirun_gets_a_folder_per_job(tmp_path):
    completed = subprocess.run(
        [sys.executable, "-m", "mt_eval", "-m", "bleu.tokenize=13a,intl", "metrics=[bleu]", "report.terminal=false",
         f"report.dir={tmp_path / 'fixed'}", f"hydra.sweep.dir={tmp_path / 'sweep'}"],
        cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert completed.returncode == 0, completed.stderr
    signatures = {json.loads((tmp_path / "fixed" / job / "report.json").read_text())["systems"][0]["scores"]["bleu"]["signature"]
                  for job in ("0", "1")}
    assert len(signatures) == 2 and any("tok:intl" in s for s in signatures)


def test_runs_started_in_the_same_second_get_their_own_folders(tmp_path):
    args = [sys.executable, "-m", "mt_eval", "metrics=[bleu]", "report.terminal=false", "hydra.run.dir=reports/same-second-${run_id:}"]
    runs = [subprocess.Popen(args, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(2)]
    for process in runs:
        assert process.wait(timeout=300) == 0, process.stderr.read()
    folders = sorted((tmp_path / "reports").iterdir())
    assert len(folders) == 2 and all((folder / "report.json").exists() for folder in folders)


def test_the_default_run_folder_is_unique_per_process():
    text = (ROOT / "conf" / "config.yaml").read_text(encoding="utf-8")
    assert "${run_id:}" in text.split("run:")[1].split("sweep:")[0]


def test_a_closed_stdout_still_writes_the_reports_and_keeps_the_exit_code(tmp_path):
    command = f"set -o pipefail; {sys.executable} -m mt_eval metrics=[bleu] report.dir={tmp_path / 'run'} | head -3"
    completed = subprocess.run(["bash", "-c", command], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert completed.returncode == 0, completed.stderr
    assert len(completed.stdout.splitlines()) == 3
    assert "Traceback" not in completed.stderr and "Broken pipe" not in completed.stderr
    assert (tmp_path / "run" / "report.json").exists()


@pytest.mark.parametrize("make", ["read-only", "file"])
def test_an_unwritable_report_dir_is_refused_before_scoring(run_cli, tmp_path, no_scoring, make):
    if make == "file":
        target = tmp_path / "taken"
        target.write_text("x")
        refused(run_cli("metrics=[bleu]", f"report.dir={target}"), str(target), "not a folder")
    else:
        with read_only_folder(tmp_path / "ro") as folder:
            refused(run_cli("metrics=[bleu]", f"report.dir={folder / 'run'}"), "report.dir", str(folder))


@pytest.mark.parametrize("where", [".", "..", "'~'", "/"])
def test_a_report_dir_that_is_not_a_folder_of_its_own_is_refused(run_cli, tmp_path, no_scoring, monkeypatch, where):
    work = tmp_path / "project"
    work.mkdir()
    (work / "notes.txt").write_text("mine")
    monkeypatch.chdir(work)
    refused(run_cli("metrics=[bleu]", f"report.dir={where}"), "not a folder of its own")
    # (Hydra makes its own run folder, reports/, in the working directory, as always)
    assert (work / "notes.txt").read_text() == "mine" and sorted(p.name for p in work.iterdir()) in (["notes.txt"], ["notes.txt", "reports"])


# ---------------------------------------------------------------- inputs and options

def test_an_unreadable_input_file_is_refused(run_cli, tmp_path, monkeypatch):
    copy = tmp_path / "hyp.en"
    copy.write_bytes(DRAFT.read_bytes())
    with unreadable(copy, monkeypatch):
        refused(run_cli(*inputs_overrides(SOURCE, [REFERENCE], mine=copy), *FAST), "testset.systems.mine", str(copy), "permission denied")


def test_a_symlink_loop_is_named_as_such(run_cli, tmp_path):
    loop = tmp_path / "loop.en"
    loop.symlink_to(loop)
    refused(run_cli(*inputs_overrides(SOURCE, [REFERENCE], mine=loop), *FAST), str(loop), "symbolic link loop")


def test_invalid_utf8_in_jsonl_names_the_line(run_cli, tmp_path):
    rows = [json.dumps({"text": line}) for line in DRAFT.read_text(encoding="utf-8").splitlines()]
    data = "\n".join(rows).encode("utf-8").split(b"\n")
    data[5] = data[5].replace(b"the", b"th\xe9", 1)
    bad = tmp_path / "bad.jsonl"
    bad.write_bytes(b"\n".join(data) + b"\n")
    refused(run_cli(*inputs_overrides(SOURCE, [REFERENCE], mine=bad), *FAST), str(bad), "line 6", "not valid UTF-8")


def test_an_empty_jsonl_is_refused(run_cli, tmp_path):
    empty = tmp_path / "empty.jsonl"
    empty.write_bytes(b"")
    refused(run_cli(*inputs_overrides(SOURCE, [REFERENCE], mine=empty), *FAST), str(empty), "empty")


def test_a_nul_inside_a_structured_cell_is_refused(run_cli, tmp_path):
    rows = [{"text": line} for line in DRAFT.read_text(encoding="utf-8").splitlines()]
    rows[3]["text"] = "A\u0000B"
    bad = tmp_path / "nul.jsonl"
    bad.write_text("\n".join(json.dumps(row) for row in rows) + "\n", encoding="utf-8")
    refused(run_cli(*inputs_overrides(SOURCE, [REFERENCE], mine=bad), *FAST), str(bad), "row 4", "NUL")


@pytest.mark.parametrize("override, key", [
    ("stats.seed=-1", "stats.seed"), ("bleu.smooth_value=-1", "bleu.smooth_value"),
    ("bleu.smooth_value=nan", "bleu.smooth_value"), ("testset.length_ratio_flag=nan", "testset.length_ratio_flag"),
    ("testset.max_line_chars=0", "testset.max_line_chars"), ("ter.max_segment_words=0", "ter.max_segment_words"),
])
def test_options_out_of_range_are_refused(run_cli, tmp_path, override, key):
    refused(run_cli("metrics=[bleu,chrf,ter]", "bleu.smooth_method=add-k", override), key)


def test_nan_smoothing_cannot_reach_a_report(run_cli):
    refused(run_cli("metrics=[bleu]", "bleu.smooth_method=add-k", "bleu.smooth_value=nan"), "bleu.smooth_value", "finite")


def test_report_json_is_strict(tmp_path, baseline):
    from mt_eval.results import RunResult

    result = RunResult.load(baseline)
    result.systems[0].scores["bleu"].score = float("nan")
    with pytest.raises(ValueError):
        result.to_json()


@pytest.mark.parametrize("override, fragment", [
    ("gate.summary=sub/gate.md", "gate.summary"), ("gate.summary=report.json", "would replace a report file"),
    ("gate.junit=report.html", "would replace a report file"), ("gate.summary=gate-junit.xml", "different names"),
])
def test_gate_files_are_plain_names_that_never_replace_a_report(run_cli, tmp_path, baseline, no_scoring, override, fragment):
    refused(gate(run_cli, tmp_path, baseline, override), fragment)


def test_a_step_summary_in_a_missing_folder_is_refused_before_scoring(run_cli, tmp_path, baseline, no_scoring, monkeypatch):
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(tmp_path / "no" / "such" / "summary.md"))
    refused(gate(run_cli, tmp_path, baseline), "GITHUB_STEP_SUMMARY", "no such file or directory")


def test_a_comet_cache_dir_that_is_a_file_is_refused(run_cli, tmp_path):
    taken = tmp_path / "cache"
    taken.write_text("x")
    refused(run_cli("metrics=[bleu,comet]", f"comet.cache_dir={taken}"), "comet.cache_dir", str(taken))


def test_dev_zero_stops_at_the_first_over_long_line(run_cli):
    started = time.time()
    refused(run_cli(*inputs_overrides(SOURCE, [REFERENCE], mine=Path("/dev/zero")), *FAST), "/dev/zero", "line 1", "testset.max_line_chars")
    assert time.time() - started < 60


def test_ter_refuses_huge_segments_before_scoring(run_cli, tmp_path, no_scoring):
    lines = REFERENCE.read_text(encoding="utf-8").splitlines()
    lines[6] = " ".join(f"word{i}" for i in range(6000))
    long_reference = write_lines(tmp_path / "long.en", lines)
    # no_scoring stands in for evaluate itself, so call the pipeline's check directly
    from omegaconf import OmegaConf

    from mt_eval.config import RunConfig
    from mt_eval.errors import InputError
    from mt_eval.metrics import create_metrics
    from mt_eval.testset import load_testset

    config = OmegaConf.structured(RunConfig(metrics=["ter"]))
    config.testset.source, config.testset.references, config.testset.systems = str(SOURCE), [str(long_reference)], {"mine": str(DRAFT)}
    (metric,) = create_metrics(["ter"], config)
    with pytest.raises(InputError, match=r"line 7\).*ter\.max_segment_words"):
        metric.precheck(load_testset(config.testset))


def test_ter_guard_in_a_run(run_cli, tmp_path):
    lines = REFERENCE.read_text(encoding="utf-8").splitlines()
    lines[6] = " ".join(f"word{i}" for i in range(6000))
    long_reference = write_lines(tmp_path / "long.en", lines)
    refused(run_cli(*inputs_overrides(SOURCE, [long_reference], mine=DRAFT), "metrics=[bleu,ter]", "report.terminal=false"),
            "line 7", "ter.max_segment_words")
    assert run_cli(*inputs_overrides(SOURCE, [long_reference], mine=DRAFT), "metrics=[bleu]", "report.terminal=false").code == 0


# ---------------------------------------------------------------- names

@pytest.mark.parametrize("name", ["gpt[/temp]", "cost $\\frac$", "<b>bold</b>", "a|b", "x*y_z*"])
def test_odd_names_are_plain_text_in_every_output(tmp_path, name):
    """Hydra's override grammar cannot quote a dict key, so system names
    like these come from YAML files or the library; run the CLI's own code
    on such a config."""
    import io

    from omegaconf import OmegaConf
    from rich.console import Console

    from mt_eval import cli
    from mt_eval.config import RunConfig

    config = OmegaConf.structured(RunConfig(metrics=["bleu", "chrf"]))
    config.testset.source, config.testset.references = str(SOURCE), [str(REFERENCE)]
    config.testset.systems = {name: str(DRAFT), "base": str(PRESSTV)}
    config.testset.name = name
    config.stats.resamples = 100
    config.report.dir = str(tmp_path / "run")
    buffer = io.StringIO()
    assert cli.execute(config, Console(file=buffer, width=200)) == 0
    assert buffer.getvalue().count(name) >= 2  # title and row, printed as text, markup and all
    markdown = (tmp_path / "run" / "report.md").read_text(encoding="utf-8")
    table = [line for line in markdown.splitlines() if line.startswith("| ")]
    widths = {line.replace("\\|", "").count("|") for line in table[:3]}  # header and the two systems
    assert len(widths) == 1, table  # an escaped pipe does not add a column
    assert "<b>" not in markdown
    html = (tmp_path / "run" / "report.html").read_text(encoding="utf-8")
    assert "<b>bold</b>" not in html and json.loads((tmp_path / "run" / "report.json").read_text())["testset"]["name"] == name


@pytest.mark.parametrize("name, shown", [("a\\x01b", "control character"), ("bad\\x1b[31mred", "control character"), (" ", "empty")])
def test_names_with_control_characters_or_nothing_are_refused(run_cli, tmp_path, name, shown):
    import codecs

    real = codecs.decode(name, "unicode_escape")
    from mt_eval.errors import ConfigError
    from mt_eval.testset import _system_specs

    with pytest.raises(ConfigError, match=shown):
        _system_specs({real: str(DRAFT)})


def test_junit_is_well_formed_for_any_text():
    import xml.etree.ElementTree as ET

    from mt_eval.gate import GateResult, Verdict
    from mt_eval.reports.gate_report import render_junit

    result = GateResult("b\x01.json", [Verdict("sys<&\"'>\x01\x1b", "bleu", "regression", 1.0, 0.5, -0.5, 0.5, reason="x\x00y\x0bz")])
    ET.fromstring(render_junit(result).split("\n", 1)[1])


# ---------------------------------------------------------------- COMET cache

def test_a_locked_cache_is_waited_for_then_bypassed_never_renamed(tmp_path):
    import sqlite3

    from mt_eval.metrics.comet_cache import CometCache

    CometCache(tmp_path).close()
    holder = sqlite3.connect(str(tmp_path / "comet-cache.sqlite3"), isolation_level=None)
    holder.execute("PRAGMA locking_mode=EXCLUSIVE")
    holder.execute("BEGIN EXCLUSIVE")
    try:
        started = time.time()
        cache = CometCache(tmp_path, lock_wait=0.5)
        assert time.time() - started < 10
        assert any("locked" in notice for notice in cache.notices), cache.notices
        cache.put_scores({"k": (0.5, {"refs": [0.5]})})
        assert cache.get_scores(["k"])["k"][0] == 0.5  # in memory for this run
        cache.close()
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert sorted(p.name for p in tmp_path.iterdir() if "corrupt" in p.name) == []


def test_a_read_only_cache_is_used_read_only(tmp_path):
    from mt_eval.metrics.comet_cache import CometCache

    with read_only_folder(tmp_path / "cache", prepare=lambda folder: _seed_cache(folder)) as folder:
        cache = CometCache(folder)
        assert cache.read_only and any("read-only" in notice for notice in cache.notices)
        assert cache.get_scores(["seeded"])["seeded"][0] == 0.25
        cache.put_scores({"new": (0.75, {"refs": [0.75]})})  # kept in memory, no error
        assert cache.get_scores(["new"])["new"][0] == 0.75
        cache.close()


def _seed_cache(folder: Path) -> None:
    from mt_eval.metrics.comet_cache import CometCache

    cache = CometCache(folder)
    cache.put_scores({"seeded": (0.25, {"refs": [0.25]})})
    cache._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    cache._db.execute("PRAGMA journal_mode=DELETE")
    cache.close()


def test_cache_keys_are_unambiguous():
    from mt_eval.metrics.comet_cache import segment_key, text_key

    assert segment_key("m", ["A\0B", "C"]) != segment_key("m", ["A", "B\0C"])
    assert segment_key("m", ["A", "B"]) != segment_key("m", ["A", "B", ""])
    assert text_key("m\0x", "y") != text_key("m", "x\0y")


# ---------------------------------------------------------------- bounded resampling

def test_chunked_draws_are_exactly_the_whole_draws():
    from mt_eval import stats as st

    for segments in (7, 14, 1001):
        whole = st.resample_weights(st.bootstrap_indices(segments, 250, 12345), segments)
        chunks = np.concatenate(list(st.bootstrap_weight_chunks(segments, 250, 12345, chunk_rows=17)))
        assert np.array_equal(whole, chunks)
        mask = st.randomization_mask(segments, 250, 12345)
        mask_chunks = np.concatenate(list(st.randomization_mask_chunks(segments, 250, 12345, chunk_rows=64)))
        assert np.array_equal(mask, mask_chunks)


def test_chunked_randomization_gives_the_same_p_value():
    from mt_eval import stats as st

    rng = np.random.default_rng(0)
    a, b = rng.integers(0, 20, size=(300, 3)).astype(np.float64), rng.integers(0, 20, size=(300, 3)).astype(np.float64)

    def score(row):
        return float(row[0] / max(row[1], 1))

    delta = score(a.sum(0)) - score(b.sum(0))
    whole = st.paired_randomization_p(a, b, st.randomization_mask(300, 500, 3), score, delta)
    chunked = st.paired_randomization_p(a, b, st.randomization_mask_chunks(300, 500, 3, chunk_rows=32), score, delta)
    assert whole == chunked


# ---------------------------------------------------------------- helpers

@contextlib.contextmanager
def unreadable(path: Path, monkeypatch):
    """A file this process cannot read: chmod 000, or, for root (whom
    permission bits do not stop), an open that fails as it would."""
    if os.geteuid() != 0:
        path.chmod(0)
        try:
            yield
        finally:
            path.chmod(0o644)
        return
    import builtins
    import pathlib

    real_open = builtins.open
    target = str(path)

    def guarded_open(file, *args, **kwargs):
        if str(file) == target:
            raise PermissionError(13, "Permission denied", target)
        return real_open(file, *args, **kwargs)

    real_read_bytes = pathlib.Path.read_bytes

    def guarded_read_bytes(self):
        if str(self) == target:
            raise PermissionError(13, "Permission denied", target)
        return real_read_bytes(self)

    monkeypatch.setattr(builtins, "open", guarded_open)
    monkeypatch.setattr(pathlib.Path, "read_bytes", guarded_read_bytes)
    try:
        yield
    finally:
        monkeypatch.undo()


def _mount(*args: str) -> bool:
    return subprocess.run(["mount", *args], capture_output=True).returncode == 0


@contextlib.contextmanager
def small_disk(folder: Path):
    """A 2 MB tmpfs where the machine allows mounting one; otherwise the
    write is patched to fail as a full disk does."""
    folder.mkdir()
    if os.geteuid() == 0 and _mount("-t", "tmpfs", "-o", "size=2m", "tmpfs", str(folder)):
        try:
            yield folder
        finally:
            subprocess.run(["umount", "-l", str(folder)], capture_output=True)
        return
    pytest.skip("cannot mount a small tmpfs here; test_reports covers a patched disk-full write")


def fill(filler: Path, disk: Path) -> None:
    """Fill the disk, leaving about 100 KB: less than a second report set."""
    stat = os.statvfs(disk)
    free = stat.f_bavail * stat.f_frsize
    filler.write_bytes(b"\0" * max(0, free - 100 * 1024))


@contextlib.contextmanager
def read_only_folder(folder: Path, prepare=None):
    """A folder nobody can write: a tmpfs remounted read-only where
    mounting is allowed (root ignores permission bits), else chmod."""
    folder.mkdir()
    if os.geteuid() == 0:
        if not _mount("-t", "tmpfs", "-o", "size=4m", "tmpfs", str(folder)):
            pytest.skip("cannot mount a tmpfs here, and root ignores permission bits")
        try:
            if prepare:
                prepare(folder)
            assert _mount("-o", "remount,ro", str(folder))
            yield folder
        finally:
            subprocess.run(["umount", "-l", str(folder)], capture_output=True)
        return
    if prepare:
        prepare(folder)
    for path in [folder, *folder.rglob("*")]:
        path.chmod(0o555 if path.is_dir() else 0o444)
    try:
        yield folder
    finally:
        for path in [folder, *folder.rglob("*")]:
            path.chmod(0o755 if path.is_dir() else 0o644)
