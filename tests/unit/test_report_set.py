"""reports/report_set.py: a report set is written whole or not at all (through
runner.save_report_set, the one way to write one): an interrupted render or
a full disk leaves the earlier set byte for byte and no temporary folder;
so does a failure at any stage of writing, through a symlinked folder too;
a folder whose owner or group the run could not keep is refused.
(The same from the command line, on a real small disk: tests/test_hostile.py.)"""

from __future__ import annotations

import errno
import os
import pwd
import shutil
import stat
import tempfile
from pathlib import Path

import pytest

from conftest import snapshot

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


# ---------------------------------------------------------------- no temporary name outlives a run

def _fail(*args, **kwargs):
    raise OSError(errno.EIO, "Input/output error")


def _interrupt(*args, **kwargs):
    raise KeyboardInterrupt


def _exchange_unsupported_then_rename_fails(monkeypatch):
    """The kernel has no renameat2, and putting the new folder in place fails
    after the old one was moved aside: the old one must come back."""
    monkeypatch.setattr(report_set, "_exchange", lambda a, b: False)
    real_rename = os.rename
    calls = []

    def rename(source, destination):
        if report_set.TEMP_MARK in os.fspath(source) and "-old-" not in os.fspath(source):
            calls.append(source)
            if len(calls) == 2:  # the first is the plain rename, refused since the folder is not empty
                _fail()
        real_rename(source, destination)

    monkeypatch.setattr(os, "rename", rename)


STAGES = {
    "keeping the folder's metadata": lambda m: m.setattr(report_set.folders, "keep_metadata", _fail),
    "writing a file (disk full)": lambda m: m.setattr(report_set, "_write_file", lambda path, content: _fail()),
    "interrupted while writing": lambda m: m.setattr(report_set, "_write_file", lambda path, content: _interrupt()),
    "carrying an entry over": lambda m: m.setattr(report_set.folders, "carry", _fail),
    "the atomic exchange": lambda m: m.setattr(report_set, "_exchange", _fail),
    "the two-rename fallback": _exchange_unsupported_then_rename_fails,
}


def _earlier_set(folder):
    folder.mkdir(parents=True)
    (folder / "report.json").write_text('{"run": "earlier"}')
    (folder / "report.md").write_text("earlier")
    (folder / "notes").mkdir()
    (folder / "notes" / "n.txt").write_text("mine")


@pytest.mark.parametrize("linked", [False, True], ids=["plain folder", "symlinked report.dir"])
@pytest.mark.parametrize("stage", list(STAGES))
def test_a_run_failing_at_any_stage_keeps_the_earlier_set_and_leaves_no_temporary_name(tmp_path, monkeypatch, stage, linked):
    target = tmp_path / "store" / "reports"
    _earlier_set(target)
    given = target
    if linked:
        (tmp_path / "links").mkdir()
        given = tmp_path / "links" / "reports"
        given.symlink_to(target)
    before = snapshot(target)
    STAGES[stage](monkeypatch)
    with pytest.raises((InputError, KeyboardInterrupt)):
        report_set.ReportSet(given, ["report.json", "report.md"]).commit({"report.json": '{"run": "new"}', "report.md": "new"})
    monkeypatch.undo()
    assert snapshot(target) == before
    assert [p.name for p in target.parent.iterdir()] == ["reports"]
    assert [p.name for p in given.parent.iterdir()] == ["reports"] and given.is_symlink() == linked
    # and the next run, nothing injected, writes through
    report_set.ReportSet(given, ["report.json", "report.md"]).commit({"report.json": '{"run": "new"}', "report.md": "new"})
    assert (target / "report.md").read_text() == "new" and (target / "notes" / "n.txt").read_text() == "mine"
    assert [p.name for p in target.parent.iterdir()] == ["reports"] and [p.name for p in given.parent.iterdir()] == ["reports"]


# ---------------------------------------------------------------- a user who could not keep the folder's owner

def _as_user(uid: int, gid: int, action) -> str:
    """``action()`` in a forked child running as uid/gid: '' or its InputError's message."""
    reader, writer = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        os.close(reader)
        try:
            os.setgroups([])
            os.setgid(gid)
            os.setuid(uid)
            message = ""
            try:
                action()
            except InputError as error:
                message = str(error)
            os.write(writer, message.encode() or b"-")
        finally:
            os._exit(0)
    os.close(writer)
    with os.fdopen(reader, "rb") as stream:
        answer = stream.read().decode()
    os.waitpid(pid, 0)
    return "" if answer == "-" else answer


@pytest.mark.skipif(os.geteuid() != 0, reason="acts as another user")
def test_a_user_is_refused_a_folder_whose_owner_or_group_the_run_could_not_keep(tmp_path):
    daemon = pwd.getpwnam("daemon")
    base = Path(tempfile.mkdtemp(prefix="mt-eval-owner-", dir="/tmp"))
    try:
        os.chmod(base, 0o777)
        for owner, group, refused in ((0, daemon.pw_gid, "owner"), (daemon.pw_uid, 0, "group"), (daemon.pw_uid, daemon.pw_gid, None)):
            folder = base / f"reports-{owner}-{group}"
            folder.mkdir()
            os.chown(folder, owner, group)
            os.chmod(folder, 0o2777)
            names = ["report.json"]

            def write(folder=folder, names=names):
                reports = report_set.ReportSet(folder, names)
                reports.check_writable(names)
                reports.commit({"report.json": "{}"})

            message = _as_user(daemon.pw_uid, daemon.pw_gid, write)
            if refused:
                assert refused in message and str(folder) in message
                assert not (folder / "report.json").exists()
            else:
                assert message == ""
                info = os.stat(folder)
                assert (info.st_uid, info.st_gid, stat.S_IMODE(info.st_mode)) == (owner, group, 0o2777)
    finally:
        shutil.rmtree(base)
