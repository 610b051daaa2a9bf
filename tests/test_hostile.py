"""Hostile and careless inputs: one test per case. Each asserts the exit
code, the message naming the culprit, and, where files are involved, that
earlier reports are unchanged byte for byte and no temporary file remains.

Conditions a user causes exit 2 with one message and no traceback, and the
ones that can be checked before scoring are (``no_scoring`` fails the test
if scoring starts). Hostile and careless baselines and gate settings:
tests/test_gate.py."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import (DRAFT, FAST, PRESSTV, REFERENCE, ROOT, SOURCE, inputs_overrides, mount, read_only_folder, refused, snapshot,
                      unreadable, write_lines)


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


def test_a_comet_cache_dir_that_is_a_file_is_refused(run_cli, tmp_path):
    taken = tmp_path / "cache"
    taken.write_text("x")
    refused(run_cli("metrics=[bleu,comet]", f"comet.cache_dir={taken}"), "comet.cache_dir", str(taken))


def test_dev_zero_is_refused_before_it_is_read(run_cli):
    started = time.time()
    refused(run_cli(*inputs_overrides(SOURCE, [REFERENCE], mine=Path("/dev/zero")), *FAST), "testset.systems.mine", "/dev/zero", "a character device")
    assert time.time() - started < 60


def test_ter_guard_in_a_run(run_cli, tmp_path):
    lines = REFERENCE.read_text(encoding="utf-8").splitlines()
    lines[6] = " ".join(f"word{i}" for i in range(6000))
    long_reference = write_lines(tmp_path / "long.en", lines)
    refused(run_cli(*inputs_overrides(SOURCE, [long_reference], mine=DRAFT), "metrics=[bleu,ter]", "report.terminal=false"),
            "line 7", "ter.max_segment_words")
    assert run_cli(*inputs_overrides(SOURCE, [long_reference], mine=DRAFT), "metrics=[bleu]", "report.terminal=false").code == 0


# ---------------------------------------------------------------- names

@pytest.mark.parametrize("name", ["gpt[/temp]", "cost $\\frac$", "<b>bold</b>", "a|b", "x*y_z*"])
def test_odd_names_are_plain_text_in_every_output(tmp_path, compose_config, name):
    """Hydra's override grammar cannot quote a dict key, so system names
    like these come from YAML files or the library; run the CLI's own code
    on the config it composes, with such names set in it."""
    import io

    from rich.console import Console

    from mt_eval import cli

    config = compose_config("metrics=[bleu,chrf]", *inputs_overrides(SOURCE, [REFERENCE], base=PRESSTV), "stats.resamples=100",
                            f"report.dir={tmp_path / 'run'}")
    config.testset.systems = {name: str(DRAFT), "base": str(PRESSTV)}
    config.testset.name = name
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


# ---------------------------------------------------------------- helpers

def leftovers(folder: Path) -> list:
    return [p.name for p in folder.iterdir() if ".mt-eval-tmp-" in p.name or p.name.endswith(".tmp")]


@contextlib.contextmanager
def small_disk(folder: Path):
    """A 2 MB tmpfs where the machine allows mounting one; otherwise the
    write is patched to fail as a full disk does."""
    folder.mkdir()
    if os.geteuid() == 0 and mount("-t", "tmpfs", "-o", "size=2m", "tmpfs", str(folder)):
        try:
            yield folder
        finally:
            subprocess.run(["umount", "-l", str(folder)], capture_output=True)
        return
    pytest.skip("cannot mount a small tmpfs here; tests/unit/test_report_set.py covers a patched disk-full write")


def fill(filler: Path, disk: Path) -> None:
    """Fill the disk, leaving about 100 KB: less than a second report set."""
    stat = os.statvfs(disk)
    free = stat.f_bavail * stat.f_frsize
    filler.write_bytes(b"\0" * max(0, free - 100 * 1024))
