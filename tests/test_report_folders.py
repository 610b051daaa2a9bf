"""A report folder keeps what was there: the rules, each tested over every
option it covers.

- the folder's owner, group, mode (setgid, sticky) and extended attributes
  survive a run, for every mode × an existing or a new folder; a new folder
  is made as the kernel makes any folder there;
- a symbolic link as report.dir is followed, however it is made, and no
  temporary name is left beside the link or its target;
- no file of the set replaces an entry that is not a report file: every
  report file name and gate name × every kind of entry;
- a run never writes into its own inputs: every input role placed in
  report.dir;
- every job of a sweep gets its own report folder, however report.dir is
  written; a sweep's summary covers only its own jobs; a job killed
  outright under the parallel launcher is reported as failed and the other
  jobs complete;
- report.formats=[] is refused.

Failures injected at each stage of writing a set: tests/unit/test_report_set.py."""

from __future__ import annotations

import grp
import json
import os
import pwd
import shutil
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import DRAFT, FAST, PRESSTV, REFERENCE, SOURCE, inputs_overrides, refused, snapshot, write_lines
from mt_eval.reports.files import report_file_names
from mt_eval.reports.folders import TEMP_MARK

LEXICAL = ["metrics=[bleu]", "stats.method=none", "report.terminal=false"]
ALL_FORMATS = "report.formats=[json,md,html,segments]"
as_root = pytest.mark.skipif(os.geteuid() != 0, reason="giving folders to other users and groups needs root")


def run_into(run_cli, folder, *args):
    """A quick lexical run into ``folder`` (report.json and segments.parquet, unless the arguments name formats)."""
    formats = [] if any(a.startswith("report.formats=") for a in args) else ["report.formats=[json]"]
    return run_cli(*LEXICAL, *formats, f"report.dir={folder}", *args)


def temporary_names(*paths: Path) -> list:
    """Names with the temporary mark beside any of ``paths``."""
    return sorted({entry.name for path in paths for entry in path.parent.iterdir() if TEMP_MARK in entry.name})


def ownership(path: Path) -> tuple:
    info = os.lstat(path)
    return stat.S_IMODE(info.st_mode), info.st_uid, info.st_gid


# ---------------------------------------------------------------- owner, group, mode

MODES = [(0o700, None), (0o750, "daemon"), (0o2770, "daemon"), (0o1777, None), (0o755, None)]
MODE_IDS = ["700", "750-daemon", "2770-daemon", "1777", "755"]


def give(folder: Path, mode: int, owner: str, group) -> tuple:
    uid = pwd.getpwnam(owner).pw_uid
    gid = grp.getgrnam(group).gr_gid if group else pwd.getpwnam(owner).pw_gid
    os.chown(folder, uid, gid)
    os.chmod(folder, mode)
    return mode, uid, gid


@as_root
@pytest.mark.parametrize("owner", ["root", "daemon"])
@pytest.mark.parametrize("mode, group", MODES, ids=MODE_IDS)
def test_an_existing_report_folder_keeps_its_owner_group_and_mode(run_cli, tmp_path, mode, group, owner):
    folder = tmp_path / "reports"
    folder.mkdir()
    expected = give(folder, mode, owner, group)
    for _ in range(2):  # the first set into an existing folder, then a set replacing a set
        result = run_into(run_cli, folder)
        assert result.code == 0, result.err
        assert ownership(folder) == expected
    if mode & stat.S_ISGID:  # files made in a setgid folder get its group, as anywhere else
        assert {os.stat(p).st_gid for p in folder.iterdir()} == {expected[2]}


@as_root
@pytest.mark.parametrize("umask", [0o022, 0o077, 0o002])
@pytest.mark.parametrize("mode, group", MODES, ids=MODE_IDS)
def test_a_new_report_folder_is_made_as_the_kernel_makes_any_folder(run_cli, tmp_path, mode, group, umask):
    parent = tmp_path / "parent"
    parent.mkdir()
    give(parent, mode, "root", group)
    previous = os.umask(umask)
    try:
        result = run_into(run_cli, parent / "new")
        os.mkdir(parent / "made-by-the-kernel")
        (parent / "made-by-the-kernel" / "file").write_bytes(b"")
    finally:
        os.umask(previous)
    assert result.code == 0, result.err
    assert ownership(parent / "new") == ownership(parent / "made-by-the-kernel")
    assert {ownership(p) for p in (parent / "new").iterdir()} == {ownership(parent / "made-by-the-kernel" / "file")}


def test_the_folders_extended_attributes_are_kept(run_cli, tmp_path):
    folder = tmp_path / "reports"
    folder.mkdir()
    try:
        os.setxattr(folder, "user.team", b"mt")
    except OSError:
        pytest.skip("this file system keeps no user extended attributes")
    for _ in range(2):
        assert run_into(run_cli, folder).code == 0
        assert os.getxattr(folder, "user.team") == b"mt"


@as_root
def test_what_the_folder_holds_besides_reports_keeps_its_own_metadata(run_cli, tmp_path):
    folder = tmp_path / "reports"
    (folder / "notes" / "deep").mkdir(parents=True)
    (folder / "notes" / "deep" / "n.txt").write_text("mine")
    (folder / "link").symlink_to("notes/deep/n.txt")
    give(folder / "notes", 0o2750, "daemon", "daemon")
    give(folder / "notes" / "deep", 0o700, "daemon", None)
    def state():
        return {p.relative_to(folder): (ownership(p), os.lstat(p).st_ino if stat.S_ISREG(os.lstat(p).st_mode) else None)
                for p in folder.rglob("*") if p.name not in report_file_names()}

    before = state()
    assert run_into(run_cli, folder).code == 0
    after = state()
    assert after == before  # files are the same inodes; folders and links re-made with their metadata


# ---------------------------------------------------------------- symbolic links

def link_setups(tmp_path: Path):
    """(link, target) made each way a link can name report.dir."""
    store = tmp_path / "store"
    store.mkdir()
    links = tmp_path / "links"
    links.mkdir()
    return store, links


@pytest.mark.parametrize("how", ["to a report set", "to an empty folder", "dangling", "to a link", "relative", "from a linked parent"])
def test_a_symlinked_report_dir_writes_into_its_target_and_stays_a_link(run_cli, tmp_path, how):
    store, links = link_setups(tmp_path)
    target = store / "real"
    link = links / "reports"
    if how != "dangling":
        target.mkdir()
        os.chmod(target, 0o750)
    if how == "to a report set":
        assert run_into(run_cli, target).code == 0
        (target / "notes.txt").write_text("mine")
    if how == "to a link":
        (links / "hop").symlink_to(target)
        link.symlink_to(links / "hop")
    elif how == "relative":
        link.symlink_to(Path("..") / "store" / "real")
    elif how == "from a linked parent":
        (links / "parent").symlink_to(store)
        link = links / "parent" / "real"
    else:
        link.symlink_to(target)
    text = os.readlink(link) if link.is_symlink() else None
    result = run_into(run_cli, link, "stats.seed=7")
    assert result.code == 0, result.err
    assert (os.readlink(link) if link.is_symlink() else None) == text  # the link is as it was
    assert json.loads((target / "report.json").read_text())["statistics"]["seed"] == 7
    if how != "dangling":
        assert stat.S_IMODE(os.stat(target).st_mode) == 0o750
    if how == "to a report set":
        assert (target / "notes.txt").read_text() == "mine"
    assert temporary_names(link, target) == []


def test_a_temporary_name_left_beside_a_link_is_swept(run_cli, tmp_path):
    """What an earlier version left behind (the old link under a temporary name) goes at the next run."""
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True).stdout.strip()
    (tmp_path / "real").mkdir()
    (tmp_path / "reports").symlink_to(tmp_path / "real")
    (tmp_path / f".reports{TEMP_MARK}{dead}-yspxrign").symlink_to(tmp_path / "real")
    assert run_into(run_cli, tmp_path / "reports").code == 0
    assert temporary_names(tmp_path / "reports") == []


def test_a_symbolic_link_loop_as_report_dir_is_refused(run_cli, tmp_path, no_scoring):
    (tmp_path / "a").symlink_to(tmp_path / "b")
    (tmp_path / "b").symlink_to(tmp_path / "a")
    refused(run_into(run_cli, tmp_path / "a"), "report.dir", "symbolic link loop")
    assert (tmp_path / "a").is_symlink() and temporary_names(tmp_path / "a") == []


# ---------------------------------------------------------------- names against what is there

def make_entry(path: Path, kind: str) -> None:
    elsewhere = path.parent.parent / f"elsewhere-{path.name}"
    if kind == "a file of the user's":
        path.write_text("mine")
    elif kind == "folder":
        path.mkdir()
        (path / "keep").write_text("mine")
    elif kind == "symbolic link to a file":
        elsewhere.write_text("mine")
        path.symlink_to(elsewhere)
    elif kind == "symbolic link to a folder":
        elsewhere.mkdir()
        path.symlink_to(elsewhere)
    elif kind == "FIFO":
        os.mkfifo(path)


def described(path: Path) -> tuple:
    info = os.lstat(path)
    return (stat.S_IFMT(info.st_mode), info.st_ino, os.readlink(path) if path.is_symlink() else None,
            snapshot(path) if path.is_dir() and not path.is_symlink() else None)


KINDS = ["folder", "symbolic link to a file", "symbolic link to a folder", "FIFO"]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("name", report_file_names())
def test_no_report_file_replaces_an_entry_that_is_not_a_report_file(run_cli, tmp_path, no_scoring, name, kind):
    folder = tmp_path / "reports"
    folder.mkdir()
    make_entry(folder / name, kind)
    before = described(folder / name)
    refused(run_into(run_cli, folder, ALL_FORMATS), "report.dir", str(folder / name), "never replaces")
    assert described(folder / name) == before


@pytest.mark.parametrize("kind", ["folder", "symbolic link to a file", "FIFO"])
def test_an_entry_named_like_a_report_file_this_run_does_not_write_is_carried(run_cli, tmp_path, kind):
    folder = tmp_path / "reports"
    folder.mkdir()
    make_entry(folder / "report.html", kind)
    before = described(folder / "report.html")[::2]  # kind and link text (a folder is re-made)
    assert run_into(run_cli, folder, "report.formats=[json]").code == 0
    assert described(folder / "report.html")[::2] == before


GATE_NAMES = [("gate.summary", "gate.md"), ("gate.junit", "gate-junit.xml"), ("gate.junit", "baseline"), ("gate.summary", ".hydra"),
              ("gate.summary", "notes.txt")]


@pytest.mark.parametrize("kind", ["a file of the user's", *KINDS])
@pytest.mark.parametrize("key, name", GATE_NAMES)
def test_no_gate_file_replaces_an_entry_no_earlier_run_wrote(run_cli, tmp_path, quick_baseline, no_scoring, key, name, kind):
    folder = tmp_path / "reports"
    folder.mkdir()
    make_entry(folder / name, kind)
    before = described(folder / name)
    refused(run_into(run_cli, folder, f"gate.baseline={quick_baseline}", f"{key}={name}"), key, str(folder / name))
    assert described(folder / name) == before


@pytest.mark.parametrize("formats", ["[json,md]", "[md]"])
@pytest.mark.parametrize("summary, junit", [("gate.md", "gate-junit.xml"), ("notes.md", "results.xml")])
def test_gate_files_an_earlier_run_wrote_are_replaced_by_the_next_run(run_cli, tmp_path, quick_baseline, formats, summary, junit):
    """Known from the earlier report.json, or (a set without one) from what
    mt-eval writes at the top of a gate file."""
    folder = tmp_path / "reports"
    gate = [*inputs_overrides(SOURCE, [REFERENCE], draft=DRAFT, presstv=PRESSTV), *FAST, f"gate.baseline={quick_baseline}",
            f"gate.summary={summary}", f"gate.junit={junit}", f"report.formats={formats}", f"report.dir={folder}"]
    for seed in (1, 2):
        result = run_cli(*gate, f"stats.seed={seed}")
        assert result.code == 0, result.err
    assert (folder / summary).read_text().startswith("### ") and "mt-eval gate" in (folder / junit).read_text()


def test_gate_files_of_an_earlier_run_under_other_names_do_not_survive_into_a_new_set(run_cli, tmp_path, quick_baseline):
    folder = tmp_path / "reports"
    gate = [*inputs_overrides(SOURCE, [REFERENCE], draft=DRAFT, presstv=PRESSTV), *FAST, f"gate.baseline={quick_baseline}", "report.formats=[json]",
            f"report.dir={folder}"]
    assert run_cli(*gate, "gate.summary=first.md", "gate.junit=first.xml").code == 0
    assert run_cli(*gate, "gate.summary=second.md", "gate.junit=second.xml").code == 0
    assert not (folder / "first.md").exists() and not (folder / "first.xml").exists()


# ---------------------------------------------------------------- a run's own inputs

def inputs_in_role(path: Path) -> dict:
    """Each test-set role with ``path`` as its input, the bundled files in the others."""
    return {
        "testset.source": inputs_overrides(path, [REFERENCE], mine=DRAFT),
        "testset.references[0]": inputs_overrides(SOURCE, [path], mine=DRAFT),
        "testset.systems.mine": inputs_overrides(SOURCE, [REFERENCE], mine=path),
    }


ORIGINALS = {"testset.source": SOURCE, "testset.references[0]": REFERENCE, "testset.systems.mine": DRAFT}


@pytest.mark.parametrize("name", report_file_names())
@pytest.mark.parametrize("role", list(ORIGINALS))
def test_a_test_set_input_the_run_would_replace_is_refused(run_cli, tmp_path, no_scoring, role, name):
    folder = tmp_path / "reports"
    folder.mkdir()
    placed = folder / name
    shutil.copy(ORIGINALS[role], placed)
    refused(run_into(run_cli, folder, *inputs_in_role(placed)[role], ALL_FORMATS), role, str(placed), "own inputs")
    assert placed.read_bytes() == ORIGINALS[role].read_bytes()


@pytest.mark.parametrize("role", list(ORIGINALS))
def test_a_test_set_input_kept_in_report_dir_under_its_own_name_is_read_and_kept(run_cli, tmp_path, role):
    folder = tmp_path / "reports"
    (folder / "data").mkdir(parents=True)
    for placed in (folder / "input.txt", folder / "data" / "input.txt"):  # beside the reports, and in a subfolder
        shutil.copy(ORIGINALS[role], placed)
        inode = placed.stat().st_ino
        assert run_into(run_cli, folder, *inputs_in_role(placed)[role]).code == 0
        assert placed.read_bytes() == ORIGINALS[role].read_bytes() and placed.stat().st_ino == inode


@pytest.fixture
def shards(run_cli, tmp_path):
    """Two shards of the bundled test set, one system each."""
    for name, path in (("shardA", DRAFT), ("shardB", PRESSTV)):
        result = run_cli(*inputs_overrides(SOURCE, [REFERENCE], **{name.lower(): path}), *FAST, "report.formats=[json]", f"report.dir={tmp_path / name}")
        assert result.code == 0, result.err
    return tmp_path / "shardA", tmp_path / "shardB"


@pytest.mark.parametrize("given", ["folder", "report.json"])
@pytest.mark.parametrize("which", [0, 1])
def test_a_run_never_writes_into_a_merge_shard(run_cli, tmp_path, shards, which, given):
    specs = [str(s) if given == "folder" else str(s / "report.json") for s in shards]
    before = snapshot(shards[which])
    refused(run_cli(f"merge=[{specs[0]},{specs[1]}]", "report.terminal=false", f"report.dir={shards[which]}"), f"merge[{which}]", "own inputs")
    refused(run_cli(f"merge=[{specs[0]},{specs[1]}]", "report.terminal=false", f"report.dir={shards[which] / 'merged'}"),
            f"merge[{which}]", "own inputs")
    assert snapshot(shards[which]) == before
    assert run_cli(f"merge=[{specs[0]},{specs[1]}]", "report.terminal=false", "report.formats=[json]", f"report.dir={tmp_path / 'merged'}").code == 0


def test_a_run_never_writes_into_its_baseline_or_the_baselines_folder(run_cli, tmp_path, quick_baseline, no_scoring):
    before = snapshot(quick_baseline.parent)
    for report_dir in (quick_baseline.parent, quick_baseline.parent / "next"):
        refused(run_into(run_cli, report_dir, f"gate.baseline={quick_baseline}"), "gate.baseline" if report_dir == quick_baseline.parent
                else "report.dir", "own inputs")
    assert snapshot(quick_baseline.parent) == before


def test_a_symlinked_input_is_known_by_its_target(run_cli, tmp_path, no_scoring):
    folder = tmp_path / "reports"
    folder.mkdir()
    shutil.copy(DRAFT, folder / "report.md")
    (tmp_path / "draft.en").symlink_to(folder / "report.md")
    refused(run_into(run_cli, folder, *inputs_overrides(SOURCE, [REFERENCE], mine=tmp_path / "draft.en")), "testset.systems.mine", "own inputs")


# ---------------------------------------------------------------- report.formats

def test_an_empty_format_list_is_refused_and_the_set_kept(run_cli, tmp_path, no_scoring, monkeypatch):
    from mt_eval.errors import ConfigError
    from mt_eval.runner import save_report_set

    folder = tmp_path / "reports"
    folder.mkdir()
    (folder / "report.json").write_text("{}")
    refused(run_into(run_cli, folder, "report.formats=[]"), "report.formats", "json, md, html, segments")
    assert [p.name for p in folder.iterdir()] == ["report.json"]
    with pytest.raises(ConfigError, match="report.formats"):
        save_report_set(None, folder, formats=[])  # type: ignore[arg-type]  (refused before the result is looked at)


# ---------------------------------------------------------------- multirun

REPORT_DIRS = {
    "absolute path": lambda t: str(t / "fixed"),
    "relative path": lambda t: "fixed",
    "~": lambda t: "'~/fixed'",
    "${oc.env:...}": lambda t: "${oc.env:MT_EVAL_TEST_REPORTS}",
    "${hydra:job.name}": lambda t: "out/${hydra:job.name}",
    "${hydra:sweep.dir}": lambda t: "${hydra:sweep.dir}/reports",
    "${hydra:runtime.output_dir} (the default)": lambda t: "${hydra:runtime.output_dir}",
    "${hydra:runtime.output_dir}/sub": lambda t: "${hydra:runtime.output_dir}/sub",
    "${hydra:job.num}": lambda t: "out/${hydra:job.num}",
    "${hydra:job.id}": lambda t: "out/${hydra:job.id}",
}


@pytest.mark.parametrize("subdir", [None, "fixed"])
@pytest.mark.parametrize("form", list(REPORT_DIRS))
def test_every_job_of_a_sweep_gets_its_own_report_folder_however_report_dir_is_written(run_cli, tmp_path, monkeypatch, form, subdir):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("MT_EVAL_TEST_REPORTS", str(tmp_path / "env"))
    sweep = tmp_path / "sweep"
    args = ["-m", *LEXICAL, "report.formats=[json]", "bleu.tokenize=13a,intl", f"report.dir={REPORT_DIRS[form](tmp_path)}", f"hydra.sweep.dir={sweep}"]
    result = run_cli(*args, *([f"hydra.sweep.subdir={subdir}"] if subdir else []))
    assert result.code == 0, result.err
    jobs = json.loads((sweep / "summary.json").read_text())["jobs"]
    folders = [Path(job["report_dir"]) for job in jobs]
    assert len(jobs) == 2 and folders[0] != folders[1]
    for job, folder in zip(jobs, folders):
        tokenizer = next(o for o in job["overrides"] if o.startswith("bleu.tokenize=")).split("=")[1]
        assert json.loads((folder / "report.json").read_text())["config"]["bleu"]["tokenize"] == tokenizer


def test_a_reused_sweep_folder_summarises_only_this_sweeps_jobs(run_cli, tmp_path):
    sweep = tmp_path / "sweep"
    first = run_cli("-m", *LEXICAL, "report.formats=[json]", f"testset.systems={{a:{DRAFT}}},{{b:{tmp_path / 'missing.en'}}},{{c:{PRESSTV}}}", f"hydra.sweep.dir={sweep}")
    assert first.code == 2
    second = run_cli("-m", *LEXICAL, "report.formats=[json]", "bleu.tokenize=13a", f"hydra.sweep.dir={sweep}")
    assert second.code == 0, second.err
    summary = json.loads((sweep / "summary.json").read_text())
    assert [(job["job"], job["status"]) for job in summary["jobs"]] == [(0, "ok")] and summary["exit_code"] == 0
    assert "bad input" not in (sweep / "summary.md").read_text()


def process_tree(root: int) -> dict:
    """pid → parent pid, for ``root``'s descendants."""
    parents = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                parents[int(entry)] = int(Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
    tree, todo = {}, [root]
    while todo:
        pid = todo.pop()
        for child, parent in parents.items():
            if parent == pid:
                tree[child] = pid
                todo.append(child)
    return tree


def running(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except OSError:
        return False


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="finds the job's processes through /proc")
def test_a_parallel_job_killed_outright_is_reported_and_the_sweep_completes(tmp_path):
    """One job is SIGKILLed (as the out-of-memory killer does) while its TER
    pool runs: the pool dies with it, the other job runs to its end, and the
    summary and the exit code say the job failed."""
    lines = [f"segment {i} " + " ".join(f"w{(i * 7 + j) % 997}" for j in range(30)) for i in range(4500)]
    source = write_lines(tmp_path / "big.ar", lines)
    hyp = write_lines(tmp_path / "big.en", [line[::-1] for line in lines])
    sweep = tmp_path / "sweep"
    args = [sys.executable, "-m", "mt_eval", "-m", "hydra/launcher=local_parallel", f"testset.source={source}", f"testset.references=[{source}]",
            f"testset.systems={{m:{hyp}}}", "metrics=[ter]", "jobs=2", "stats.method=none", "report.terminal=false",
            "ter.case_sensitive=true,false", f"hydra.sweep.dir={sweep}"]
    sweep_process = subprocess.Popen(args, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        victim, pool, deadline = None, [], time.time() + 120
        while victim is None and time.time() < deadline and sweep_process.poll() is None:
            tree = process_tree(sweep_process.pid)
            jobs = [pid for pid, parent in tree.items() if parent == sweep_process.pid]
            for job in jobs:
                pool = [pid for pid, parent in tree.items() if parent == job]
                if len(pool) >= 2:
                    victim = job
                    break
            time.sleep(0.05)
        assert victim is not None, "no job's TER pool was seen"
        os.kill(victim, signal.SIGKILL)
        out, err = sweep_process.communicate(timeout=240)
    finally:
        if sweep_process.poll() is None:
            for pid in process_tree(sweep_process.pid):
                os.kill(pid, signal.SIGKILL)
            sweep_process.kill()
    assert sweep_process.returncode == 2, out + err
    assert not any(running(pid) for pid in pool)  # the pool died with its job
    summary = json.loads((sweep / "summary.json").read_text())
    statuses = {job["job"]: (job["exit_code"], job["status"]) for job in summary["jobs"]}
    assert len(statuses) == 2 and summary["exit_code"] == 2
    killed = [job for job, (code, status) in statuses.items() if "SIGKILL" in status]
    assert len(killed) == 1 and statuses[killed[0]][0] == 2
    survivor = 1 - killed[0]
    assert statuses[survivor] == (0, "ok") and (sweep / str(survivor) / "report.json").is_file()
    assert "killed by SIGKILL" in (sweep / "summary.md").read_text()


# ---------------------------------------------------------------- mount points

@pytest.mark.parametrize("where", ["the folder itself", "a subfolder", "a nested subfolder"])
def test_a_mount_point_in_report_dir_is_refused_before_scoring_and_kept(run_cli, tmp_path, where, no_scoring):
    """A mount can be neither swapped nor hard-linked; copying it would empty
    the mounted file system when the old folder is removed."""
    from conftest import mount

    report_dir = tmp_path / "reports"
    mounted = {"the folder itself": report_dir, "a subfolder": report_dir / "data", "a nested subfolder": report_dir / "a" / "b"}[where]
    mounted.mkdir(parents=True)
    if not mount("-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mounted)):
        pytest.skip("mounting needs privileges this machine does not give")
    try:
        (mounted / "keep.txt").write_text("data", encoding="utf-8")
        result = run_cli(*FAST, f"report.dir={report_dir}")
        refused(result, "mount")
        assert (mounted / "keep.txt").read_text(encoding="utf-8") == "data"
    finally:
        subprocess.run(["umount", str(mounted)], check=False)


@pytest.mark.parametrize("sweep_values", ["stats.seed=range(5,5)", "bleu.tokenize=glob(zz*)"])
def test_a_sweep_that_runs_no_job_fails(run_cli, tmp_path, sweep_values):
    """Nothing checked is never a pass, a gate baseline or not."""
    result = run_cli("-m", *LEXICAL, "report.formats=[json]", sweep_values, f"hydra.sweep.dir={tmp_path / 'sweep'}")
    assert result.code == 2 and "no job" in result.err, result.err


def test_a_sweep_whose_jobs_cannot_record_their_outcome_keeps_their_exit_code(run_cli, tmp_path):
    """A job that fails is a failed sweep, even when its record cannot be
    written (the records folder is a file) or the summary callback is removed."""
    sweep = tmp_path / "sweep"
    sweep.mkdir()
    (sweep / ".mt-eval-jobs").write_text("in the way", encoding="utf-8")
    failing = f"testset.systems={{a:{tmp_path / 'missing.en'}}},{{b:{tmp_path / 'missing2.en'}}}"
    blocked = run_cli("-m", *LEXICAL, "report.formats=[json]", failing, f"hydra.sweep.dir={sweep}")
    assert blocked.code == 2, blocked.err
    unsummarised = run_cli("-m", *LEXICAL, "report.formats=[json]", failing, "~hydra.callbacks.sweep_summary",
                           f"hydra.sweep.dir={tmp_path / 'sweep2'}")
    assert unsummarised.code == 2, unsummarised.err
